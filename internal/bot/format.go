package bot

import (
	"strings"
	"unicode/utf16"
)

// Markdown dialects the platforms take. The model writes CommonMark-ish
// Markdown; each platform gets what it renders: Telegram's HTML subset
// (parse_mode HTML, which needs only &, < and > escaped, unlike
// MarkdownV2's eighteen characters) and Slack's mrkdwn.
type dialect int

const (
	dialectTelegramHTML dialect = iota
	dialectSlack
)

// convert turns Markdown into the dialect, line by line: fenced code
// blocks, headings, list bullets, then inline code, bold and links.
func convert(md string, d dialect) string {
	var b strings.Builder
	inFence := false
	lines := strings.Split(md, "\n")
	for i, line := range lines {
		trimmed := strings.TrimSpace(line)
		opened := false
		if strings.HasPrefix(trimmed, "```") {
			if d == dialectTelegramHTML {
				if inFence {
					b.WriteString("</pre>")
				} else {
					b.WriteString("<pre>")
					opened = true
				}
			} else {
				b.WriteString("```")
			}
			inFence = !inFence
		} else if inFence {
			b.WriteString(escape(line))
		} else {
			b.WriteString(convertLine(line, d))
		}
		if i < len(lines)-1 && !opened {
			b.WriteByte('\n')
		}
	}
	if inFence && d == dialectTelegramHTML {
		b.WriteString("</pre>") // an answer still streaming
	}
	return b.String()
}

func convertLine(line string, d dialect) string {
	if h := strings.TrimLeft(line, "#"); h != line && strings.HasPrefix(h, " ") && len(line)-len(h) <= 6 {
		return bold(inline(strings.TrimSpace(h), d, false), d)
	}
	indent := line[:len(line)-len(strings.TrimLeft(line, " "))]
	if rest, ok := strings.CutPrefix(line[len(indent):], "- "); ok {
		return indent + "• " + inline(rest, d, true)
	}
	if rest, ok := strings.CutPrefix(line[len(indent):], "* "); ok {
		return indent + "• " + inline(rest, d, true)
	}
	return inline(line, d, true)
}

func bold(s string, d dialect) string {
	if s == "" {
		return s
	}
	if d == dialectTelegramHTML {
		return "<b>" + s + "</b>"
	}
	return "*" + s + "*"
}

// inline converts `code`, **bold** and [text](url) in one line; with
// markup false, only escapes (inside a heading already made bold).
func inline(s string, d dialect, markup bool) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		switch {
		case s[i] == '`':
			if j := strings.IndexByte(s[i+1:], '`'); j >= 0 {
				code := escape(s[i+1 : i+1+j])
				if d == dialectTelegramHTML {
					b.WriteString("<code>" + code + "</code>")
				} else {
					b.WriteString("`" + code + "`")
				}
				i += j + 2
				continue
			}
		case markup && strings.HasPrefix(s[i:], "**"):
			if j := strings.Index(s[i+2:], "**"); j > 0 {
				b.WriteString(bold(inline(s[i+2:i+2+j], d, false), d))
				i += j + 4
				continue
			}
		case s[i] == '[':
			if text, url, n, ok := link(s[i:]); ok {
				if d == dialectTelegramHTML {
					b.WriteString(`<a href="` + strings.ReplaceAll(escape(url), `"`, "&quot;") + `">` + escape(text) + "</a>")
				} else {
					b.WriteString("<" + escape(url) + "|" + escape(text) + ">")
				}
				i += n
				continue
			}
		}
		b.WriteString(escape(s[i : i+1]))
		i++
	}
	return b.String()
}

// link parses "[text](url)" at the start of s, for http(s) URLs only.
func link(s string) (text, url string, n int, ok bool) {
	end := strings.Index(s, "](")
	if end < 0 {
		return "", "", 0, false
	}
	close := strings.IndexByte(s[end+2:], ')')
	if close < 0 {
		return "", "", 0, false
	}
	text, url = s[1:end], s[end+2:end+2+close]
	if strings.ContainsAny(text, "[]") || strings.ContainsAny(url, " <>|") || !(strings.HasPrefix(url, "https://") || strings.HasPrefix(url, "http://")) {
		return "", "", 0, false
	}
	return text, url, end + 3 + close, true
}

// escape is what both dialects need escaped: &, < and >.
func escape(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// textLen is s's length as the platforms count it (UTF-16 code units;
// Telegram's 4096 limit is in those).
func textLen(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// split cuts Markdown into pieces each of whose conversion fits limit:
// at line ends where it can, closing a code block at the cut and opening
// it again in the next piece.
func split(md string, d dialect, limit int) []string {
	if textLen(convert(md, d)) <= limit {
		return []string{md}
	}
	var pieces []string
	var cur []string
	inFence := false
	fits := func(lines []string, fence bool) bool {
		text := strings.Join(lines, "\n")
		if fence {
			text += "\n```"
		}
		return textLen(convert(text, d)) <= limit
	}
	flush := func() {
		text := strings.Join(cur, "\n")
		if inFence {
			text += "\n```"
		}
		pieces = append(pieces, text)
		cur = nil
		if inFence {
			cur = []string{"```"}
		}
	}
	for _, line := range strings.Split(md, "\n") {
		fence := inFence != strings.HasPrefix(strings.TrimSpace(line), "```")
		if fits(append(cur, line), fence) {
			cur = append(cur, line)
			inFence = fence
			continue
		}
		if len(cur) > 0 && !(len(cur) == 1 && cur[0] == "```") {
			flush()
			if fits(append(cur, line), fence) {
				cur = append(cur, line)
				inFence = fence
				continue
			}
		}
		// One line too long on its own: cut it by runes.
		for rest := []rune(line); len(rest) > 0; {
			n := len(rest)
			for n > 1 && !fits(append(cur, string(rest[:n])), inFence) {
				n = n * 9 / 10
			}
			cur = append(cur, string(rest[:n]))
			rest = rest[n:]
			if len(rest) > 0 {
				flush()
			}
		}
	}
	if len(cur) > 0 {
		pieces = append(pieces, strings.Join(cur, "\n"))
	}
	return pieces
}
