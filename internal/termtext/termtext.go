// Package termtext makes user-supplied and outside text safe to show on a
// terminal: a label, a command line, a file name or a server message must
// not be able to move the cursor, recolour, retitle the terminal or hide
// text (ANSI/OSC escape sequences, other control characters, bidi
// overrides). Every such string hermes prints goes through Clean.
package termtext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Clean returns s on one line with escape sequences removed and every
// other control character (C0, DEL, C1, Unicode bidi and format controls)
// replaced: tabs and newlines by a space, the rest by U+FFFD, so a
// reader sees that something was there. Ordinary text is returned as is.
func Clean(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == 0x1b: // ESC: drop the whole sequence
			i += escapeLen(s[i:])
			continue
		case r == 0x9b: // C1 CSI
			i += size + csiLen(s[i+size:])
			continue
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case unsafeRune(r):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c >= 0x80 {
			if c >= 0x80 {
				return isPlainUnicode(s[i:])
			}
			return false
		}
	}
	return true
}

func isPlainUnicode(s string) bool {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return false
			}
		}
		if r < 0x20 || r == 0x7f || unsafeRune(r) {
			return false
		}
	}
	return true
}

// unsafeRune: controls and invisible format characters (bidi overrides and
// isolates, zero-width ones) that can make a terminal show something other
// than what the string holds.
func unsafeRune(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || unicode.Is(unicode.Cf, r)
}

// escapeLen is the length of the escape sequence at the start of s (which
// starts with ESC): CSI "ESC [ … final", OSC/DCS/APC/PM/SOS "ESC ] … BEL or
// ESC \", or a two-byte escape.
func escapeLen(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case '[':
		return 2 + csiLen(s[2:])
	case ']', 'P', '_', '^', 'X':
		for i := 2; i < len(s); i++ {
			if s[i] == 0x07 {
				return i + 1
			}
			if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
		}
		return len(s)
	}
	return 2
}

// csiLen is the length of a CSI sequence's parameters and final byte.
func csiLen(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x40 && s[i] <= 0x7e {
			return i + 1
		}
		if s[i] < 0x20 || s[i] > 0x7e {
			return i
		}
	}
	return len(s)
}

// OneLine is s with each run of white space (newlines too) as one space,
// cut to n runes, the last of them an ellipsis: a title, a command or a
// pattern shown on one line.
func OneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return s
}
