package agent

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/hermes-agent/hermes/internal/agent/tools"
)

// Limits of the search tools.
const (
	maxWalkEntries  = 200_000  // files and directories visited per search
	maxGrepFile     = 8 << 20  // bytes of one file grep scans
	maxGrepLine     = 300      // characters of a matching line shown
	binarySniffSize = 8 << 10  // bytes looked at for a NUL
	maxGrepBytes    = 64 << 10 // bytes of grep output
)

// walkFiles calls fn for every regular file below dir (a clean path
// relative to the work dir), in lexical order, skipping .git, what
// .gitignore files ignore, and credential stores. fn returns false to stop.
func (a *Agent) walkFiles(ctx context.Context, dir string, fn func(rel string, d fs.DirEntry) bool) error {
	root, rel, err := a.openRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	if r, ok := a.guard(dir, rel); !ok {
		return errors.New(r.content)
	}
	fsys := root.FS()
	st, err := fs.Stat(fsys, rel)
	if err != nil {
		return errors.New(rootErr(dir, err).content)
	}
	ign := newIgnorer(fsys)
	if !st.IsDir() {
		d := fs.FileInfoToDirEntry(st)
		fn(rel, d)
		return nil
	}
	// .gitignore files above the start directory apply too.
	for p := path.Dir(filepath.ToSlash(rel)); ; p = path.Dir(p) {
		if rel != "." {
			ign.load(p)
		}
		if p == "." || p == "/" {
			break
		}
	}
	visited := 0
	stop := errors.New("stop")
	err = fs.WalkDir(fsys, filepath.ToSlash(rel), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if d != nil && d.IsDir() && p != filepath.ToSlash(rel) {
				return fs.SkipDir // unreadable directory
			}
			return nil
		}
		if visited++; visited > maxWalkEntries || ctx.Err() != nil {
			return stop
		}
		if d.IsDir() {
			if d.Name() == ".git" && p != "." {
				return fs.SkipDir
			}
			if p != filepath.ToSlash(rel) && ign.ignored(p, true) {
				return fs.SkipDir
			}
			if _, ok := a.guard(p, filepath.FromSlash(p)); !ok {
				return fs.SkipDir
			}
			ign.load(p)
			return nil
		}
		if !d.Type().IsRegular() || ign.ignored(p, false) {
			return nil
		}
		if _, ok := a.guard(p, filepath.FromSlash(p)); !ok {
			return nil
		}
		if !fn(p, d) {
			return stop
		}
		return nil
	})
	if err != nil && err != stop {
		return err
	}
	return ctx.Err()
}

func (a *Agent) glob(ctx context.Context, in tools.GlobInput) toolResult {
	pat := strings.TrimPrefix(filepath.ToSlash(strings.TrimSpace(in.Pattern)), "./")
	if pat == "" {
		return errResult("glob needs a pattern, e.g. **/*.go")
	}
	if strings.HasPrefix(pat, "/") {
		return errResult("the glob pattern must be relative; use path for the directory to search")
	}
	if _, err := path.Match(strings.ReplaceAll(pat, "**", "*"), ""); err != nil {
		return errResult("bad glob pattern %q: %v", pat, err)
	}
	base := filepath.Clean(cmp.Or(in.Path, "."))
	type hit struct {
		rel string
		mod time.Time
	}
	var hits []hit
	more := false
	err := a.walkFiles(ctx, base, func(p string, d fs.DirEntry) bool {
		rel := p
		if b := filepath.ToSlash(base); b != "." {
			rel = strings.TrimPrefix(p, b+"/")
		}
		if !globMatch(pat, rel) {
			return true
		}
		if len(hits) >= 20*MaxGlobResults {
			more = true
			return false
		}
		var mod time.Time
		if info, err := d.Info(); err == nil {
			mod = info.ModTime()
		}
		hits = append(hits, hit{p, mod})
		return true
	})
	if err != nil {
		return errResult("%v", err)
	}
	if len(hits) == 0 {
		return toolResult{content: "no files match " + pat}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].mod.After(hits[j].mod) })
	if len(hits) > MaxGlobResults {
		hits, more = hits[:MaxGlobResults], true
	}
	var b strings.Builder
	for _, h := range hits {
		b.WriteString(h.rel + "\n")
	}
	if more {
		fmt.Fprintf(&b, "… more than %d files match: use a narrower pattern or path\n", MaxGlobResults)
	}
	return toolResult{content: b.String()}
}

