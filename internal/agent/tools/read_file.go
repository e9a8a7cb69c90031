package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"unicode/utf8"

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
func (readFile) Run(ctx context.Context, env *Env, c Call) (Result, error) {
	var in ReadFileInput
	if r, ok := decode(c, &in); !ok {
		return r, nil
	}
	return env.readFile(ctx, in), nil
}

// readFile is read_file's body.
func (e *Env) readFile(ctx context.Context, in ReadFileInput) Result {
	p := in.Path
	if p == "" {
		return Errorf("read_file needs a path")
	}
	if in.Offset < 0 || in.Limit < 0 {
		return Errorf("offset and limit must not be negative")
	}
	f, st, r, ok := e.openGuarded(p)
	if !ok {
		return r
	}
	defer f.Close()
	if st.IsDir() {
		return Errorf("%s is a directory: use list_files", p)
	}
	if !st.Mode().IsRegular() {
		return Errorf("%s is not a regular file", p)
	}
	ranged := in.Offset > 0 || in.Limit > 0
	max := int64(MaxReadBytes)
	if ranged {
		max = MaxRangeFileBytes
	}
	abs := e.absPath(filepath.Clean(p))
	text, tooBig, err := e.readText(ctx, f, abs, max)
	if err != nil {
		return Errorf("%s: %v", p, err)
	}
	if tooBig && !ranged {
		return Errorf("%s is %d bytes, larger than the %d KiB read_file limit: read a part with offset and limit (lines)", p, st.Size(), MaxReadBytes>>10)
	}
	if tooBig {
		return Errorf("%s is %d bytes, larger than the %d MiB read_file can page through", p, st.Size(), MaxRangeFileBytes>>20)
	}
	if !utf8.ValidString(text) || strings.IndexByte(text, 0) >= 0 {
		return Errorf("%s is not UTF-8 text (binary file?)", p)
	}
	e.Versions.Record(abs, text)
	if !ranged {
		return Result{Content: text}
	}
	return Result{Content: lineRange(text, in.Offset, in.Limit)}
}

// lineRange is lines [offset, offset+limit) of text (offset from 1; limit
// 0 means to the end), at most MaxReadBytes, with a note saying where it
// stopped.
func lineRange(text string, offset, limit int) string {
	if offset == 0 {
		offset = 1
	}
	lines := strings.SplitAfter(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	total := len(lines)
	if offset > total {
		return fmt.Sprintf("(the file has %d lines; offset %d is past the end)", total, offset)
	}
	end := total
	if limit > 0 && offset-1+limit < total {
		end = offset - 1 + limit
	}
	var b strings.Builder
	last := offset - 1
	for i := offset - 1; i < end; i++ {
		if b.Len()+len(lines[i]) > MaxReadBytes {
			break
		}
		b.WriteString(lines[i])
		last = i + 1
	}
	if last < offset {
		return fmt.Sprintf("(line %d alone is longer than %d KiB)", offset, MaxReadBytes>>10)
	}
	if !strings.HasSuffix(b.String(), "\n") {
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "[hermes: lines %d-%d of %d", offset, last, total)
	if last < total {
		fmt.Fprintf(&b, "; continue with offset %d", last+1)
	}
	b.WriteString("]")
	return b.String()
}
