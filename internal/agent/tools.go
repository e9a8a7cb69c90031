package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/hermes-agent/hermes/internal/exitcode"
)

// Tool names accepted by Config.Tools (and `hermes chat --tools`).
const (
	ToolReadFile  = "read_file"
	ToolListFiles = "list_files"
	ToolDelegate  = "delegate"
)

// KnownTools lists every tool name, in the order help text shows them.
var KnownTools = []string{ToolReadFile, ToolListFiles, ToolDelegate}

// Limits of the read-only file tools: the model gets a clear error rather
// than a file that would flood its context.
const (
	MaxReadBytes    = 256 << 10
	MaxListEntries  = 1000
	maxResultBytes  = 512 << 10 // any tool result, delegate included
	maxToolInputLen = 64 << 10
)

// toolResult is what one tool call produced.
type toolResult struct {
	content string
	isError bool
	usage   Usage // tokens a sub-agent spent
}

func errResult(format string, args ...any) toolResult {
	return toolResult{content: fmt.Sprintf(format, args...), isError: true}
}

// toolDefs are the tool declarations sent to the API.
func toolDefs(names []string) []anthropic.ToolUnionParam {
	var out []anthropic.ToolUnionParam
	for _, n := range names {
		var desc string
		var props map[string]any
		var required []string
		switch n {
		case ToolReadFile:
			desc = fmt.Sprintf("Read a UTF-8 text file inside the working directory (relative path, at most %d KiB).", MaxReadBytes>>10)
			props = map[string]any{"path": map[string]any{"type": "string", "description": "file path relative to the working directory"}}
			required = []string{"path"}
		case ToolListFiles:
			desc = "List the entries of a directory inside the working directory (relative path, default \".\"). Directories end with /."
			props = map[string]any{"path": map[string]any{"type": "string", "description": "directory path relative to the working directory"}}
		case ToolDelegate:
			desc = "Hand a self-contained task to a sub-agent that has the same tools and returns its final answer. Several delegate calls in one turn run in parallel."
			props = map[string]any{"task": map[string]any{"type": "string", "description": "the complete task; the sub-agent sees nothing else of this conversation"}}
			required = []string{"task"}
		}
		t := anthropic.ToolUnionParamOfTool(anthropic.ToolInputSchemaParam{Properties: props, Required: required}, n)
		t.OfTool.Description = anthropic.String(desc)
		out = append(out, t)
	}
	return out
}

// runTool executes one tool call. Failures are tool results with is_error,
// for the model to read; only cancellation is returned as an error.
func (a *Agent) runTool(ctx context.Context, model string, b Block, emit func(Event)) (toolResult, error) {
	if !a.hasTool(b.Name) {
		return errResult("unknown tool %q", b.Name), nil
	}
	if len(b.Input) > maxToolInputLen {
		return errResult("tool input is larger than %d bytes", maxToolInputLen), nil
	}
	var in struct {
		Path string `json:"path"`
		Task string `json:"task"`
	}
	if err := json.Unmarshal(b.Input, &in); err != nil {
		return errResult("invalid input for %s: %v", b.Name, err), nil
	}
	switch b.Name {
	case ToolReadFile:
		return a.readFile(in.Path), nil
	case ToolListFiles:
		return a.listFiles(in.Path), nil
	default:
		return a.delegate(ctx, model, in.Task, emit)
	}
}

func (a *Agent) hasTool(name string) bool {
	for _, t := range a.tools {
		if t == name {
			return true
		}
	}
	return false
}

// openRoot opens the working directory as an os.Root: every path below it
// is resolved by the kernel relative to it, and ".." or a symlink that
// leads outside is refused.
func (a *Agent) openRoot(p string) (*os.Root, string, error) {
	if p == "" {
		p = "."
	}
	if filepath.IsAbs(p) || !filepath.IsLocal(filepath.Clean(p)) && filepath.Clean(p) != "." {
		return nil, "", fmt.Errorf("path %q is outside the working directory: use a relative path inside it", p)
	}
	r, err := os.OpenRoot(a.cfg.WorkDir)
	if err != nil {
		return nil, "", fmt.Errorf("open working directory: %v", err)
	}
	return r, filepath.Clean(p), nil
}

