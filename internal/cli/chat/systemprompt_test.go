package chat

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/cmdutil"
)

// inRepo makes a repository with instruction files at its root and in
// sub/, and runs the test from sub/.
func inRepo(t *testing.T) (root, sub string) {
	t.Helper()
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	sub = filepath.Join(root, "sub")
	for path, data := range map[string]string{
		".git/HEAD":       "ref: refs/heads/trunk\n",
		"AGENTS.md":       "Build with make build.\n",
		"sub/CLAUDE.md":   "In sub, run make test-sub.\n",
		"sub/notes/x.txt": "x\n",
		"prompt-file.txt": "  from a file  \n",
		"append-file.txt": "appended from a file\n",
	} {
		p := filepath.Join(root, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(sub)
	return root, sub
}

func TestDefaultSystemPromptAndInstructionsFromASubdirectory(t *testing.T) {
	root, sub := inRepo(t)
	s := stub(t)
	h := newHarness(t, s.URL, testKey)
	if err := h.run(context.Background(), "-q", "hi", "--system", "be terse"); err != nil {
		t.Fatal(err)
	}
	sys := s.MessageRequests()[0].System
	for _, want := range []string{
		"You are hermes",
		"Working directory: " + sub + "\n",
		"Git repository: " + root + ", branch trunk",
		"## " + filepath.Join(root, "AGENTS.md") + "\n\nBuild with make build.",
		"## " + filepath.Join(sub, "CLAUDE.md") + "\n\nIn sub, run make test-sub.",
	} {
		if !strings.Contains(sys, want) {
			t.Errorf("system prompt lacks %q:\n%s", want, sys)
		}
	}
	// --system is --append-system-prompt: after everything else.
	if !strings.HasSuffix(sys, "\nbe terse") {
		t.Errorf("--system not appended last:\n%s", sys)
	}
	if strings.Index(sys, "make build") > strings.Index(sys, "make test-sub") {
		t.Error("the closest instruction file must come last")
	}
}

func TestNoProjectInstructions(t *testing.T) {
	inRepo(t)
	s := stub(t)
	h := newHarness(t, s.URL, testKey)
	if err := h.run(context.Background(), "-q", "hi", "--no-project-instructions"); err != nil {
		t.Fatal(err)
	}
	if sys := s.MessageRequests()[0].System; strings.Contains(sys, "make build") || strings.Contains(sys, "Project instructions") || !strings.Contains(sys, "You are hermes") {
		t.Errorf("system prompt:\n%s", sys)
	}
}

func TestSystemPromptFlagsTakeFiles(t *testing.T) {
	root, _ := inRepo(t)
	s := stub(t)
	h := newHarness(t, s.URL, testKey)
	if err := h.run(context.Background(), "-q", "hi", "--system-prompt", "@"+filepath.Join(root, "prompt-file.txt"),
		"--append-system-prompt", "@../append-file.txt", "--no-project-instructions"); err != nil {
		t.Fatal(err)
	}
	if sys := s.MessageRequests()[0].System; sys != "from a file\nappended from a file" {
		t.Errorf("system = %q", sys)
	}
	err := h.run(context.Background(), "-q", "hi", "--system-prompt", "@missing.txt")
	if cmdutil.ExitCode(err) != 2 || !strings.Contains(err.Error(), "--system-prompt @missing.txt") {
		t.Errorf("err = %v", err)
	}
	err = h.run(context.Background(), "-q", "hi", "--system", "a", "--append-system-prompt", "b")
	if cmdutil.ExitCode(err) != 2 || !strings.Contains(err.Error(), "give one of them") {
		t.Errorf("err = %v", err)
	}
}

func TestPrintSystemPrompt(t *testing.T) {
	root, sub := inRepo(t)
	h := newHarness(t, "http://127.0.0.1:1", testKey)
	h.f.Resolve = nil // no credential needed: resolving would panic
	if err := h.run(context.Background(), "--print-system-prompt", "--tools", "read_file,bash", "--permission-mode", "plan", "--append-system-prompt", "tail text"); err != nil {
		t.Fatal(err)
	}
	out := h.out.String()
	for _, want := range []string{"Working directory: " + sub, "Offered: read_file.", "Permission mode: plan", "Build with make build.", "tail text\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("printed prompt lacks %q:\n%s", want, out)
		}
	}
	if want := "project instructions: " + filepath.Join(root, "AGENTS.md") + ", " + filepath.Join(sub, "CLAUDE.md"); !strings.Contains(h.errOut.String(), want) {
		t.Errorf("stderr = %q, want %q", h.errOut.String(), want)
	}
	if entries, _ := os.ReadDir(filepath.Join(h.home, "sessions")); len(entries) != 0 {
		t.Errorf("--print-system-prompt made a session: %v", entries)
	}
}

func TestVerboseListsInstructionFiles(t *testing.T) {
	root, _ := inRepo(t)
	s := stub(t)
	h := newHarness(t, s.URL, testKey)
	h.f.Verbose = true
	if err := h.run(context.Background(), "-q", "hi"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h.errOut.String(), "project instructions: "+filepath.Join(root, "AGENTS.md")) {
		t.Errorf("stderr = %q", h.errOut.String())
	}
}

func TestToolsOfferedByDefault(t *testing.T) {
	inRepo(t)
	s := stub(t)
	h := newHarness(t, s.URL, testKey)
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{nil, agent.KnownTools()},
		{[]string{"--tools", "read_file,grep"}, []string{"read_file", "grep"}},
		{[]string{"--tools", "none"}, nil},
		{[]string{"--tools", ""}, nil},
	} {
		n := len(s.MessageRequests())
		if err := h.run(context.Background(), append([]string{"-q", "hi"}, tc.args...)...); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, tool := range s.MessageRequests()[n].Tools {
			got = append(got, tool.Name)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: tools = %v, want %v", tc.args, got, tc.want)
		}
	}
}
