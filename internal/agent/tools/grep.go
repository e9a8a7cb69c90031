package tools

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/anthropics/anthropic-sdk-go/v2"
)

// NameGrep is grep's name.
const NameGrep = "grep"

// GrepInput is grep's input.
type GrepInput struct {
	Pattern    string `json:"pattern"`
	Path       string `json:"path"`
	Glob       string `json:"glob"`
	IgnoreCase bool   `json:"ignore_case"`
}

type grep struct{}

// Grep searches file contents with a regular expression.
var Grep Tool = grep{}

func (grep) Name() string { return NameGrep }
func (grep) Kind() Kind   { return Search }
func (grep) Definition() anthropic.ToolUnionParam {
	return def(NameGrep,
		fmt.Sprintf("Search file contents with an RE2 regular expression; prints file:line:text for each matching line, skipping binary files and what .gitignore ignores; at most %d matches.", MaxGrepMatches),
		map[string]any{"pattern": str("RE2 regular expression"), "path": str("file or directory to search, default the working directory"),
			"glob":        str("only files matching this glob, e.g. *.go or **/*.md"),
			"ignore_case": map[string]any{"type": "boolean", "description": "match case-insensitively"}},
		"pattern")
}
func (grep) Summary(input json.RawMessage) string { return patternSummary(input) }
func (grep) Run(ctx context.Context, env *Env, c Call) (Result, error) {
	var in GrepInput
	if r, ok := decode(c, &in); !ok {
		return r, nil
	}
	return env.grep(ctx, in), nil
}

// Limits of grep.
const (
	maxGrepFile     = 8 << 20  // bytes of one file grep scans
	maxGrepLine     = 300      // characters of a matching line shown
	binarySniffSize = 8 << 10  // bytes looked at for a NUL
	maxGrepBytes    = 64 << 10 // bytes of grep output
)

// grep is grep's body.
func (e *Env) grep(ctx context.Context, in GrepInput) Result {
	if in.Pattern == "" {
		return Errorf("grep needs a pattern (an RE2 regular expression)")
	}
	expr := in.Pattern
	if in.IgnoreCase {
		expr = "(?i)" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return Errorf("bad regular expression %q: %v (RE2 syntax: no lookaround or backreferences)", in.Pattern, err)
	}
	filter := filepath.ToSlash(strings.TrimSpace(in.Glob))
	var b strings.Builder
	matches, skipped := 0, 0
	full := false
	walkErr := e.walkFiles(ctx, filepath.Clean(cmp.Or(in.Path, ".")), func(p string, d fs.DirEntry) bool {
		if filter != "" {
			name := p
			if !strings.Contains(filter, "/") {
				name = path.Base(p)
			}
			if !globMatch(filter, name) {
				return true
			}
		}
		n, binary := e.grepFile(p, re, &b, MaxGrepMatches-matches)
		if binary {
			skipped++
		}
		matches += n
		if matches >= MaxGrepMatches || b.Len() >= maxGrepBytes {
			full = true
			return false
		}
		return true
	})
	if walkErr != nil {
		return Errorf("%v", walkErr)
	}
	if matches == 0 {
		b.WriteString("no matches")
		if skipped > 0 {
			fmt.Fprintf(&b, " (%d binary files skipped)", skipped)
		}
		return Result{Content: b.String()}
	}
	if full {
		fmt.Fprintf(&b, "… stopped after %d matches: narrow the pattern, path or glob\n", matches)
	}
	return Result{Content: b.String()}
}

// grepFile writes p's matching lines to out, at most limit of them. Binary
// files (a NUL in the first bytes) are skipped.
func (e *Env) grepFile(p string, re *regexp.Regexp, out *strings.Builder, limit int) (n int, binary bool) {
	f, _, _, ok := e.openGuarded(filepath.FromSlash(p))
	if !ok {
		return 0, false
	}
	defer f.Close()
	br := bufio.NewReaderSize(io.LimitReader(f, maxGrepFile), 64<<10)
	if head, _ := br.Peek(binarySniffSize); bytes.IndexByte(head, 0) >= 0 {
		return 0, true
	}
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for line := 1; sc.Scan() && n < limit; line++ {
		text := sc.Text()
		if !re.MatchString(text) {
			continue
		}
		n++
		fmt.Fprintf(out, "%s:%d:%s\n", p, line, OneLineCut(text, maxGrepLine))
	}
	return n, false
}

// OneLineCut is s cut to n runes, with "…" when cut.
func OneLineCut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
