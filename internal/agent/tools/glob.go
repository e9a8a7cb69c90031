package tools

import (
	"context"
	"encoding/json"
	"fmt"

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
func (glob) Run(ctx context.Context, env Env, c Call) (Result, error) {
	var in GlobInput
	if r, ok := decode(c, &in); !ok {
		return r, nil
	}
	return env.Glob(ctx, in), nil
}
