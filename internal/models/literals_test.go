package models_test

//lint:file-ignore SA1019 the model catalogue names deprecated and retired models on purpose

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/models"
)

// deliberatelyDeprecated are the shipped lines that name a deprecated
// model on purpose: examples of the retirement table and of a deprecated
// model in `hermes models --json`.
var deliberatelyDeprecated = map[string]string{
	"README.md":    anthropic.ModelClaudeOpus4_5,
	"docs/JSON.md": anthropic.ModelClaudeOpus4_5_20251101,
}

// TestShippedTextNamesOnlyCurrentModels walks the repository (README,
// docs/, deploy/, action.yml, help texts in Go sources; tests and testdata
// excepted) for model names. Go code must take them from the SDK's
// constants (no literal, comments aside); prose and manifests may only
// name models the SDK knows and does not deprecate, so an example never
// silently ages into a retired model.
func TestShippedTextNamesOnlyCurrentModels(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Skipf("not at the repository root: %v", err)
	}
	known := map[string]bool{}
	for _, m := range anthropictest.Models() {
		known[m.ID] = true
	}
	for _, m := range []string{models.DefaultModel, anthropic.ModelClaudeHaiku4_5, anthropic.ModelClaudeOpus4_5, anthropic.ModelClaudeSonnet4_5,
		anthropic.ModelClaudeMythos5, anthropic.ModelClaudeMythos5_1, anthropic.ModelClaudeMythos5_2, anthropic.ModelClaudeOpus4_7} {
		known[m] = true
	}
	name := regexp.MustCompile(`claude-(?:\d|haiku|sonnet|opus|fable|mythos|instant)[A-Za-z0-9.-]*[A-Za-z0-9]`)
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && rel != "." || d.Name() == "testdata" || d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case strings.HasSuffix(rel, "_test.go"), strings.HasSuffix(rel, ".txtar"), rel == "go.sum":
			return nil
		case !(strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, ".md") || strings.HasSuffix(rel, ".yaml") ||
			strings.HasSuffix(rel, ".yml") || strings.HasSuffix(rel, ".json") || strings.HasSuffix(rel, ".sh") || d.Name() == "Containerfile"):
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for n := 1; sc.Scan(); n++ {
			line := sc.Text()
			for _, m := range name.FindAllString(line, -1) {
				checked++
				isGo := strings.HasSuffix(rel, ".go")
				switch {
				case isGo && !strings.HasPrefix(strings.TrimSpace(line), "//"):
					t.Errorf("%s:%d: model literal %q in Go code: use the SDK's constant (anthropic.Model…) or models.DefaultModel", rel, n, m)
				case isGo:
					// A comment may name a model as an example.
				case !known[m]:
					t.Errorf("%s:%d: %q is not a model the SDK names", rel, n, m)
				default:
					if _, deprecated := models.Retirement(m); deprecated && deliberatelyDeprecated[rel] != m {
						t.Errorf("%s:%d: %q is deprecated: name a current model (for example %s)", rel, n, m, models.DefaultModel)
					}
				}
			}
		}
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Fatal("found no model names at all: the walk is broken")
	}
}
