package permission

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Part is one simple command a shell command line would run.
type Part struct {
	// Words are the command's words as bash would see them when they
	// are fixed text; a word computed at run time (expansions, globs,
	// command substitution) is "" and makes the part Dynamic from there.
	Words []string
	// Dynamic is set when some word is computed at run time: the words
	// before it are still known.
	Dynamic bool
	// Unsafe marks what no command-prefix rule can vouch for: writing a
	// file by redirection, defining a function, or an environment
	// assignment. Only a whole-tool "bash" rule (or asking) allows it.
	Unsafe bool
	// Text is the part as written, for messages.
	Text string
}

// maxCommandLen and maxNesting bound the parser's work on hostile input.
const (
	maxCommandLen = 64 << 10
	maxNesting    = 4
)

// SplitCommand parses cmd as bash and returns every simple command it
// would run, nested ones (in $(…), backticks, subshells, <(…), and
// `bash -c '…'`/`eval` with fixed text) included. An error means cmd
// cannot be analysed (not valid bash): no prefix rule can allow it.
func SplitCommand(cmd string) ([]Part, error) {
	return splitCommand(cmd, 0)
}

func splitCommand(cmd string, depth int) ([]Part, error) {
	if len(cmd) > maxCommandLen {
		return nil, fmt.Errorf("command longer than %d bytes", maxCommandLen)
	}
	if depth > maxNesting {
		return nil, fmt.Errorf("commands nested more than %d deep", maxNesting)
	}
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(cmd), "")
	if err != nil {
		return nil, fmt.Errorf("not a valid bash command: %v", err)
	}
	var parts []Part
	var walkErr error
	syntax.Walk(f, func(n syntax.Node) bool {
		if walkErr != nil {
			return false
		}
		switch n := n.(type) {
		case *syntax.Stmt:
			for _, r := range n.Redirs {
				if writesFile(r) {
					parts = append(parts, Part{Unsafe: true, Text: printNode(r)})
				}
			}
		case *syntax.CallExpr:
			p := callPart(n)
			parts = append(parts, p)
			nested, err := nestedShell(p, depth)
			if err != nil {
				walkErr = err
				return false
			}
			parts = append(parts, nested...)
		case *syntax.FuncDecl:
			parts = append(parts, Part{Unsafe: true, Text: printNode(n)})
		case *syntax.DeclClause:
			// export/declare/local/readonly set variables (PATH!) that
			// change what later commands run.
			parts = append(parts, Part{Words: []string{n.Variant.Value}, Unsafe: true, Text: printNode(n)})
		}
		return true
	})
	if walkErr != nil {
		return nil, walkErr
	}
	return parts, nil
}

// callPart is one simple command. An assignment (FOO=x cmd, or PATH=…
// alone) changes what runs, so it makes the part Unsafe.
func callPart(c *syntax.CallExpr) Part {
	p := Part{Text: printNode(c), Unsafe: len(c.Assigns) > 0}
	for _, w := range c.Args {
		s, ok := staticWord(w)
		if !ok {
			p.Dynamic = true
			s = ""
		}
		p.Words = append(p.Words, s)
	}
	return p
}

// nestedShell returns the parts of the script a part hands to another
// shell with fixed text: bash -c '…', sh -c '…', eval '…', and the
// command of find -exec. A script computed at run time (eval "$X",
// sh -c "$(cat f)") is one part whose command is unknown: it cannot be
// shown not to match a deny rule, and no prefix rule vouches for it.
func nestedShell(p Part, depth int) ([]Part, error) {
	w := stripWrappers(p.Words)
	if len(w) < 2 {
		return nil, nil
	}
	var script []string
	switch filepath.Base(w[0]) {
	case "eval":
		script = w[1:]
	case "bash", "sh", "zsh", "dash", "ksh":
		for i := 1; i < len(w)-1; i++ {
			if strings.HasPrefix(w[i], "-") && strings.Contains(w[i], "c") && !strings.HasPrefix(w[i], "--") {
				script = w[i+1 : i+2]
				break
			}
		}
	case "find":
		return findExec(p, w)
	}
	if len(script) == 0 {
		return nil, nil
	}
	for _, s := range script {
		if s == "" {
			return []Part{{Words: []string{""}, Dynamic: true, Unsafe: true, Text: p.Text}}, nil
		}
	}
	return splitCommand(strings.Join(script, " "), depth+1)
}

