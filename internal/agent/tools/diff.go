package tools

import (
	"fmt"
	"path/filepath"
	"strings"
)

// maxDiffCells bounds the line-matching work of a diff; beyond it the
// changed middle is shown as removed and added whole.
const maxDiffCells = 4 << 20

// diffContext is the number of unchanged lines around a change.
const diffContext = 3

type diffLine struct {
	op   byte // ' ', '-', '+'
	text string
}

// UnifiedDiff is a unified diff of old → new for the approval prompt.
func UnifiedDiff(rel, old, new string, exists bool) string {
	if old == new {
		return ""
	}
	from := "a/" + filepath.ToSlash(rel)
	if !exists {
		from = "/dev/null"
	}
	ops := diffLines(splitLines(old), splitLines(new))
	var b strings.Builder
	fmt.Fprintf(&b, "--- %s\n+++ b/%s\n", from, filepath.ToSlash(rel))
	// Group the operations into hunks with diffContext lines around.
	for i := 0; i < len(ops); {
		if ops[i].op == ' ' {
			i++
			continue
		}
		start := max(0, i-diffContext)
		end := i
		for end < len(ops) {
			if ops[end].op != ' ' {
				end++
				continue
			}
			// How many unchanged lines follow?
			j := end
			for j < len(ops) && ops[j].op == ' ' {
				j++
			}
			if j == len(ops) || j-end > 2*diffContext {
				end = min(j, end+diffContext)
				break
			}
			end = j
		}
		oldStart, newStart := lineNumbers(ops, start)
		var oldN, newN int
		for _, o := range ops[start:end] {
			if o.op != '+' {
				oldN++
			}
			if o.op != '-' {
				newN++
			}
		}
		fmt.Fprintf(&b, "@@ -%d,%d +%d,%d @@\n", oldStart, oldN, newStart, newN)
		for _, o := range ops[start:end] {
			b.WriteByte(o.op)
			b.WriteString(o.text)
			if !strings.HasSuffix(o.text, "\n") {
				b.WriteString("\n\\ No newline at end of file\n")
			}
		}
		i = end
	}
	return b.String()
}

// lineNumbers are the 1-based old and new line numbers at ops[i].
func lineNumbers(ops []diffLine, i int) (int, int) {
	o, n := 1, 1
	for _, op := range ops[:i] {
		if op.op != '+' {
			o++
		}
		if op.op != '-' {
			n++
		}
	}
	return o, n
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// diffLines matches the common head and tail, then the middle by longest
// common subsequence (edits are usually local, so the middle is small).
func diffLines(a, b []string) []diffLine {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var out []diffLine
	for _, l := range a[:pre] {
		out = append(out, diffLine{' ', l})
	}
	out = append(out, lcsDiff(a[pre:len(a)-suf], b[pre:len(b)-suf])...)
	for _, l := range a[len(a)-suf:] {
		out = append(out, diffLine{' ', l})
	}
	return out
}

func lcsDiff(a, b []string) []diffLine {
	var out []diffLine
	if len(a)*len(b) > maxDiffCells {
		for _, l := range a {
			out = append(out, diffLine{'-', l})
		}
		for _, l := range b {
			out = append(out, diffLine{'+', l})
		}
		return out
	}
	// t[i][j] = LCS length of a[i:], b[j:].
	t := make([][]int32, len(a)+1)
	for i := range t {
		t[i] = make([]int32, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				t[i][j] = t[i+1][j+1] + 1
			} else {
				t[i][j] = max(t[i+1][j], t[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			out = append(out, diffLine{' ', a[i]})
			i++
			j++
		case t[i+1][j] >= t[i][j+1]:
			out = append(out, diffLine{'-', a[i]})
			i++
		default:
			out = append(out, diffLine{'+', b[j]})
			j++
		}
	}
	for ; i < len(a); i++ {
		out = append(out, diffLine{'-', a[i]})
	}
	for ; j < len(b); j++ {
		out = append(out, diffLine{'+', b[j]})
	}
	return out
}

// diffStat is "+A -R lines" for a change.
func diffStat(old, new string) string {
	var add, del int
	for _, o := range diffLines(splitLines(old), splitLines(new)) {
		switch o.op {
		case '+':
			add++
		case '-':
			del++
		}
	}
	return fmt.Sprintf("+%d -%d lines", add, del)
}
