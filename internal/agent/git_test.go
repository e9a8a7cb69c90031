package agent

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/sandbox"
)

// TestGitConfigWriteRefused is the review's finding: in acceptEdits with
// bash(git status) allowed, a model writes core.fsmonitor into
// .git/config and then runs the allowed `git status`, which would run
// the fsmonitor command. The write is refused, so the command never runs.
func TestGitConfigWriteRefused(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	if out, err := exec.Command("git", "init", "-q", dir).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v %s", err, out)
	}
	pwned := filepath.Join(dir, "pwned")
	evil := "[core]\n\tfsmonitor = touch " + pwned + "; false\n"
	turn := 0
	s := newStub(t, func(w wireRequest) stubReply {
		turn++
		switch turn {
		case 1:
			return stubReply{ToolUses: []stubToolUse{{ID: "toolu_0", Name: "read_file", Input: map[string]string{"path": ".git/config"}}}}
		case 2:
			return stubReply{ToolUses: []stubToolUse{{ID: "toolu_1", Name: "write_file", Input: map[string]string{"path": ".git/config", "content": evil}}}}
		case 3:
			return stubReply{ToolUses: []stubToolUse{{ID: "toolu_2", Name: "bash", Input: map[string]string{"command": "git status"}}}}
		}
		return stubReply{Text: "done"}
	})
	a := newAgent(t, bearerRuntime(s.URL), Config{
		Tools: []string{"read_file", "write_file", "bash"}, WorkDir: dir,
		PermissionMode: ModeAcceptEdits, Allow: []string{"bash(git status)"},
	})
	var results []string
	if _, err := a.Send(context.Background(), NewConversation(time.Now()), "go", func(e Event) {
		if e.Type == "tool_result" {
			results = append(results, e.Output)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if len(results) != 3 || !strings.Contains(results[1], "refused: .git/config is inside .git") {
		t.Errorf("results = %q", results)
	}
	if cfg, _ := os.ReadFile(filepath.Join(dir, ".git", "config")); strings.Contains(string(cfg), "fsmonitor") {
		t.Errorf(".git/config was written:\n%s", cfg)
	}
	if _, err := os.Stat(pwned); err == nil {
		t.Error("the fsmonitor command ran")
	}
}

// TestGitInternalsRefusedEverywhere: every spelling of git's internals
// is refused in every mode but bypassPermissions with the
// danger-full-access sandbox, or with a rule naming the path.
func TestGitInternalsRefusedEverywhere(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, d := range []string{".git/hooks", ".git/info", ".git/modules/sub", "sub"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	write(t, filepath.Join(dir, ".git", "config"), "[core]\n")
	if err := os.Symlink(".git", filepath.Join(dir, "g")); err != nil {
		t.Fatal(err)
	}
	paths := []string{".git/config", ".git/hooks/pre-commit", ".git/info/attributes", ".git/modules/sub/config", "g/config", "sub/.git", ".GIT/config", "sub/../.git/HEAD"}
	configs := map[string]Config{
		"default":                   {PermissionMode: ModeDefault, Approver: &recordingApprover{ans: Approval{Allow: true}}},
		"acceptEdits":               {PermissionMode: ModeAcceptEdits},
		"bypassPermissions":         {PermissionMode: ModeBypassPermissions},
		"bypass + workspace-write":  {PermissionMode: ModeBypassPermissions, Sandbox: sandbox.Policy{Mode: sandbox.WorkspaceWrite}},
		"acceptEdits + full access": {PermissionMode: ModeAcceptEdits, Sandbox: sandbox.Policy{Mode: sandbox.DangerFullAccess}},
		"rule for hooks only":       {PermissionMode: ModeAcceptEdits, Allow: []string{"write_file(.git/hooks/**)"}},
	}
	for name, cfg := range configs {
		a := toolAgent(t, dir, cfg)
		for _, p := range paths {
			if name == "rule for hooks only" && p == ".git/hooks/pre-commit" {
				continue
			}
			r := call(t, a, ToolWriteFile, map[string]any{"path": p, "content": "x"})
			if !r.isError || !strings.Contains(r.content, "inside .git") {
				t.Errorf("%s: write_file %s = %+v", name, p, r)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".git", "hooks", "pre-commit")); err == nil {
		t.Fatal("a hook was written")
	}
	// The exceptions.
	a := toolAgent(t, dir, Config{PermissionMode: ModeAcceptEdits, Allow: []string{"write_file(.git/hooks/**)"}})
	wantOK(t, call(t, a, ToolWriteFile, map[string]any{"path": ".git/hooks/pre-commit", "content": "#!/bin/sh\n"}), "created")
	a = toolAgent(t, dir, Config{PermissionMode: ModeBypassPermissions, Sandbox: sandbox.Policy{Mode: sandbox.DangerFullAccess}})
	wantOK(t, call(t, a, ToolWriteFile, map[string]any{"path": ".git/info/exclude", "content": "x\n"}), "created")
	// Ordinary files that only look alike are not refused.
	a = toolAgent(t, dir, Config{PermissionMode: ModeAcceptEdits})
	wantOK(t, call(t, a, ToolWriteFile, map[string]any{"path": ".gitignore", "content": "x\n"}), "created")
	wantOK(t, call(t, a, ToolWriteFile, map[string]any{"path": "docs/.github/x.md", "content": "x\n"}), "created")
}
