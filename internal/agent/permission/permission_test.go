package permission

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseRule(t *testing.T) {
	t.Parallel()
	good := map[string]Rule{
		"edit_file":          {Tool: ToolEditFile},
		" bash ":             {Tool: ToolBash},
		"bash(*)":            {Tool: ToolBash},
		"bash(git diff:*)":   {Tool: ToolBash, Command: "git diff", Prefix: true},
		"bash(go  test *)":   {Tool: ToolBash, Command: "go test", Prefix: true},
		"bash(git status)":   {Tool: ToolBash, Command: "git status"},
		"Bash(npm run lint)": {Tool: ToolBash, Command: "npm run lint"},
		"Edit":               {Tool: ToolEditFile},
		"Task":               {Tool: ToolDelegate},
	}
	for in, want := range good {
		got, err := ParseRule(in)
		if err != nil || got != want {
			t.Errorf("ParseRule(%q) = %+v, %v; want %+v", in, got, err, want)
		}
		if again, err := ParseRule(got.String()); err != nil || again != got {
			t.Errorf("round trip of %q: %+v, %v", got.String(), again, err)
		}
	}
	for _, in := range []string{"", "rm", "bash(git diff:*", "edit_file(x.go)", "bash(a*b)", "bash(:*)", "bash(a\nb)", "bash((x))", strings.Repeat("a", 2000)} {
		if r, err := ParseRule(in); err == nil {
			t.Errorf("ParseRule(%q) = %+v, want an error", in, r)
		}
	}
}

func TestSplitRules(t *testing.T) {
	t.Parallel()
	got, err := SplitRules("bash(git diff:*) edit_file,read_file  bash(go test:*)")
	want := []string{"bash(git diff:*)", "edit_file", "read_file", "bash(go test:*)"}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("SplitRules = %q, %v; want %q", got, err, want)
	}
	for _, bad := range []string{"bash(x", "bash)x("} {
		if _, err := SplitRules(bad); err == nil {
			t.Errorf("SplitRules(%q): want an error", bad)
		}
	}
}

func mustPolicy(t *testing.T, mode string, allow, deny string) *Policy {
	t.Helper()
	a, err := ParseRules([]string{allow})
	if err != nil {
		t.Fatal(err)
	}
	d, err := ParseRules([]string{deny})
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(mode, a, d)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestModes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		mode, tool string
		want       Decision
	}{
		{ModeDefault, ToolReadFile, Allow},
		{ModeDefault, ToolGrep, Allow},
		{ModeDefault, ToolDelegate, Allow},
		{ModeDefault, ToolEditFile, Ask},
		{ModeDefault, ToolWriteFile, Ask},
		{ModeDefault, ToolBash, Ask},
		{ModeAcceptEdits, ToolEditFile, Allow},
		{ModeAcceptEdits, ToolWriteFile, Allow},
		{ModeAcceptEdits, ToolBash, Ask},
		{ModeBypassPermissions, ToolBash, Allow},
		{ModeBypassPermissions, ToolWriteFile, Allow},
		{ModePlan, ToolReadFile, Allow},
		{ModePlan, ToolEditFile, Deny},
		{ModePlan, ToolBash, Deny},
	}
	for _, c := range cases {
		p := mustPolicy(t, c.mode, "", "")
		if got := p.Check(c.tool, "ls").Decision; got != c.want {
			t.Errorf("%s %s = %v, want %v", c.mode, c.tool, got, c.want)
		}
	}
	if _, err := New("yolo", nil, nil); err == nil {
		t.Error("unknown mode accepted")
	}
	p := mustPolicy(t, ModePlan, "", "")
	if p.Offered(ToolBash) || !p.Offered(ToolGlob) {
		t.Error("plan mode must offer only read-only tools")
	}
}

func TestDenyWins(t *testing.T) {
	t.Parallel()
	p := mustPolicy(t, ModeBypassPermissions, "bash edit_file", "edit_file bash(rm:*) read_file")
	for _, c := range []struct{ tool, cmd string }{
		{ToolEditFile, ""},
		{ToolReadFile, ""},
		{ToolBash, "rm -rf /"},
		{ToolBash, "ls && rm x"},
	} {
		if v := p.Check(c.tool, c.cmd); v.Decision != Deny || v.Reason == "" {
			t.Errorf("%s %q = %+v, want Deny with a reason", c.tool, c.cmd, v)
		}
	}
	if p.Offered(ToolEditFile) {
		t.Error("a tool denied as a whole must not be offered")
	}
	if v := p.Check(ToolBash, "ls -l"); v.Decision != Allow {
		t.Errorf("ls = %+v, want Allow", v)
	}
}

