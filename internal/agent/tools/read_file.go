package tools

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/anthropics/anthropic-sdk-go/v2"
)

// NameReadFile is read_file's name.
const NameReadFile = "read_file"

// ReadFileInput is read_file's input.
type ReadFileInput struct {
	Path   string `json:"path"`
	Offset int    `json:"offset"` // first line, from 1
	Limit  int    `json:"limit"`  // number of lines
}

type readFile struct{}

// ReadFile reads a text file inside the working directory.
var ReadFile Tool = readFile{}

func (readFile) Name() string { return NameReadFile }
func (readFile) Kind() Kind   { return Read }
func (readFile) Definition() anthropic.ToolUnionParam {
	return def(NameReadFile,
		fmt.Sprintf("Read a UTF-8 text file inside the working directory (relative path). Whole files up to %d KiB; for bigger files, or a part, give offset (first line, from 1) and limit (number of lines).", MaxReadBytes>>10),
		map[string]any{"path": str("file path relative to the working directory"),
			"offset": map[string]any{"type": "integer", "description": "first line to read, counting from 1"},
			"limit":  map[string]any{"type": "integer", "description": "number of lines to read"}},
		"path")
}
func (readFile) Summary(input json.RawMessage) string { return pathSummary(input, false) }
func (readFile) Run(ctx context.Context, env Env, c Call) (Result, error) {
	var in ReadFileInput
	if r, ok := decode(c, &in); !ok {
		return r, nil
	}
	return env.ReadFile(ctx, in), nil
}
