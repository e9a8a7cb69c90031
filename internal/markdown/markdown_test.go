package markdown

import (
	"strings"
	"testing"
)

func render(chunks ...string) string {
	var out strings.Builder
	w := NewWriter(&out)
	for _, c := range chunks {
		w.Write([]byte(c))
	}
	w.Flush()
	return out.String()
}

func TestRender(t *testing.T) {
	cases := []struct{ in, want string }{
		{"# Title\n", bold + "Title" + reset + "\n"},
		{"a **b** c", "a " + bold + "b" + reset + " c"},
		{"use `x **y**` now", "use " + cyan + "x **y**" + reset + " now"},
		{"- one\n  * two\n", "  • one\n    • two\n"},
		{"```go\nfmt.Println()\n```\nafter", dim + "  ```go" + reset + "\n" + dim + "    fmt.Println()" + reset + "\n" + dim + "  ```" + reset + "\nafter"},
		{"plain text", "plain text"},
	}
	for _, c := range cases {
		if got := render(c.in); got != c.want {
			t.Errorf("render(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestRenderStreamsByLine(t *testing.T) {
	// A line split across writes renders as if written at once.
	if got, want := render("he", "llo **wo", "rld**\nnext"), "hello "+bold+"world"+reset+"\nnext"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	var out strings.Builder
	w := NewWriter(&out)
	w.Write([]byte("partial"))
	if out.Len() != 0 {
		t.Error("an incomplete line was rendered before Flush")
	}
}

func TestFlushResetsCodeState(t *testing.T) {
	var out strings.Builder
	w := NewWriter(&out)
	w.Write([]byte("```\nunclosed"))
	w.Flush()
	out.Reset()
	w.Write([]byte("# next\n"))
	if !strings.HasPrefix(out.String(), bold) {
		t.Errorf("after Flush the next answer still renders as code: %q", out.String())
	}
}