func TestAllowPrefix(t *testing.T) {
	t.Parallel()
	p := mustPolicy(t, ModeDefault, "bash(git diff:*) bash(go test:*) bash(git status)", "")
	allowed := []string{
		"git diff",
		"git diff --stat HEAD~1",
		"go test ./...",
		"git status",
		"git diff && go test ./internal/...",
		"git diff | go test -run X",
		"'git' \"diff\"",
		"git diff $(git diff --name-only)",
		"go test 2>/dev/null",
		"go test >&2",
		"# just a comment",
	}
	for _, c := range allowed {
		if v := p.Check(ToolBash, c); v.Decision != Allow {
			t.Errorf("%q = %+v, want Allow", c, v)
		}
	}
}

// TestSmuggling: a compound or disguised command must not get a
// disallowed part past an allow rule, nor hide one from a deny rule.
func TestSmuggling(t *testing.T) {
	t.Parallel()
	p := mustPolicy(t, ModeDefault, "bash(git diff:*) bash(git status)", "")
	notAllowed := []string{
		"git diff && rm -rf ~",
		"git diff || rm -rf ~",
		"git diff; rm -rf ~",
		"git diff | sh",
		"git diff & rm -rf ~",
		"git diff\nrm -rf ~",
		"git diff $(rm -rf ~)",
		"git diff `rm -rf ~`",
		"git diff \"$(rm -rf ~)\"",
		"(rm -rf ~)",
		"{ rm -rf ~; }",
		"git diff <(rm -rf ~)",
		"git diff > ~/.bashrc",
		"git diff >> .git/hooks/pre-commit",
		"git diff &> out.txt",
		"git diff >&out.txt",
		"GIT_EXTERNAL_DIFF=./evil git diff",
		"PATH=.:$PATH; git diff",
		"export PATH=.; git diff",
		"git() { rm -rf ~; }; git diff",
		"git status --short", // exact rule, not a prefix
		"git difftool",       // word boundary
		"$CMD diff",          // command computed at run time
		"g?t diff",           // glob
		"git${IFS}diff",      // expansion
		"bash -c 'git diff'", // another shell
		"if true; then rm x; fi",
		"for f in a; do rm $f; done",
		"git diff ) ( rm", // not bash at all
		"x=$(rm -rf ~) git diff",
	}
	for _, c := range notAllowed {
		if v := p.Check(ToolBash, c); v.Decision == Allow {
			t.Errorf("%q was allowed", c)
		}
	}

	d := mustPolicy(t, ModeBypassPermissions, "", "bash(rm:*) bash(git push:*)")
	denied := []string{
		"rm -rf /",
		"ls; rm x",
		"ls && rm x",
		"ls | xargs rm",
		"echo $(rm x)",
		"echo `rm x`",
		"(rm x)",
		"\\rm x",
		"r''m x",
		"\"rm\" x",
		"/bin/rm x",
		"command rm x",
		"env FOO=1 rm x",
		"sudo -u root rm x",
		"nice -n 5 rm x",
		"timeout 5 rm x",
		"bash -c 'rm x'",
		"sh -lc \"ls; rm x\"",
		"eval 'rm x'",
		"eval \"$X\"",            // a script computed at run time
		"sh -c \"$(echo rm) x\"", // the same, through another shell
		"bash -c \"$CMD\"",
		"find . -exec rm {} \\;", // find runs rm for each file
		"find . -name x -execdir /bin/rm -f {} +",
		"busybox rm x",
		"exec -a name rm x",
		"chrt 1 rm x",
		"$X x",
		"r${X}m x",
		"git push origin main",
		"git  push",
		"ls\nrm x",
		"ls ) (",
	}
	for _, c := range denied {
		if v := d.Check(ToolBash, c); v.Decision != Deny {
			t.Errorf("%q = %+v, want Deny", c, v)
		}
	}
	// find -exec runs a command of its own: a rule for find does not
	// vouch for it.
	f := mustPolicy(t, ModeDefault, "bash(find:*)", "")
	if v := f.Check(ToolBash, "find . -name '*.tmp' -exec rm {} \\;"); v.Decision == Allow {
		t.Errorf("find -exec rm was allowed by bash(find:*)")
	}
	if v := f.Check(ToolBash, "find . -name '*.go'"); v.Decision != Allow {
		t.Errorf("find = %+v, want Allow", v)
	}
	for _, c := range []string{"ls -l", "git pushd", "echo rm", "git status"} {
		if v := d.Check(ToolBash, c); v.Decision != Allow {
			t.Errorf("%q = %+v, want Allow", c, v)
		}
	}
}

