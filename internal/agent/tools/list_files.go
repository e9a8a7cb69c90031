package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"

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
func (listFiles) Run(ctx context.Context, env *Env, c Call) (Result, error) {
	var in ListFilesInput
	if r, ok := decode(c, &in); !ok {
		return r, nil
	}
	return env.listFiles(in.Path), nil
}

// listFiles is list_files's body.
func (e *Env) listFiles(p string) Result {
	f, _, r, ok := e.openGuarded(p)
	if !ok {
		return r
	}
	defer f.Close()
	entries, err := f.ReadDir(MaxListEntries + 1)
	if err != nil && !errors.Is(err, io.EOF) {
		return rootErr(p, err)
	}
	truncated := len(entries) > MaxListEntries
	if truncated {
		entries = entries[:MaxListEntries]
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	var b strings.Builder
	for _, e := range entries {
		switch {
		case e.IsDir():
			fmt.Fprintf(&b, "%s/\n", e.Name())
		case e.Type()&fs.ModeSymlink != 0:
			fmt.Fprintf(&b, "%s@ (symlink)\n", e.Name())
		default:
			size := int64(-1)
			if info, err := e.Info(); err == nil {
				size = info.Size()
			}
			fmt.Fprintf(&b, "%s (%d bytes)\n", e.Name(), size)
		}
	}
	if truncated {
		fmt.Fprintf(&b, "… more than %d entries, list stopped\n", MaxListEntries)
	}
	if b.Len() == 0 {
		return Result{Content: "(empty directory)"}
	}
	return Result{Content: b.String()}
}
