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

	"github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/hermes-agent/hermes/internal/agent/permission"
	"github.com/hermes-agent/hermes/internal/exitcode"
)

// Tool names accepted by Config.Tools (and `hermes chat --tools`).
const (
	ToolReadFile  = permission.ToolReadFile
	ToolListFiles = permission.ToolListFiles
	ToolGlob      = permission.ToolGlob
	ToolGrep      = permission.ToolGrep
	ToolWriteFile = permission.ToolWriteFile
	ToolEditFile  = permission.ToolEditFile
	ToolBash      = permission.ToolBash
	ToolDelegate  = permission.ToolDelegate
)

// KnownTools lists every built-in tool name, in the order help text shows them.
var KnownTools = []string{ToolReadFile, ToolListFiles, ToolGlob, ToolGrep, ToolWriteFile, ToolEditFile, ToolBash, ToolDelegate}

// Anthropic's server tools, declared on request (Config.Tools) and run by
// the API: only an allow rule or bypassPermissions declares them.
const (
	ToolWebSearch = permission.ToolWebSearch
	ToolWebFetch  = permission.ToolWebFetch
)

// ServerTools lists the server tools Config.Tools may name.
var ServerTools = permission.ServerTools

// webFetchBeta is the anthropic-beta value web_fetch_20250910 needs.
const webFetchBeta = "web-fetch-2025-09-10"

// serverToolDefs declares the server tools among names that policy lets
// the model use, with its domain rules.
func serverToolDefs(names []string, policy *permission.Policy) []anthropic.ToolUnionParam {
	var out []anthropic.ToolUnionParam
	for _, n := range names {
		declare, allowed, blocked := policy.ServerTool(n)
		if !declare {
			continue
		}
		switch n {
		case ToolWebSearch:
			out = append(out, anthropic.ToolUnionParam{OfWebSearchTool20250305: &anthropic.WebSearchTool20250305Param{AllowedDomains: allowed, BlockedDomains: blocked}})
		case ToolWebFetch:
			out = append(out, anthropic.ToolUnionParam{OfWebFetchTool20250910: &anthropic.WebFetchTool20250910Param{AllowedDomains: allowed, BlockedDomains: blocked}})
		}
	}
	return out
}

// Limits of the file tools: the model gets a clear error or a capped
// answer rather than output that would flood its context.
const (
	MaxReadBytes    = 256 << 10
	MaxListEntries  = 1000
	MaxGlobResults  = 500
	MaxGrepMatches  = 500
	maxToolInputLen = 1 << 20 // write_file content can be big
	// maxRangeFileBytes bounds a file read_file pages through with
	// offset/limit, and a file edit_file changes.
	maxRangeFileBytes = 16 << 20
)

// toolResult is what one tool call produced.
type toolResult struct {
	content string
	isError bool
	denied  bool  // refused by the permission rules or the user
	usage   Usage // tokens a sub-agent spent
}

func errResult(format string, args ...any) toolResult {
	return toolResult{content: fmt.Sprintf(format, args...), isError: true}
}

