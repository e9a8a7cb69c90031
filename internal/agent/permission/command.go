package permission

import (
	"fmt"
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
	// Unknown marks a part whose effect the checker does not fully
	// model: arithmetic, a variable name a builtin evaluates (bash runs
	// the $(…) in a quoted array subscript), trap, alias, a script a
	// shell reads from stdin, an option of a wrapper it does not know.
	// No command rule allows it and every bash command deny rule
	// refuses it: it is asked about, or denied when nobody can be asked.
	Unknown bool
	// Why says, for an Unknown part, what was not understood.
	Why string
	// Text is the part as written, for messages.
	Text string
}

// maxCommandLen and maxNesting bound the parser's work on hostile input.
const (
	maxCommandLen = 64 << 10
	maxNesting    = 4
)

// SplitCommand parses cmd as bash and returns every simple command it
// would run, nested ones (in $(…), backticks, subshells, <(…), the
// command of a wrapper such as nice or xargs, and `bash -c '…'`/`eval`
// with fixed text) included. What it does not fully model comes back as
// an Unknown part, never as nothing. An error means cmd cannot be
// analysed (not valid bash): no prefix rule can allow it.
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
	unknown := func(n syntax.Node, why string) {
		parts = append(parts, Part{Unknown: true, Unsafe: true, Why: why, Text: nodeText(cmd, n)})
	}
	syntax.Walk(f, func(n syntax.Node) bool {
		if walkErr != nil {
			return false
		}
		switch n := n.(type) {
		case *syntax.Stmt:
			for _, r := range n.Redirs {
				if why := redirectUnknown(r); why != "" {
					parts = append(parts, Part{Unknown: true, Unsafe: true, Why: why, Text: nodeText(cmd, r)})
				} else if writesFile(r) {
					parts = append(parts, Part{Unsafe: true, Text: nodeText(cmd, r)})
				}
			}
		case *syntax.CallExpr:
			p := callPart(n, nodeText(cmd, n))
			more, err := commandParts(p, depth)
			if err != nil {
				walkErr = err
				return false
			}
			parts = append(parts, more...)
		case *syntax.FuncDecl:
			parts = append(parts, Part{Unsafe: true, Text: nodeText(cmd, n)})
		case *syntax.DeclClause:
			// export/declare/local/readonly set variables (PATH!) that
			// change what later commands run.
			p := Part{Words: []string{n.Variant.Value}, Unsafe: true, Text: nodeText(cmd, n)}
			if why := declUnknown(n); why != "" {
				p.Unknown, p.Why = true, why
			}
			parts = append(parts, p)
		case *syntax.Assign:
			if why := assignUnknown(n); why != "" {
				unknown(n, why)
			}
		case *syntax.ArrayElem:
			if n.Index != nil {
				unknown(n, "an array subscript is evaluated as arithmetic")
			}
		case *syntax.ArithmCmd, *syntax.ArithmExp, *syntax.LetClause, *syntax.CStyleLoop:
			unknown(n, "arithmetic can run commands (a quoted array subscript is evaluated)")
			return false
		case *syntax.ParamExp:
			if why := paramUnknown(n); why != "" {
				unknown(n, why)
			}
		case *syntax.TestClause:
			if why := testUnknown(n); why != "" {
				unknown(n, why)
			}
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
func callPart(c *syntax.CallExpr, text string) Part {
	p := Part{Text: text, Unsafe: len(c.Assigns) > 0}
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

// redirectUnknown is why a redirection is not modelled: a {name}>
// redirection names a variable (its subscript is evaluated), and bash
// expands the target of >& and <& once more when it is not a plain
// descriptor (`>& 'x$(rm f)'` runs rm).
func redirectUnknown(r *syntax.Redirect) string {
	if r.N != nil && strings.HasPrefix(r.N.Value, "{") {
		return "a {name} redirection assigns a variable"
	}
	switch r.Op {
	case syntax.DplOut, syntax.DplIn:
		s, ok := staticWord(r.Word)
		if !ok || (s != "-" && strings.Trim(strings.TrimSuffix(s, "-"), "0123456789") != "") || s == "" {
			return "the target of " + r.Op.String() + " is not a file descriptor"
		}
	}
	return ""
}

// testUnknown: [[ -v NAME ]] and [[ -R NAME ]] evaluate a variable
// name's subscript, and the arithmetic comparisons evaluate both
// operands as arithmetic: either runs the $(…) in a quoted a[…].
func testUnknown(t *syntax.TestClause) string {
	why := ""
	syntax.Walk(t.X, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.UnaryTest:
			if n.Op == syntax.TsVarSet || n.Op == syntax.TsRefVar {
				why = "[[ " + n.Op.String() + " ]] evaluates a variable name's array subscript"
			}
		case *syntax.BinaryTest:
			switch n.Op {
			case syntax.TsEql, syntax.TsNeq, syntax.TsLeq, syntax.TsGeq, syntax.TsLss, syntax.TsGtr:
				why = "[[ " + n.Op.String() + " ]] evaluates its operands as arithmetic"
			}
		}
		return why == ""
	})
	return why
}

// dangerousVar reports whether assigning name makes bash (or a child
// bash) run code the checker never sees.
func dangerousVar(name string) bool {
	switch name {
	case "BASH_ENV", "ENV", "PROMPT_COMMAND", "PS0", "PS1", "PS2", "PS3", "PS4",
		"SHELLOPTS", "BASHOPTS", "BASH_XTRACEFD", "LD_PRELOAD", "LD_AUDIT", "EXECIGNORE", "GLOBIGNORE":
		return true
	}
	return strings.HasPrefix(name, "BASH_FUNC_")
}

func assignUnknown(a *syntax.Assign) string {
	if a.Index != nil {
		return "an array subscript is evaluated as arithmetic"
	}
	if a.Name != nil && dangerousVar(a.Name.Value) {
		return "assigning " + a.Name.Value + " makes bash run code"
	}
	return ""
}

// declUnknown: declare -i makes every later assignment arithmetic, -n
// makes a name a reference (its subscript is evaluated when used), and
// a subscript or computed name is evaluated now.
func declUnknown(d *syntax.DeclClause) string {
	for _, a := range d.Args {
		if !a.Naked {
			continue
		}
		if a.Name == nil {
			s, ok := staticWord(a.Value)
			if !ok {
				return d.Variant.Value + " with a name computed at run time"
			}
			if (strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+")) && strings.ContainsAny(s, "inlu") {
				return d.Variant.Value + " " + s + " changes how later assignments are evaluated"
			}
			if strings.ContainsAny(s, "[]") {
				return d.Variant.Value + " of an array subscript evaluates it"
			}
		}
	}
	return ""
}

// paramUnknown: ${!x} expands the variable x names (its subscript is
// evaluated), and a subscript or ${x:off:len} is arithmetic.
func paramUnknown(p *syntax.ParamExp) string {
	if p.Excl {
		return "${!…} evaluates a variable name"
	}
	if p.Slice != nil {
		return "${…:offset} is arithmetic"
	}
	if p.Index != nil {
		if w, ok := p.Index.(*syntax.Word); ok {
			if s, ok := staticWord(w); ok && (s == "@" || s == "*") {
				return ""
			}
		}
		return "an array subscript is evaluated as arithmetic"
	}
	return ""
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
	bracket := false // an unquoted [ that a later ] would make a glob
	for i, part := range w.Parts {
		switch x := part.(type) {
		case *syntax.Lit:
			v := x.Value
			// Unquoted: pathname, brace and tilde expansion would
			// change it. A lone [ (the test command) is literal.
			if strings.ContainsAny(v, "*?{") || (i == 0 && strings.HasPrefix(v, "~")) {
				return "", false
			}
			if bracket && strings.Contains(v, "]") {
				return "", false
			}
			if k := strings.IndexByte(v, '['); k >= 0 {
				if strings.Contains(v[k:], "]") {
					return "", false
				}
				bracket = true
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

// nodeText is n as written in src.
func nodeText(src string, n syntax.Node) string {
	from, to := int(n.Pos().Offset()), int(n.End().Offset())
	if from < 0 || from > to || to > len(src) {
		return printNode(n)
	}
	return src[from:to]
}

func printNode(n syntax.Node) string {
	var b strings.Builder
	if err := syntax.NewPrinter(syntax.SingleLine(true)).Print(&b, n); err != nil {
		return "?"
	}
	return strings.TrimSpace(b.String())
}
