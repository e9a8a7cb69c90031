package markdown

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
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

func TestRenderWhole(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in    string
		width int
		want  string
	}{
		{"# Title", 80, bold + underline + "Title" + reset},
		{"a **b** c *d* `e`", 80, "a " + bold + "b" + reset + " c " + italic + "d" + reset + " " + cyan + "e" + reset},
		{"one two three four five six", 14, "one two three\nfour five six"},
		{"- alpha beta gamma delta", 16, "• alpha beta\n  gamma delta"},
		{"1. first", 80, "1. first"},
		{"```go\nx := 1\n```\nafter", 80, dim + "  go" + reset + "\n" + dim + "  x := 1" + reset + "\nafter"},
		// A fence still streaming renders as code already.
		{"```\nlong line that is not wrapped at all", 10, dim + "  long line that is not wrapped at all" + reset},
		// Half-streamed markers stay literal.
		{"a **bo", 80, "a **bo"},
		{"see [docs](https://x.dev)", 80, "see " + underline + "docs" + reset + dim + " (https://x.dev)" + reset},
		{"snake_case_name stays", 80, "snake_case_name stays"},
		{"para one\ncontinues\n\npara two\n\n", 80, "para one continues\n\npara two"},
	}
	for _, c := range cases {
		if got := Render(c.in, c.width); got != c.want {
			t.Errorf("Render(%q, %d) =\n%q\nwant\n%q", c.in, c.width, got, c.want)
		}
	}
}

// A long word is cut at the width rather than overflowing it.
func TestRenderNeverExceedsWidth(t *testing.T) {
	t.Parallel()
	in := "short words then averyveryveryverylongwordwithoutspaces and more\n- a list item that wraps around\n> a quote that wraps as well"
	for _, w := range []int{12, 20, 33} {
		for _, l := range strings.Split(Render(in, w), "\n") {
			if got := ansi.StringWidth(l); got > w {
				t.Errorf("width %d: line %q is %d wide", w, l, got)
			}
		}
	}
}

func BenchmarkRender(b *testing.B) {
	src := strings.Repeat("## Heading\n\nSome **bold** text with `code` and a [link](https://example.com) that goes on for a while.\n\n- item one\n- item two\n\n```go\nfunc main() {}\n```\n", 20)
	for b.Loop() {
		Render(src, 100)
	}
}
