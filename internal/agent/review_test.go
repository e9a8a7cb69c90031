package agent

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReviewCommandsNeverRun runs the attack review's commands through
// the real bash tool: with no rules and nobody to ask, with the allow
// rules the review used, in bypassPermissions with
// --disallowed-tools 'bash(rm:*)', and with an approver (a terminal) that
// must be asked and says no. victim survives every one.
func TestReviewCommandsNeverRun(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("permission/testdata/review_bypasses.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct{ Command, Allow string }
	if err := json.Unmarshal(raw, &cases); err != nil || len(cases) < 90 {
		t.Fatalf("review_bypasses.json: %d cases, %v", len(cases), err)
	}
	for _, c := range cases {
		dir := t.TempDir()
		victim := filepath.Join(dir, "victim")
		write(t, victim, "keep me\n")
		var allow []string
		if c.Allow != "" {
			allow = []string{c.Allow}
		}
		ap := &recordingApprover{ans: Approval{Reason: "no"}}
		configs := map[string]Config{
			"default, nobody to ask": {},
			"allow " + c.Allow:       {Allow: allow},
			"bypass, deny rm":        {PermissionMode: ModeBypassPermissions, Deny: []string{"bash(rm:*)"}},
			"terminal says no":       {Allow: allow, Approver: ap},
		}
		for name, cfg := range configs {
			a := toolAgent(t, dir, cfg)
			r := call(t, a, ToolBash, map[string]any{"command": c.Command, "timeout_ms": 5000})
			if !r.denied {
				t.Errorf("%s: %q ran: %+v", name, c.Command, r)
			}
			if _, err := os.Stat(victim); err != nil {
				t.Fatalf("%s: %q deleted victim", name, c.Command)
			}
		}
		if len(ap.reqs) != 1 {
			t.Errorf("%q: asked %d times on a terminal, want once", c.Command, len(ap.reqs))
		}
		for _, req := range ap.reqs {
			for _, r := range req.AlwaysRules {
				if r == "bash" {
					t.Errorf("%q: don't ask again would grant the whole bash tool", c.Command)
				}
			}
		}
	}
}

// TestCriticalSubscriptAsked is the review's critical case exactly:
// `[[ -v 'a[$(rm victim)]' ]]` in default mode with no rules is asked
// about on a terminal and denied without one, with a message that says
// no command rule can allow it.
func TestCriticalSubscriptAsked(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "victim"), "x")
	cmd := `[[ -v 'a[$(rm victim)]' ]]`
	r := call(t, toolAgent(t, dir, Config{Tools: []string{ToolBash}}), ToolBash, map[string]any{"command": cmd})
	if !r.denied || !strings.Contains(r.content, "cannot be allowed by a command rule") {
		t.Errorf("no terminal: %+v", r)
	}
	ap := &recordingApprover{ans: Approval{Allow: false}}
	r = call(t, toolAgent(t, dir, Config{Tools: []string{ToolBash}, Approver: ap}), ToolBash, map[string]any{"command": cmd})
	if !r.denied || len(ap.reqs) != 1 || len(ap.reqs[0].AlwaysRules) != 0 || len(ap.reqs[0].Unruled) != 1 {
		t.Errorf("terminal: %+v, asked %+v", r, ap.reqs)
	}
	if _, err := os.Stat(filepath.Join(dir, "victim")); err != nil {
		t.Error("victim deleted")
	}
}
