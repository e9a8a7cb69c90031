// Package markdown renders the small subset of Markdown that chat answers
// use for a terminal: headings bold, **bold**, `inline code`, fenced code
// blocks dimmed and indented, bullets as •. It streams: text is written as
// it arrives and each line is rendered once it is complete.
package markdown

import (
	"bytes"
	"io"
	"regexp"
	"strings"
	"sync"
)

// ANSI styles.
const (
	bold  = "\x1b[1m"
	dim   = "\x1b[2m"
	cyan  = "\x1b[36m"
	reset = "\x1b[0m"
)

// Writer renders Markdown written to it onto W, line by line. Call Flush
// at the end of an answer to render a last line without a newline.
type Writer struct {
	W      io.Writer
	buf    []byte
	inCode bool
}

// NewWriter returns a renderer writing to w.
func NewWriter(w io.Writer) *Writer { return &Writer{W: w} }

// Write buffers p and renders every complete line.
func (m *Writer) Write(p []byte) (int, error) {
	m.buf = append(m.buf, p...)
	for {
		i := bytes.IndexByte(m.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(m.buf[:i])
		m.buf = m.buf[i+1:]
		if _, err := io.WriteString(m.W, m.line(line)+"\n"); err != nil {
			return len(p), err
		}
	}
}

// Flush renders what is buffered and resets the code-block state for the
// next answer.
func (m *Writer) Flush() error {
	var err error
	if len(m.buf) > 0 {
		_, err = io.WriteString(m.W, m.line(string(m.buf)))
		m.buf = m.buf[:0]
	}
	m.inCode = false
	return err
}

// The line renderer's patterns, compiled on first use: start-up is paid
// by every command, and most never render Markdown.
var patterns = sync.OnceValue(func() (p struct{ heading, bullet, strong, code *regexp.Regexp }) {
	p.heading = regexp.MustCompile(`^#{1,6}\s+(.*)$`)
	p.bullet = regexp.MustCompile(`^(\s*)[-*+]\s+(.*)$`)
	p.strong = regexp.MustCompile(`\*\*([^*]+)\*\*|__([^_]+)__`)
	p.code = regexp.MustCompile("`([^`]+)`")
	return p
})

// line renders one line.
func (m *Writer) line(s string) string {
	heading, bullet := patterns().heading, patterns().bullet
	if strings.HasPrefix(strings.TrimSpace(s), "```") {
		m.inCode = !m.inCode
		return dim + "  " + strings.TrimSpace(s) + reset
	}
	if m.inCode {
		return dim + "    " + s + reset
	}
	if g := heading.FindStringSubmatch(s); g != nil {
		return bold + inline(g[1], bold) + reset
	}
	if g := bullet.FindStringSubmatch(s); g != nil {
		return g[1] + "  • " + inline(g[2], "")
	}
	return inline(s, "")
}

// inline renders code spans and bold text; outer is the style to return
// to after a span (bold inside a heading).
func inline(s, outer string) string {
	strong, code := patterns().strong, patterns().code
	// Code first, so ** inside a code span stays literal.
	parts := code.Split(s, -1)
	spans := code.FindAllStringSubmatch(s, -1)
	var b strings.Builder
	for i, p := range parts {
		b.WriteString(strong.ReplaceAllStringFunc(p, func(x string) string {
			g := strong.FindStringSubmatch(x)
			return bold + g[1] + g[2] + reset + outer
		}))
		if i < len(spans) {
			b.WriteString(cyan + spans[i][1] + reset + outer)
		}
	}
	return b.String()
}
