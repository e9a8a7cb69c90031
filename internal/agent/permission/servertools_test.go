package permission

import (
	"slices"
	"strings"
	"testing"
)

func TestServerToolRules(t *testing.T) {
	for in, want := range map[string]string{
		"web_search":                         "web_search",
		"WebFetch":                           "web_fetch",
		"web_fetch(domain:Docs.Example.com)": "web_fetch(domain:docs.example.com)",
		"web_fetch(*)":                       "web_fetch",
	} {
		r, err := ParseRule(in)
		if err != nil || r.String() != want {
			t.Errorf("ParseRule(%q) = %v, %v; want %s", in, r, err, want)
		}
	}
	// A rule that would say more or less than the API is told is refused.
	for _, in := range []string{"web_fetch(https://docs.example.com)", "web_fetch(domain:*.example.com)", "web_fetch(domain:docs.example.com/path)",
		"web_fetch(domain:localhost)", "web_fetch(domain:)", "web_search(go test:*)"} {
		if _, err := ParseRule(in); err == nil || !strings.Contains(err.Error(), "takes a domain") {
			t.Errorf("ParseRule(%q) err = %v", in, err)
		}
	}
}

func TestServerToolNeverAsked(t *testing.T) {
	rules := func(s ...string) []Rule {
		rs, err := ParseRules(s)
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	for _, tc := range []struct {
		mode        string
		allow, deny []Rule
		declare     bool
		allowed     []string
		blocked     []string
	}{
		// Nobody can be asked about a call the API runs: default and
		// acceptEdits modes without a rule leave the tool out.
		{mode: ModeDefault},
		{mode: ModeAcceptEdits},
		{mode: ModeDefault, allow: rules("web_search"), declare: true},
		{mode: ModeDefault, allow: rules("web_search(domain:a.example)", "web_search(domain:b.example)"), declare: true, allowed: []string{"a.example", "b.example"}},
		{mode: ModeDefault, allow: rules("web_search(domain:a.example)"), deny: rules("web_search(domain:a.example)")},
		{mode: ModeBypassPermissions, declare: true},
		{mode: ModeBypassPermissions, deny: rules("web_search(domain:x.example)"), declare: true, blocked: []string{"x.example"}},
		{mode: ModeBypassPermissions, deny: rules("web_search")},
		{mode: ModePlan, allow: rules("web_search")},
	} {
		p, err := New(tc.mode, tc.allow, tc.deny)
		if err != nil {
			t.Fatal(err)
		}
		declare, allowed, blocked := p.ServerTool(ToolWebSearch)
		if declare != tc.declare || !slices.Equal(allowed, tc.allowed) || !slices.Equal(blocked, tc.blocked) {
			t.Errorf("%s allow %v deny %v: got %t %v %v", tc.mode, tc.allow, tc.deny, declare, allowed, blocked)
		}
	}
	if p, _ := New(ModeBypassPermissions, nil, nil); func() bool { d, _, _ := p.ServerTool(ToolBash); return d }() {
		t.Error("bash declared as a server tool")
	}
}
