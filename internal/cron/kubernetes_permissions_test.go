package cron

import (
	"slices"
	"testing"
)

// TestChatArgsCarryPermissionFlags: a job exported to Kubernetes runs with
// the permission mode and rules it was stored with, one flag per stored
// entry; losing them would drop its deny rules.
func TestChatArgsCarryPermissionFlags(t *testing.T) {
	t.Parallel()
	j := Job{Name: "fix", Prompt: "fix it", Tools: []string{"bash", "edit_file"}, PermissionMode: "acceptEdits",
		AllowedTools: []string{"bash(go test:*) bash(go vet:*)", "edit_file"}, DisallowedTools: []string{"bash(git push:*)", "bash(rm:*)"}}
	args := ChatArgs(j)
	for _, want := range []string{"--permission-mode=acceptEdits", "--allowed-tools=bash(go test:*) bash(go vet:*)", "--allowed-tools=edit_file",
		"--disallowed-tools=bash(git push:*)", "--disallowed-tools=bash(rm:*)"} {
		if !slices.Contains(args, want) {
			t.Errorf("args %q lack %q", args, want)
		}
	}
	// No tools in the job: none in the pod either (chat's default is all).
	if args := ChatArgs(Job{Prompt: "p"}); !slices.Contains(args, "--tools=none") {
		t.Errorf("a job without tools exports %q, want --tools=none", args)
	}
	if args := ChatArgs(Job{Prompt: "p"}); slices.ContainsFunc(args, func(a string) bool { return a == "--permission-mode=" || a == "--allowed-tools=" }) {
		t.Errorf("empty permission fields exported: %q", args)
	}
}
