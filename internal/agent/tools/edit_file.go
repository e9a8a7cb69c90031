package tools

import (
	"context"
	"encoding/json"

	"github.com/anthropics/anthropic-sdk-go/v2"
)

// NameEditFile is edit_file's name.
const NameEditFile = "edit_file"

// EditFileInput is edit_file's input.
type EditFileInput struct {
	Path       string `json:"path"`
	OldString  string `json:"old_string"`
	NewString  string `json:"new_string"`
	ReplaceAll bool   `json:"replace_all"`
}

type editFile struct{}

// EditFile replaces exact text in a file the model has read.
var EditFile Tool = editFile{}

func (editFile) Name() string { return NameEditFile }
func (editFile) Kind() Kind   { return Edit }
func (editFile) Definition() anthropic.ToolUnionParam {
	return def(NameEditFile,
		"Replace exact text in a file you have read: old_string must occur exactly once (add surrounding lines to make it unique) unless replace_all is true. Fails if the file changed since you read it.",
		map[string]any{"path": str("file path relative to the working directory"), "old_string": str("the exact text to replace"),
			"new_string":  str("the replacement text"),
			"replace_all": map[string]any{"type": "boolean", "description": "replace every occurrence"}},
		"path", "old_string", "new_string")
}
func (editFile) Summary(input json.RawMessage) string { return pathSummary(input, false) }
func (editFile) Run(ctx context.Context, env Env, c Call) (Result, error) {
	var in EditFileInput
	if r, ok := decode(c, &in); !ok {
		return r, nil
	}
	return env.EditFile(ctx, c, in)
}
