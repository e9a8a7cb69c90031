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
