package tools

import (
	"context"
	"encoding/json"
	"strings"

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
func (editFile) Run(ctx context.Context, env *Env, c Call) (Result, error) {
	var in EditFileInput
	if r, ok := decode(c, &in); !ok {
		return r, nil
	}
	return env.editFile(ctx, c, in)
}

// editFile is edit_file's body: the shared checks, the replacement, then
// the change.
func (e *Env) editFile(ctx context.Context, c Call, in EditFileInput) (Result, error) {
	ch, r, ok := e.planChange(ctx, NameEditFile, in.Path)
	if !ok {
		return r, nil
	}
	if !ch.exists {
		return Errorf("%s does not exist: create it with write_file", in.Path), nil
	}
	if in.OldString == "" {
		return Errorf("old_string is empty: give the exact text to replace"), nil
	}
	if in.OldString == in.NewString {
		return Errorf("old_string and new_string are the same: nothing to change"), nil
	}
	n := strings.Count(ch.old, in.OldString)
	switch {
	case n == 0:
		return Errorf("old_string was not found in %s: it must match exactly, whitespace included", in.Path), nil
	case n > 1 && !in.ReplaceAll:
		return Errorf("old_string occurs %d times in %s: add surrounding lines to make it unique, or set replace_all", n, in.Path), nil
	}
	if in.ReplaceAll {
		ch.new = strings.ReplaceAll(ch.old, in.OldString, in.NewString)
	} else {
		ch.new = strings.Replace(ch.old, in.OldString, in.NewString, 1)
	}
	return e.changeFile(ctx, c, ch)
}