// toolDefs are the tool declarations sent to the API.
func toolDefs(names []string) []anthropic.ToolUnionParam {
	str := func(d string) map[string]any { return map[string]any{"type": "string", "description": d} }
	var out []anthropic.ToolUnionParam
	for _, n := range names {
		var desc string
		var props map[string]any
		var required []string
		switch n {
		case ToolReadFile:
			desc = fmt.Sprintf("Read a UTF-8 text file inside the working directory (relative path). Whole files up to %d KiB; for bigger files, or a part, give offset (first line, from 1) and limit (number of lines).", MaxReadBytes>>10)
			props = map[string]any{"path": str("file path relative to the working directory"),
				"offset": map[string]any{"type": "integer", "description": "first line to read, counting from 1"},
				"limit":  map[string]any{"type": "integer", "description": "number of lines to read"}}
			required = []string{"path"}
		case ToolListFiles:
			desc = "List the entries of a directory inside the working directory (relative path, default \".\"). Directories end with /."
			props = map[string]any{"path": str("directory path relative to the working directory")}
		case ToolGlob:
			desc = fmt.Sprintf("Find files whose path matches a glob pattern (** matches any number of directories, e.g. **/*.go), newest first, skipping what .gitignore ignores; at most %d.", MaxGlobResults)
			props = map[string]any{"pattern": str("glob pattern relative to path"), "path": str("directory to search, default the working directory")}
			required = []string{"pattern"}
		case ToolGrep:
			desc = fmt.Sprintf("Search file contents with an RE2 regular expression; prints file:line:text for each matching line, skipping binary files and what .gitignore ignores; at most %d matches.", MaxGrepMatches)
			props = map[string]any{"pattern": str("RE2 regular expression"), "path": str("file or directory to search, default the working directory"),
				"glob":        str("only files matching this glob, e.g. *.go or **/*.md"),
				"ignore_case": map[string]any{"type": "boolean", "description": "match case-insensitively"}}
			required = []string{"pattern"}
		case ToolWriteFile:
			desc = "Create or overwrite a text file inside the working directory (parent directories are created; an existing file keeps its mode; read an existing file first)."
			props = map[string]any{"path": str("file path relative to the working directory"), "content": str("the complete new content")}
			required = []string{"path", "content"}
		case ToolEditFile:
			desc = "Replace exact text in a file you have read: old_string must occur exactly once (add surrounding lines to make it unique) unless replace_all is true. Fails if the file changed since you read it."
			props = map[string]any{"path": str("file path relative to the working directory"), "old_string": str("the exact text to replace"),
				"new_string":  str("the replacement text"),
				"replace_all": map[string]any{"type": "boolean", "description": "replace every occurrence"}}
			required = []string{"path", "old_string", "new_string"}
		case ToolBash:
			desc = fmt.Sprintf("Run a command with bash -c in the working directory and return its exit code and output (stdout and stderr together; long output keeps its head and tail). Default timeout %v, at most %v. Background processes are stopped when the command ends.", defaultBashTimeout, maxBashTimeout)
			props = map[string]any{"command": str("the bash command line"), "timeout_ms": map[string]any{"type": "integer", "description": "timeout in milliseconds"}}
			required = []string{"command"}
		case ToolDelegate:
			desc = "Hand a self-contained task to a sub-agent that has the same tools and permissions and returns its final answer. Several delegate calls in one turn run in parallel."
			props = map[string]any{"task": str("the complete task; the sub-agent sees nothing else of this conversation")}
			required = []string{"task"}
		}
		t := anthropic.ToolUnionParamOfTool(anthropic.ToolInputSchemaParam{Properties: props, Required: required}, n)
		t.OfTool.Description = anthropic.String(desc)
		out = append(out, t)
	}
	return out
}

// toolInput is every tool's input; each tool reads its own fields.
type toolInput struct {
	Path       string `json:"path"`
	Task       string `json:"task"`
	Offset     int    `json:"offset"`
	Limit      int    `json:"limit"`
	Pattern    string `json:"pattern"`
	Glob       string `json:"glob"`
	IgnoreCase bool   `json:"ignore_case"`
	Content    string `json:"content"`
	OldString  string `json:"old_string"`
	NewString  string `json:"new_string"`
	ReplaceAll bool   `json:"replace_all"`
	Command    string `json:"command"`
	TimeoutMS  int64  `json:"timeout_ms"`
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
	var in toolInput
	if err := json.Unmarshal(b.Input, &in); err != nil {
		return errResult("invalid input for %s: %v", b.Name, err), nil
	}
	switch b.Name {
	case ToolReadFile:
		return a.readFile(ctx, in), nil
	case ToolListFiles:
		return a.listFiles(in.Path), nil
	case ToolGlob:
		return a.glob(in), nil
	case ToolGrep:
		return a.grep(ctx, in), nil
	case ToolWriteFile, ToolEditFile:
		return a.changeFile(ctx, b, in)
	case ToolBash:
		return a.bash(ctx, b, in)
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

// afterGuard, in tests, runs between the path check and the open: the
// window a symlink swap races into.
var afterGuard func(rel string)

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
	if afterGuard != nil {
		afterGuard(rel)
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
	if r, ok := a.guardOpened(p, f, st); !ok {
		f.Close()
		return nil, nil, r, false
	}
	return f, st, toolResult{}, true
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
