package tools

import (
	"context"
	"encoding/json"

	"github.com/anthropics/anthropic-sdk-go/v2"
)

// NameWriteFile is write_file's name.
const NameWriteFile = "write_file"

// WriteFileInput is write_file's input.
type WriteFileInput struct {
	Path    string `json:"path"`
	Content string `json:"content"`
}

type writeFile struct{}

// WriteFile creates or overwrites a text file.
var WriteFile Tool = writeFile{}

func (writeFile) Name() string { return NameWriteFile }
func (writeFile) Kind() Kind   { return Edit }
func (writeFile) Definition() anthropic.ToolUnionParam {
	return def(NameWriteFile,
		"Create or overwrite a text file inside the working directory (parent directories are created; an existing file keeps its mode; read an existing file first).",
		map[string]any{"path": str("file path relative to the working directory"), "content": str("the complete new content")},
		"path", "content")
}
func (writeFile) Summary(input json.RawMessage) string { return pathSummary(input, false) }
func (writeFile) Run(ctx context.Context, env *Env, c Call) (Result, error) {
	var in WriteFileInput
	if r, ok := decode(c, &in); !ok {
		return r, nil
	}
	return env.writeFile(ctx, c, in)
}

// writeFile is write_file's body: the shared checks, then the change.
func (e *Env) writeFile(ctx context.Context, c Call, in WriteFileInput) (Result, error) {
	ch, r, ok := e.planChange(ctx, NameWriteFile, in.Path)
	if !ok {
		return r, nil
	}
	ch.new = in.Content
	return e.changeFile(ctx, c, ch)
}
