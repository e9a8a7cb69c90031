package tools

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
)

// NameGlob is glob's name.
const NameGlob = "glob"

// GlobInput is glob's input.
type GlobInput struct {
	Pattern string `json:"pattern"`
	Path    string `json:"path"`
}

type glob struct{}

// Glob finds files by a glob pattern.
var Glob Tool = glob{}

func (glob) Name() string { return NameGlob }
func (glob) Kind() Kind   { return Search }
func (glob) Definition() anthropic.ToolUnionParam {
	return def(NameGlob,
		fmt.Sprintf("Find files whose path matches a glob pattern (** matches any number of directories, e.g. **/*.go), newest first, skipping what .gitignore ignores; at most %d.", MaxGlobResults),
		map[string]any{"pattern": str("glob pattern relative to path"), "path": str("directory to search, default the working directory")},
		"pattern")
}
func (glob) Summary(input json.RawMessage) string { return patternSummary(input) }
func (glob) Run(ctx context.Context, env *Env, c Call) (Result, error) {
	var in GlobInput
	if r, ok := decode(c, &in); !ok {
		return r, nil
	}
	return env.glob(ctx, in), nil
}

// glob is glob's body.
func (e *Env) glob(ctx context.Context, in GlobInput) Result {
	pat := strings.TrimPrefix(filepath.ToSlash(strings.TrimSpace(in.Pattern)), "./")
	if pat == "" {
		return Errorf("glob needs a pattern, e.g. **/*.go")
	}
	if strings.HasPrefix(pat, "/") {
		return Errorf("the glob pattern must be relative; use path for the directory to search")
	}
	if _, err := path.Match(strings.ReplaceAll(pat, "**", "*"), ""); err != nil {
		return Errorf("bad glob pattern %q: %v", pat, err)
	}
	base := filepath.Clean(cmp.Or(in.Path, "."))
	type hit struct {
		rel string
		mod time.Time
	}
	var hits []hit
	more := false
	err := e.walkFiles(ctx, base, func(p string, d fs.DirEntry) bool {
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
		return Errorf("%v", err)
	}
	if len(hits) == 0 {
		return Result{Content: "no files match " + pat}
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
	return Result{Content: b.String()}
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
