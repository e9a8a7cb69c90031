package termtext

import "testing"

func TestClean(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"ci-runner":                     "ci-runner",
		"héllo wörld":                   "héllo wörld",
		"evil\x1b[2J\x1b[31mred":        "evilred",
		"title\x1b]0;pwned\x07x":        "titlex",
		"osc\x1b]8;;http://x\x1b\\link": "osclink",
		"two\nlines\r\tx":               "two lines  x",
		"bell\x07nul\x00":               "bell\uFFFDnul\uFFFD",
		"bidi\u202Egnp.exe":             "bidi\uFFFDgnp.exe",
		"c1\u009b31mred":                "c1red",
		"bad\xffutf8":                   "bad\uFFFDutf8",
		"trailing esc\x1b":              "trailing esc",
	}
	for in, want := range cases {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}

// OneLine collapses white space (newlines too) and cuts to n runes, the
// last an ellipsis; the one helper behind tool titles, ACP titles, MCP
// errors and the agent's summaries.
func TestOneLine(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"  go   test\n\t./...  ", 80, "go test ./..."},
		{"abcdef", 6, "abcdef"},
		{"abcdefg", 6, "abcde…"},
		{"héllo wörld", 5, "héll…"},
		{"", 5, ""},
	} {
		if got := OneLine(c.in, c.n); got != c.want {
			t.Errorf("OneLine(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}
