package tools

import (
	"context"
	"encoding/json"
	"fmt"

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
func (grep) Run(ctx context.Context, env Env, c Call) (Result, error) {
	var in GrepInput
	if r, ok := decode(c, &in); !ok {
		return r, nil
	}
	return env.Grep(ctx, in), nil
}