// findExec returns the commands find runs for each file (-exec, -execdir,
// -ok, -okdir … ; or +), so a deny rule for rm also catches
// `find . -exec rm {} \;`.
func findExec(p Part, w []string) ([]Part, error) {
	var out []Part
	for i := 1; i < len(w); i++ {
		switch w[i] {
		case "-exec", "-execdir", "-ok", "-okdir":
		default:
			continue
		}
		end := i + 1
		for end < len(w) && w[end] != ";" && w[end] != "+" {
			end++
		}
		if end > i+1 {
			words := w[i+1 : end]
			out = append(out, Part{Words: words, Dynamic: slices.Contains(words, ""), Text: p.Text})
		}
		i = end
	}
	return out, nil
}

// writesFile reports whether a redirection writes to a file other than
// /dev/null (reading and duplicating descriptors are harmless).
func writesFile(r *syntax.Redirect) bool {
	switch r.Op {
	case syntax.RdrOut, syntax.AppOut, syntax.RdrInOut, syntax.RdrClob, syntax.AppClob,
		syntax.RdrAll, syntax.RdrAllClob, syntax.AppAll, syntax.AppAllClob:
		s, ok := staticWord(r.Word)
		return !ok || s != "/dev/null"
	case syntax.DplOut:
		// >&2 duplicates; >&file writes a file.
		s, ok := staticWord(r.Word)
		return !ok || strings.Trim(s, "0123456789-") != ""
	}
	return false
}

// staticWord is w's value when bash would not expand anything in it.
func staticWord(w *syntax.Word) (string, bool) {
	if w == nil {
		return "", false
	}
	var b strings.Builder
	for i, part := range w.Parts {
		switch x := part.(type) {
		case *syntax.Lit:
			v := x.Value
			// Unquoted: pathname, brace and tilde expansion would
			// change it.
			if strings.ContainsAny(v, "*?[{") || (i == 0 && strings.HasPrefix(v, "~")) {
				return "", false
			}
			b.WriteString(unescape(v))
		case *syntax.SglQuoted:
			if x.Dollar {
				return "", false // $'…' has its own escapes
			}
			b.WriteString(x.Value)
		case *syntax.DblQuoted:
			if x.Dollar {
				return "", false
			}
			for _, q := range x.Parts {
				l, ok := q.(*syntax.Lit)
				if !ok {
					return "", false
				}
				b.WriteString(unescapeDouble(l.Value))
			}
		default:
			return "", false
		}
	}
	return b.String(), true
}

// unescape removes the backslashes of unquoted text (\r → r; a
// backslash-newline joins lines).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			if s[i] == '\n' {
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// unescapeDouble removes the backslashes bash removes inside "…".
func unescapeDouble(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("$`\"\\\n", s[i+1]) >= 0 {
			i++
			if s[i] == '\n' {
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func printNode(n syntax.Node) string {
	var b strings.Builder
	if err := syntax.NewPrinter(syntax.SingleLine(true)).Print(&b, n); err != nil {
		return "?"
	}
	return strings.TrimSpace(b.String())
}

// isWrapper reports whether name runs the command that follows its own
// options: a deny rule for rm must also catch `command rm`, `env X=1 rm`,
// `sudo rm`, `xargs rm`.
func isWrapper(name string) bool {
	switch name {
	case "command", "builtin", "exec", "nohup", "time", "nice", "env", "sudo", "doas",
		"timeout", "xargs", "stdbuf", "ionice", "setsid", "chrt", "taskset", "unbuffer", "watch", "busybox":
		return true
	}
	return false
}

// stripWrappers drops leading wrapper commands with their options (and
// env's assignments, timeout's duration, nice's -n value), and reduces
// the command name to its base name (/bin/rm → rm).
func stripWrappers(words []string) []string {
	for len(words) > 0 {
		name := filepath.Base(words[0])
		if !isWrapper(name) {
			break
		}
		words = words[1:]
		for len(words) > 0 {
			w := words[0]
			switch {
			case strings.HasPrefix(w, "-"):
				words = words[1:]
				// Options that take a separate value.
				if (w == "-n" || w == "-u" || w == "-g" || w == "-s" || w == "-k" || w == "-I" || w == "-c" || w == "-p" || w == "-a") && len(words) > 0 {
					words = words[1:]
				}
				continue
			case name == "env" && strings.Contains(w, "="):
				words = words[1:]
				continue
			case (name == "timeout" || name == "chrt") && w != "" && strings.Trim(w, "0123456789.smhd") == "":
				words = words[1:]
				continue
			}
			break
		}
	}
	if len(words) > 0 && words[0] != "" {
		words = append([]string{filepath.Base(words[0])}, words[1:]...)
	}
	return words
}