// globMatch matches a slash-separated path against a pattern in which
// "**" as a whole segment matches any number of directories.
func globMatch(pattern, name string) bool {
	return matchSegs(strings.Split(pattern, "/"), strings.Split(name, "/"))
}

func matchSegs(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(name); i++ {
				if matchSegs(pat[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := path.Match(strings.ReplaceAll(pat[0], "**", "*"), name[0]); !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

func (a *Agent) grep(ctx context.Context, in tools.GrepInput) toolResult {
	if in.Pattern == "" {
		return errResult("grep needs a pattern (an RE2 regular expression)")
	}
	expr := in.Pattern
	if in.IgnoreCase {
		expr = "(?i)" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return errResult("bad regular expression %q: %v (RE2 syntax: no lookaround or backreferences)", in.Pattern, err)
	}
	filter := filepath.ToSlash(strings.TrimSpace(in.Glob))
	var b strings.Builder
	matches, skipped := 0, 0
	full := false
	walkErr := a.walkFiles(ctx, filepath.Clean(cmp.Or(in.Path, ".")), func(p string, d fs.DirEntry) bool {
		if filter != "" {
			name := p
			if !strings.Contains(filter, "/") {
				name = path.Base(p)
			}
			if !globMatch(filter, name) {
				return true
			}
		}
		n, binary := a.grepFile(p, re, &b, MaxGrepMatches-matches)
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
		return errResult("%v", walkErr)
	}
	if matches == 0 {
		b.WriteString("no matches")
		if skipped > 0 {
			fmt.Fprintf(&b, " (%d binary files skipped)", skipped)
		}
		return toolResult{content: b.String()}
	}
	if full {
		fmt.Fprintf(&b, "… stopped after %d matches: narrow the pattern, path or glob\n", matches)
	}
	return toolResult{content: b.String()}
}

// grepFile writes p's matching lines to out, at most limit of them. Binary
// files (a NUL in the first bytes) are skipped.
func (a *Agent) grepFile(p string, re *regexp.Regexp, out *strings.Builder, limit int) (n int, binary bool) {
	f, _, _, ok := a.openGuarded(filepath.FromSlash(p))
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
		fmt.Fprintf(out, "%s:%d:%s\n", p, line, oneLineCut(text, maxGrepLine))
	}
	return n, false
}

func oneLineCut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// ignorer applies .gitignore files: each one's patterns are relative to
// its directory; later (deeper) files and later lines win, "!" negates.
type ignorer struct {
	fsys  fs.FS
	rules []ignoreRule
	seen  map[string]bool
}

type ignoreRule struct {
	dir      string // the .gitignore's directory, "." for the top
	pattern  string
	negate   bool
	dirOnly  bool
	anchored bool // contains a slash: relative to dir, not any depth
}

func newIgnorer(fsys fs.FS) *ignorer { return &ignorer{fsys: fsys, seen: map[string]bool{}} }

// load reads dir/.gitignore once.
func (g *ignorer) load(dir string) {
	if g.seen[dir] {
		return
	}
	g.seen[dir] = true
	data, err := fs.ReadFile(g.fsys, path.Join(dir, ".gitignore"))
	if err != nil || len(data) > 1<<20 {
		return
	}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimRight(line, " \r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r := ignoreRule{dir: dir}
		if strings.HasPrefix(line, "!") {
			r.negate, line = true, line[1:]
		}
		line = strings.TrimPrefix(line, `\`)
		if strings.HasSuffix(line, "/") {
			r.dirOnly, line = true, strings.TrimSuffix(line, "/")
		}
		if strings.Contains(line, "/") {
			r.anchored, line = true, strings.TrimPrefix(line, "/")
		}
		if line == "" {
			continue
		}
		r.pattern = line
		g.rules = append(g.rules, r)
	}
}

// ignored reports whether p (slash-separated, relative to the work dir)
// is ignored.
func (g *ignorer) ignored(p string, isDir bool) bool {
	ignored := false
	for _, r := range g.rules {
		if r.dirOnly && !isDir {
			continue
		}
		rel := p
		if r.dir != "." {
			if !strings.HasPrefix(p, r.dir+"/") {
				continue
			}
			rel = strings.TrimPrefix(p, r.dir+"/")
		}
		var m bool
		if r.anchored {
			m = globMatch(r.pattern, rel)
		} else {
			m = globMatch(r.pattern, path.Base(rel))
		}
		if m {
			ignored = !r.negate
		}
	}
	return ignored
}
