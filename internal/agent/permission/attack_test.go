package permission

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// reviewBypasses are the attack review's commands that deleted victim
// past --disallowed-tools 'bash(rm:*)' (and past the allow rules named
// with them), plus the constructs the checker does not model. Each must
// end not run: Deny or Ask, never Allow. The agent's tests run them
// through the real bash tool (internal/agent, TestReviewCommandsNeverRun).
func reviewBypasses(tb testing.TB) []struct{ Command, Allow string } {
	tb.Helper()
	raw, err := os.ReadFile("testdata/review_bypasses.json")
	if err != nil {
		tb.Fatal(err)
	}
	var out []struct{ Command, Allow string }
	if err := json.Unmarshal(raw, &out); err != nil || len(out) < 90 {
		tb.Fatalf("testdata/review_bypasses.json: %d entries, %v", len(out), err)
	}
	return out
}

// TestReviewBypasses: with no rules in default mode, with the allow
// rule the review used, and with --disallowed-tools 'bash(rm:*)' (in
// bypassPermissions, where nothing but the deny rule stands), none of
// the commands is allowed.
func TestReviewBypasses(t *testing.T) {
	t.Parallel()
	for _, c := range reviewBypasses(t) {
		policies := map[string]*Policy{
			"default":                  mustPolicy(t, ModeDefault, "", ""),
			"default + " + c.Allow:     mustPolicy(t, ModeDefault, c.Allow, ""),
			"bypass + deny bash(rm:*)": mustPolicy(t, ModeBypassPermissions, "", "bash(rm:*)"),
			"acceptEdits + both":       mustPolicy(t, ModeAcceptEdits, c.Allow, "bash(rm:*)"),
		}
		for name, p := range policies {
			if v := p.Check(ToolBash, c.Command); v.Decision == Allow {
				t.Errorf("%s: %q was allowed", name, c.Command)
			}
		}
		if v := policies["bypass + deny bash(rm:*)"].Check(ToolBash, c.Command); v.Decision != Deny {
			t.Errorf("bypass + deny bash(rm:*): %q = %v, want Deny", c.Command, v.Decision)
		}
		// "Don't ask again" never grants the whole tool, nor a rule for
		// what the checker does not model.
		v := policies["default + "+c.Allow].Check(ToolBash, c.Command)
		for _, r := range v.Suggest {
			if r.Tool == ToolBash && r.Command == "" {
				t.Errorf("%q suggests the whole bash tool", c.Command)
			}
		}
	}
}

// TestModelledStillAllowed: failing closed must not refuse what is
// understood: wrappers with known options, plain [[ ]] tests, set -e.
func TestModelledStillAllowed(t *testing.T) {
	t.Parallel()
	p := mustPolicy(t, ModeDefault, "bash(go test:*) bash(timeout:*) bash(nice:*) bash(xargs:*) bash(grep:*) bash(set:*) bash(echo:*) bash(bash:*) bash(read:*) bash(test:*) bash([:*)", "")
	for _, c := range []string{
		"timeout 60 go test ./...",
		"timeout --signal=KILL -k 5 60 go test ./...",
		"nice -n 10 go test ./...",
		"[[ -f go.mod ]] && go test ./...",
		"[ -f go.mod ] && go test ./...",
		"test -d x || echo none",
		"set -euo pipefail; go test ./...",
		"echo a b | xargs -n 1 grep -l x",
		"echo ${HOME} ${#x} ${a[@]}",
		"bash -c 'go test ./...'",
		"bash -ec -- 'go test ./...'",
		"while read -r line; do echo $line; done < f",
	} {
		if v := p.Check(ToolBash, c); v.Decision != Allow {
			t.Errorf("%q = %+v, want Allow", c, v)
		}
	}
	d := mustPolicy(t, ModeBypassPermissions, "", "bash(rm:*)")
	for _, c := range []string{"timeout 5 go test", "xargs -0 grep x", "nice -5 make", "[[ $x == y ]] && ls", "export GOFLAGS=-mod=mod; go build", "exit 1"} {
		if v := d.Check(ToolBash, c); v.Decision != Allow {
			t.Errorf("bypass + deny rm: %q = %+v, want Allow", c, v)
		}
	}
}

// FuzzUnknownNeverAllowed: whatever the input, a command the checker
// splits into a part it does not model is never allowed by command
// rules, and denied under a bash command deny rule.
func FuzzUnknownNeverAllowed(f *testing.F) {
	for _, c := range reviewBypasses(f) {
		f.Add(c.Command)
	}
	for _, s := range []string{"go test ./...", "timeout 5 rm x", "[[ -v x ]]", "echo $((1))"} {
		f.Add(s)
	}
	var allow []Rule
	for _, w := range []string{"go test", "echo", "rm", "bash", "sh", "xargs", "env", "nice", "timeout", "printf", "read", "test", "[", "let", "declare", "trap", "source", ".", "exec", "command", "flock", "script", "set", "eval"} {
		allow = append(allow, Rule{Tool: ToolBash, Command: w, Prefix: true})
	}
	asker, _ := New(ModeDefault, allow, nil)
	denier, _ := New(ModeBypassPermissions, nil, []Rule{{Tool: ToolBash, Command: "rm", Prefix: true}})
	f.Fuzz(func(t *testing.T, s string) {
		parts, err := SplitCommand(s)
		if err != nil {
			return
		}
		unknown := false
		for _, p := range parts {
			unknown = unknown || p.Unknown
		}
		if !unknown {
			return
		}
		if v := asker.Check(ToolBash, s); v.Decision == Allow {
			t.Fatalf("%q has an unknown part but was allowed by command rules", s)
		}
		if v := denier.Check(ToolBash, s); v.Decision != Deny {
			t.Fatalf("%q has an unknown part but was %v under a deny rule", s, v.Decision)
		}
		if !strings.Contains(s, "\x00") {
			for _, r := range asker.Check(ToolBash, s).Suggest {
				if r.Command == "" {
					t.Fatalf("%q: suggested the whole tool", s)
				}
			}
		}
	})
}