func TestSuggestAndSession(t *testing.T) {
	t.Parallel()
	p := mustPolicy(t, ModeDefault, "bash(git diff:*)", "")
	v := p.Check(ToolBash, "git diff && go test ./... && go vet")
	if v.Decision != Ask {
		t.Fatalf("got %+v, want Ask", v)
	}
	want := "allow it with --allowed-tools 'bash(go test:*) bash(go vet:*)'"
	if got := Hint(v.Suggest); got != want {
		t.Errorf("Hint = %q, want %q", got, want)
	}
	p.AllowForSession(v.Suggest...)
	if v := p.Check(ToolBash, "go test -run X ./x"); v.Decision != Allow {
		t.Errorf("after AllowForSession: %+v", v)
	}
	// A redirect: "don't ask again" gets a rule for the command, never
	// the whole tool; the write itself stays asked about.
	if v := p.Check(ToolBash, "echo hi > f"); v.Decision != Ask || Hint(v.Suggest) != "allow it with --allowed-tools 'bash(echo:*)'" || !slices.Equal(v.Unruled, []string{"> f"}) {
		t.Errorf("redirect: %+v", v)
	}
	if v := p.Check(ToolEditFile, ""); Hint(v.Suggest) != "allow it with --allowed-tools 'edit_file'" {
		t.Errorf("edit: %+v", v)
	}
}

