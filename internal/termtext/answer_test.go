package termtext

import (
	"bytes"
	"testing"
)

// Issue 22 §5: colour passes; clipboard writes, screen clears, title
// changes, cursor moves and other controls do not, however the stream is cut.
func TestKeepSGR(t *testing.T) {
	in := "a \x1b[1;31mred\x1b[0m \x1b]52;c;cm0gLXJmIH4=\x07b\x1b[2J\x1b[H\x1b]0;pwned\x1b\\c\rd\x9b2J\u009b2Je\u202eq\nok\tgo 👩‍💻 \x1b[?1049h"
	want := "a \x1b[1;31mred\x1b[0m bc\ufffdde\ufffdq\nok\tgo 👩‍💻 "
	if got := KeepSGR(in); got != want {
		t.Errorf("KeepSGR\n got %q\nwant %q", got, want)
	}
	for cut := 1; cut <= len(in); cut++ {
		var b bytes.Buffer
		w := NewSGRWriter(&b)
		for i := 0; i < len(in); i += cut {
			w.Write([]byte(in[i:min(i+cut, len(in))]))
		}
		w.Flush()
		if b.String() != want {
			t.Fatalf("cut every %d bytes:\n got %q\nwant %q", cut, b.String(), want)
		}
	}
}