// rootErr turns an os.Root error into words for the model.
func rootErr(p string, err error) toolResult {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errResult("%s does not exist", p)
	case strings.Contains(err.Error(), "escapes"):
		return errResult("path %q leads outside the working directory (through a symlink or ..): refused", p)
	}
	return errResult("%s: %v", p, errors.Unwrap(err))
}

// openGuarded opens p inside the working directory, refusing credential
// stores both before opening (by path) and after (by the opened file), so
// every file tool applies the same checks in the same order.
func (a *Agent) openGuarded(p string) (*os.File, fs.FileInfo, toolResult, bool) {
	root, rel, err := a.openRoot(p)
	if err != nil {
		return nil, nil, errResult("%v", err), false
	}
	defer root.Close()
	if r, ok := a.guard(p, rel); !ok {
		return nil, nil, r, false
	}
	f, err := root.Open(rel)
	if err != nil {
		return nil, nil, rootErr(p, err), false
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, rootErr(p, err), false
	}
	if r, ok := a.guardOpened(p, st); !ok {
		f.Close()
		return nil, nil, r, false
	}
	return f, st, toolResult{}, true
}

func (a *Agent) readFile(p string) toolResult {
	if p == "" {
		return errResult("read_file needs a path")
	}
	f, st, r, ok := a.openGuarded(p)
	if !ok {
		return r
	}
	defer f.Close()
	if st.IsDir() {
		return errResult("%s is a directory: use list_files", p)
	}
	if !st.Mode().IsRegular() {
		return errResult("%s is not a regular file", p)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxReadBytes+1))
	if err != nil {
		return rootErr(p, err)
	}
	if len(data) > MaxReadBytes {
		return errResult("%s is %d bytes, larger than the %d KiB read_file limit", p, st.Size(), MaxReadBytes>>10)
	}
	if !utf8.Valid(data) {
		return errResult("%s is not UTF-8 text (binary file?)", p)
	}
	return toolResult{content: string(data)}
}

func (a *Agent) listFiles(p string) toolResult {
	f, _, r, ok := a.openGuarded(p)
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
		return toolResult{content: "(empty directory)"}
	}
	return toolResult{content: b.String()}
}

// subSystem is the sub-agent's system prompt.
const subSystem = "You are a sub-agent. Complete the task you are given using your tools if needed, then reply with the result only: it is returned verbatim to the agent that delegated the task."

// delegate runs a sub-agent on task. It shares this agent's SDK client and
// so its Runtime: the same transport asks the same TokenSource per request,
// which keeps WIF bearer and reuses the cached token (no second exchange).
func (a *Agent) delegate(ctx context.Context, model, task string, emit func(Event)) (toolResult, error) {
	if strings.TrimSpace(task) == "" {
		return errResult("delegate needs a task"), nil
	}
	if a.depth >= a.cfg.MaxDepth {
		return errResult("delegation depth limit (%d) reached: do this task yourself", a.cfg.MaxDepth), nil
	}
	conv := &Conversation{Model: model, System: subSystem}
	res, err := a.child().send(ctx, conv, task, emit)
	if err != nil {
		// Cancellation and a missing or refused credential end the whole
		// run: the parent's next call would fail the same way. Anything
		// else (a 5xx, a failed exchange that may pass) is the tool's error.
		if ctx.Err() != nil || exitcode.IsAuth(err) {
			return toolResult{}, err
		}
		return errResult("sub-agent failed: %v", err), nil
	}
	text := res.Text
	if text == "" {
		text = "(the sub-agent returned no text)"
	}
	return toolResult{content: text, usage: res.Usage}, nil
}
