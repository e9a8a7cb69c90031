package termtext

import (
	"io"
	"strings"
	"unicode/utf8"
)

// KeepSGR returns multi-line text (a model's answer, a tool line, an
// error) fit for a terminal: colour and style (SGR, "ESC [ … m") pass,
// every other escape sequence is removed (OSC 52 clipboard writes, screen
// clears, cursor moves, title changes, hyperlinks), and other control
// characters but newline and tab (C0, DEL, C1, bidi overrides) become
// U+FFFD, so a reader sees something was there.
func KeepSGR(s string) string {
	out, rest := keepSGR(nil, s, true)
	return string(out) + rest
}

// keepSGR appends the cleaned s to out. Unless final, an escape sequence
// or UTF-8 rune cut off by the end of s is returned as rest, to be
// completed by the next write.
func keepSGR(out []byte, s string, final bool) ([]byte, string) {
	for i := 0; i < len(s); {
		if !final && !utf8.FullRuneInString(s[i:]) {
			return out, s[i:]
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == 0x1b || r == 0x9b || s[i] == 0x9b:
			c1 := 0 // the C1 CSI, as a rune or a raw byte: its length
			if r != 0x1b {
				c1 = size
			}
			n, complete := escapeEnd(s[i:], c1)
			if !complete && !final && len(s)-i < maxPendingEscape {
				return out, s[i:]
			}
			if complete && isSGR(s[i:i+n]) {
				out = append(out, s[i:i+n]...)
			}
			i += n
			continue
		case r == '\n' || r == '\t':
			out = append(out, byte(r))
		case r == utf8.RuneError && size == 1, r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f, isBidiControl(r):
			out = utf8.AppendRune(out, utf8.RuneError)
		default:
			out = append(out, s[i:i+size]...)
		}
		i += size
	}
	return out, ""
}

// maxPendingEscape bounds an unfinished escape sequence held across
// writes: past it, the sequence is dropped as it stands.
const maxPendingEscape = 4096

// escapeEnd is the length of the escape sequence at the start of s (ESC,
// or, when c1 > 0, the C1 CSI encoded in c1 bytes) and whether it is
// complete.
func escapeEnd(s string, c1 int) (int, bool) {
	start := c1 // C1 CSI: its parameters follow
	if c1 == 0 {
		if len(s) < 2 {
			return len(s), false
		}
		switch s[1] {
		case '[':
			start = 2
		case ']', 'P', '_', '^', 'X':
			for i := 2; i < len(s); i++ {
				if s[i] == 0x07 {
					return i + 1, true
				}
				if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '\\' {
					return i + 2, true
				}
			}
			return len(s), false
		default:
			return 2, true
		}
	}
	// csiLen stops after a final byte or at a byte no CSI holds (a
	// malformed one, dropped as far as it went); running out is unfinished.
	n := csiLen(s[start:])
	end := start + n
	return end, end < len(s) || (n > 0 && s[end-1] >= 0x40 && s[end-1] <= 0x7e)
}

// isSGR: "ESC [" digits and semicolons (and colons) only, then "m".
func isSGR(seq string) bool {
	if !strings.HasPrefix(seq, "\x1b[") || !strings.HasSuffix(seq, "m") {
		return false
	}
	for _, c := range seq[2 : len(seq)-1] {
		if !(c >= '0' && c <= '9' || c == ';' || c == ':') {
			return false
		}
	}
	return true
}

// isBidiControl: embeddings, overrides and isolates, which reorder what a
// terminal shows. Other format characters (the zero-width joiner of emoji
// sequences) are ordinary text in an answer.
func isBidiControl(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f || r == 0x061c
}

// SGRWriter writes KeepSGR of a stream to W: an escape sequence or rune
// split across writes is held until the write that completes it.
type SGRWriter struct {
	W       io.Writer
	pending string
}

// NewSGRWriter returns an SGRWriter on w.
func NewSGRWriter(w io.Writer) *SGRWriter { return &SGRWriter{W: w} }

func (w *SGRWriter) Write(p []byte) (int, error) {
	out, rest := keepSGR(nil, w.pending+string(p), false)
	w.pending = rest
	if len(out) > 0 {
		if _, err := w.W.Write(out); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Flush writes what an unfinished sequence held back, cleaned as final.
func (w *SGRWriter) Flush() error {
	if w.pending == "" {
		return nil
	}
	out, _ := keepSGR(nil, w.pending, true)
	w.pending = ""
	_, err := w.W.Write(out)
	return err
}