func TestSettingsNarrow(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	user := filepath.Join(dir, "user.json")
	proj := filepath.Join(dir, "proj.json")
	os.WriteFile(user, []byte(`{"permissions":{"allow":["bash(go:*)","edit_file"],"deny":["bash(rm:*)"]}}`), 0o600)
	os.WriteFile(proj, []byte(`{"permissions":{"allow":["bash(go test:*)","bash"],"deny":["write_file"]},"other":1}`), 0o644)
	us, err := LoadSettings(user, true)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := LoadSettings(proj, false)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Build(Sources{Mode: ModeDefault, User: us, Project: ps, FlagAllow: []string{"read_file"}})
	if err != nil {
		t.Fatal(err)
	}
	allow, deny := p.Rules()
	if got := rulesString(allow); got != "read_file bash(go test:*) bash(go:*)" {
		t.Errorf("allow = %s", got)
	}
	if got := rulesString(deny); got != "bash(rm:*) write_file" {
		t.Errorf("deny = %s", got)
	}
	// The project's bare "bash" must not widen the user's rules.
	if v := p.Check(ToolBash, "make"); v.Decision == Allow {
		t.Error("project settings widened the user's allow list")
	}
	if v := p.Check(ToolEditFile, ""); v.Decision != Ask {
		t.Errorf("edit_file narrowed away: %+v", v)
	}

	if s, err := LoadSettings(filepath.Join(dir, "missing.json"), true); s != nil || err != nil {
		t.Errorf("missing file: %v, %v", s, err)
	}
	os.Chmod(proj, 0o666)
	if _, err := LoadSettings(proj, true); err == nil || !strings.Contains(err.Error(), "other users") {
		t.Errorf("world-writable user settings: %v", err)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"permissions":{"allow":["frobnicate"]}}`), 0o600)
	if _, err := LoadSettings(bad, true); err == nil || !strings.Contains(err.Error(), "frobnicate") {
		t.Errorf("bad rule: %v", err)
	}
	os.WriteFile(bad, []byte(`{`), 0o600)
	if _, err := LoadSettings(bad, true); err == nil || !strings.Contains(err.Error(), "not valid JSON") {
		t.Errorf("bad JSON: %v", err)
	}
}

func rulesString(rs []Rule) string {
	var s []string
	for _, r := range rs {
		s = append(s, r.String())
	}
	return strings.Join(s, " ")
}

func FuzzParseRule(f *testing.F) {
	for _, s := range []string{"bash(git diff:*)", "edit_file", "Bash(npm test)", "bash(*)", "bash(a b c:*)", "bash(", "x(y)", "bash(go test *)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRule(s)
		if err != nil {
			return
		}
		again, err := ParseRule(r.String())
		if err != nil || again != r {
			t.Fatalf("%q parsed to %+v whose String %q reparses to %+v, %v", s, r, r.String(), again, err)
		}
	})
}

// FuzzCheckCommand: whatever the command, a deny rule for rm is never
// bypassed by a command whose parts include a plain rm, and Check never
// panics.
func FuzzCheckCommand(f *testing.F) {
	for _, s := range []string{"ls && rm x", "git diff $(rm x)", "echo `ls`", "a | b; c", "x=1 y", "f() { g; }", "cat <<EOF\nhi\nEOF", "bash -c 'rm x'"} {
		f.Add(s)
	}
	p, _ := New(ModeBypassPermissions, nil, []Rule{{Tool: ToolBash, Command: "rm", Prefix: true}})
	f.Fuzz(func(t *testing.T, s string) {
		v := p.Check(ToolBash, s)
		parts, err := SplitCommand(s)
		if err != nil {
			if v.Decision != Deny {
				t.Fatalf("unparseable %q not denied", s)
			}
			return
		}
		for _, part := range parts {
			if len(part.Words) > 0 && part.Words[0] == "rm" && v.Decision != Deny {
				t.Fatalf("%q runs rm but was %v", s, v.Decision)
			}
		}
	})
}

// The mode list is a copy: a caller that changes it changes nobody
// else's list (an exported slice would let any package add a mode).
func TestModesIsACopy(t *testing.T) {
	m := Modes()
	m[0] = "allowEverything"
	if got := Modes()[0]; got != ModeDefault {
		t.Errorf("Modes()[0] = %q after a caller changed its copy, want %q", got, ModeDefault)
	}
	if _, err := CheckMode("allowEverything"); err == nil {
		t.Error("a mode added to a caller's copy is accepted")
	}
}

func TestMCPRules(t *testing.T) {
	for _, c := range []struct{ in, want, err string }{
		{"mcp__github", "mcp__github", ""},
		{"mcp__github__*", "mcp__github", ""},
		{"mcp__github__create_issue", "mcp__github__create_issue", ""},
		{"mcp__", "", "unknown tool"},
		{"mcp__a b", "", "unknown tool"},
		{"mcp__github(x)", "", "only bash takes a command"},
		// A server name never ends in _ (mcp__a_ would reach mcp__a's
		// tools whose names start with _).
		{"mcp__a_", "", "unknown tool"},
		{"mcp__a___x", "mcp__a___x", ""},
	} {
		r, err := ParseRule(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseRule(%q) = %v, %v; want error %q", c.in, r, err, c.err)
			}
			continue
		}
		if err != nil || r.String() != c.want {
			t.Errorf("ParseRule(%q) = %v, %v; want %s", c.in, r, err, c.want)
		}
	}
	p, _ := New(ModeDefault, []Rule{{Tool: "mcp__gh"}}, []Rule{{Tool: "mcp__gh__delete_repo"}})
	if v := p.Check("mcp__gh__list", ""); v.Decision != Allow {
		t.Errorf("server rule: %v", v)
	}
	if v := p.Check("mcp__gh__delete_repo", ""); v.Decision != Deny {
		t.Errorf("deny tool: %v", v)
	}
	// A server rule does not reach a server whose name it prefixes.
	if v := p.Check("mcp__ghx__list", ""); v.Decision != Ask || v.Hint() != "allow it with --allowed-tools 'mcp__ghx__list'" {
		t.Errorf("other server: %v %s", v, v.Hint())
	}
	// mcp__gh___list is gh's tool _list: no server is called gh_.
	if v := p.Check("mcp__gh___list", ""); v.Decision != Allow {
		t.Errorf("tool _list of gh: %v", v)
	}
	// Unknown tools ask, never allow; plan mode offers none.
	plan, _ := New(ModePlan, []Rule{{Tool: "mcp__gh"}}, nil)
	if plan.Offered("mcp__gh__list") || plan.Check("mcp__gh__list", "").Decision != Deny {
		t.Error("plan mode offers an MCP tool")
	}
	// A project rule for a server cannot widen a user's rule for one tool.
	if got := Narrow([]Rule{{Tool: "mcp__gh__list"}}, []Rule{{Tool: "mcp__gh"}}); len(got) != 1 || got[0].Tool != "mcp__gh__list" {
		t.Errorf("Narrow = %v", got)
	}
}
