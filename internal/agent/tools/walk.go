package tools

import (
	"context"
	"errors"
	"io/fs"
	"path"
	"path/filepath"
	"strings"
)

// maxWalkEntries bounds the files and directories one search visits.
const maxWalkEntries = 200_000

// walkFiles calls fn for every regular file below dir (a clean path
// relative to the work dir), in lexical order, skipping .git, what
// .gitignore files ignore, and credential stores. fn returns false to stop.
func (e *Env) walkFiles(ctx context.Context, dir string, fn func(rel string, d fs.DirEntry) bool) error {
	root, rel, err := e.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	if r, ok := e.Guard(dir, rel); !ok {
		return errors.New(r.Content)
	}
	fsys := root.FS()
	st, err := fs.Stat(fsys, rel)
	if err != nil {
		return errors.New(rootErr(dir, err).Content)
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
			if _, ok := e.Guard(p, filepath.FromSlash(p)); !ok {
				return fs.SkipDir
			}
			ign.load(p)
			return nil
		}
		if !d.Type().IsRegular() || ign.ignored(p, false) {
			return nil
		}
		if _, ok := e.Guard(p, filepath.FromSlash(p)); !ok {
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
