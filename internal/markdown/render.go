package markdown

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// More ANSI styles for Render.
const (
	italic    = "\x1b[3m"
	underline = "\x1b[4m"
)

// Render renders a whole (possibly partial, still streaming) Markdown
// text for a terminal width columns wide: paragraphs, list items and
// quotes are word-wrapped with hanging indents, headings bold, fenced code
// kept verbatim in a plain dim style (no highlighter: it would cost start-up
// time for every command). An unterminated fence renders as code, so a
// streaming answer looks the same before and after the fence closes.
// width <= 0 means no wrapping. Render builds nothing at init and keeps no
// state, so the caller can re-render on every delta and on resize.
func Render(src string, width int) string {
	var out []string
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	inCode := false
	var para []string // the lines of the paragraph being collected
	flush := func() {
		if len(para) > 0 {
			out = append(out, wrap(inlineStyles(strings.Join(para, " "), ""), width, "", "")...)
			para = para[:0]
		}
	}
	for _, l := range lines {
		trim := strings.TrimSpace(l)
		if strings.HasPrefix(trim, "```") || strings.HasPrefix(trim, "~~~") {
			flush()
			inCode = !inCode
			if lang := strings.TrimLeft(trim, "`~"); inCode && lang != "" {
				out = append(out, dim+"  "+lang+reset)
			}
			continue
		}
		if inCode {
			out = append(out, dim+"  "+strings.ReplaceAll(l, "\t", "    ")+reset)
			continue
		}
		if trim == "" {
			flush()
			out = append(out, "")
			continue
		}
		if level, text, ok := headingOf(trim); ok {
			flush()
			style := bold
			if level == 1 {
				style = bold + underline
			}
			out = append(out, wrap(style+inlineStyles(text, style)+reset, width, "", "")...)
			continue
		}
		if isRule(trim) {
			flush()
			out = append(out, dim+strings.Repeat("─", max(3, min(width, 40)))+reset)
			continue
		}
		indent := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
		pad := strings.Repeat(" ", min(len(strings.ReplaceAll(indent, "\t", "    ")), 12))
		if marker, text, ok := listItemOf(trim); ok {
			flush()
			first := pad + marker + " "
			out = append(out, wrap(inlineStyles(text, ""), width, first, strings.Repeat(" ", ansi.StringWidth(first)))...)
			continue
		}
		if strings.HasPrefix(trim, ">") {
			flush()
			text := strings.TrimSpace(strings.TrimPrefix(trim, ">"))
			out = append(out, wrap(italic+inlineStyles(text, italic)+reset, width, dim+"│ "+reset, dim+"│ "+reset)...)
			continue
		}
		if len(para) == 0 && pad != "" {
			// An indented continuation of a list item.
			out = append(out, wrap(inlineStyles(trim, ""), width, pad+"  ", pad+"  ")...)
			continue
		}
		para = append(para, trim)
	}
	flush()
	// No trailing blank lines: the caller spaces entries itself.
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return strings.Join(out, "\n")
}

// wrap word-wraps styled text to width, the first line after first and
// the others after rest.
func wrap(s string, width int, first, rest string) []string {
	w := width - ansi.StringWidth(first)
	if width <= 0 || w < 10 {
		return []string{first + s}
	}
	lines := strings.Split(ansi.Wrap(s, w, ""), "\n")
	for i := range lines {
		if i == 0 {
			lines[i] = first + lines[i]
		} else {
			lines[i] = rest + lines[i]
		}
	}
	return lines
}

func headingOf(s string) (level int, text string, ok bool) {
	for level < len(s) && s[level] == '#' {
		level++
	}
	if level == 0 || level > 6 || level >= len(s) || (s[level] != ' ' && s[level] != '\t') {
		return 0, "", false
	}
	return level, strings.TrimSpace(strings.TrimRight(s[level:], "#")), true
}

func isRule(s string) bool {
	if len(s) < 3 {
		return false
	}
	c := s[0]
	if c != '-' && c != '*' && c != '_' {
		return false
	}
	return strings.Trim(strings.ReplaceAll(s, " ", ""), string(c)) == ""
}

// listItemOf recognises "- x", "* x", "+ x" (rendered "•") and "1. x".
func listItemOf(s string) (marker, text string, ok bool) {
	if len(s) >= 2 && (s[0] == '-' || s[0] == '*' || s[0] == '+') && s[1] == ' ' {
		text = strings.TrimSpace(s[2:])
		if t, ok := strings.CutPrefix(text, "[ ] "); ok {
			return "☐", t, true
		}
		if t, ok := strings.CutPrefix(text, "[x] "); ok {
			return "☑", t, true
		}
		return "•", text, true
	}
	i := 0
	for i < len(s) && i < 9 && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i > 0 && i+1 < len(s) && (s[i] == '.' || s[i] == ')') && s[i+1] == ' ' {
		return s[:i+1], strings.TrimSpace(s[i+2:]), true
	}
	return "", "", false
}

// inlineStyles renders `code`, **bold**, __bold__, *italic*, _italic_ and
// [text](url) links with a small scanner (no regexps: nothing to build at
// init). outer is the style to return to after a span. Unclosed markers
// stay literal, so a half-streamed "**bo" shows as typed.
func inlineStyles(s, outer string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '`':
			if j := strings.IndexByte(s[i+1:], '`'); j >= 0 {
				b.WriteString(cyan + s[i+1:i+1+j] + reset + outer)
				i += j + 2
				continue
			}
		case (c == '*' || c == '_') && i+1 < len(s) && s[i+1] == c:
			delim := s[i : i+2]
			if j := strings.Index(s[i+2:], delim); j > 0 {
				b.WriteString(bold + inlineStyles(s[i+2:i+2+j], outer+bold) + reset + outer)
				i += j + 4
				continue
			}
		case c == '*' || (c == '_' && (i == 0 || s[i-1] == ' ')):
			if j := strings.IndexByte(s[i+1:], c); j > 0 && s[i+1] != ' ' && (c == '*' || i+2+j >= len(s) || !isWordByte(s[i+2+j])) {
				b.WriteString(italic + s[i+1:i+1+j] + reset + outer)
				i += j + 2
				continue
			}
		case c == '[':
			if text, url, n, ok := linkAt(s[i:]); ok {
				b.WriteString(underline + text + reset + outer + dim + " (" + url + ")" + reset + outer)
				i += n
				continue
			}
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// linkAt parses "[text](url)" at the start of s.
func linkAt(s string) (text, url string, n int, ok bool) {
	close := strings.Index(s, "](")
	if close < 1 || strings.ContainsRune(s[1:close], '[') {
		return "", "", 0, false
	}
	end := strings.IndexByte(s[close+2:], ')')
	if end < 0 {
		return "", "", 0, false
	}
	return s[1:close], s[close+2 : close+2+end], close + 3 + end, true
}
