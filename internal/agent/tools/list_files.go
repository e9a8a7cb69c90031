package tools

import (
	"context"
	"encoding/json"

	"github.com/anthropics/anthropic-sdk-go/v2"
)

// NameListFiles is list_files's name.
const NameListFiles = "list_files"

// ListFilesInput is list_files's input.
type ListFilesInput struct {
	Path string `json:"path"` // default "."
}

type listFiles struct{}

// ListFiles lists a directory inside the working directory.
var ListFiles Tool = listFiles{}

func (listFiles) Name() string { return NameListFiles }
func (listFiles) Kind() Kind   { return Read }
func (listFiles) Definition() anthropic.ToolUnionParam {
	return def(NameListFiles,
		"List the entries of a directory inside the working directory (relative path, default \".\"). Directories end with /.",
		map[string]any{"path": str("directory path relative to the working directory")})
}
func (listFiles) Summary(input json.RawMessage) string { return pathSummary(input, true) }
func (listFiles) Run(ctx context.Context, env Env, c Call) (Result, error) {
	var in ListFilesInput
	if r, ok := decode(c, &in); !ok {
		return r, nil
	}
	return env.ListFiles(ctx, in), nil
}
