// Package tools is what a tool is to the agent: a value with a name, an
// API declaration, a permission kind, a one-line summary of its input for
// the terminal and a Run. The eight built-in tools are values here; MCP
// servers' tools are values too (package mcp), and the permission policy,
// the terminal, ACP and --tools validation all ask the value, so a tool
// from anywhere plugs in one place. A built-in tool's body runs here too,
// on the Env the agent gives it (the work dir, protected paths, sandbox
// and policy).
package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/anthropics/anthropic-sdk-go/v2"
)

// Kind is what a tool does, for the permission policy and for editors
// (ACP's tool_call kinds).
type Kind string

// The kinds. Read, Search and Delegate only read (a sub-agent gets the
// same policy): they run without asking and are what plan mode offers.
const (
	Read     Kind = "read"
	Search   Kind = "search"
	Edit     Kind = "edit"
	Execute  Kind = "execute"
	Delegate Kind = "delegate"
	Other    Kind = "other"
)

// ReadOnly reports whether a tool of kind k only reads.
func (k Kind) ReadOnly() bool { return k == Read || k == Search || k == Delegate }

// Call is one tool_use the model made.
type Call struct {
	ID    string
	Name  string
	Input json.RawMessage
	Model string // the model that made the call (a sub-agent uses it)
}

// Result is what a call produced: text for the model (masked by the agent
// before anyone sees it), optionally images.
type Result struct {
	Content string
	IsError bool
	Denied  bool    // refused by the permission rules or the user
	Images  []Image // image blocks (MCP tools)
	// Usage is what a sub-agent spent (the agent's Usage); nil otherwise.
	Usage any
}

// Image is an image block of a result.
type Image struct {
	MediaType string // image/png, image/jpeg, image/gif, image/webp
	Data      []byte
}

// Errorf is a failed call's result, for the model to read and go on.
func Errorf(format string, args ...any) Result {
	return Result{Content: fmt.Sprintf(format, args...), IsError: true}
}

// Tool is one tool the model can call.
type Tool interface {
	Name() string
	// Kind decides permission (read-only kinds run without asking) and
	// is the tool_call kind editors show.
	Kind() Kind
	// Definition is the declaration sent to the API.
	Definition() anthropic.ToolUnionParam
	// Summary is the input in a few words for a terminal line (the
	// path, pattern, command or task), unmasked and uncut: the caller
	// masks and cuts it.
	Summary(input json.RawMessage) string
	// Run executes a call. Failures the model should read are results
	// with IsError; only cancellation (and failures that end the whole
	// run) are errors.
	Run(ctx context.Context, env *Env, c Call) (Result, error)
}

// decode reads c's input into in, or says why it cannot be.
func decode(c Call, in any) (Result, bool) {
	if err := json.Unmarshal(c.Input, in); err != nil {
		return Errorf("invalid input for %s: %v", c.Name, err), false
	}
	return Result{}, true
}

// def is a built-in tool's declaration.
func def(name, desc string, props map[string]any, required ...string) anthropic.ToolUnionParam {
	t := anthropic.ToolUnionParamOfTool(anthropic.ToolInputSchemaParam{Properties: props, Required: required}, name)
	t.OfTool.Description = anthropic.String(desc)
	return t
}

func str(d string) map[string]any { return map[string]any{"type": "string", "description": d} }

// Builtins is every built-in tool, in the order help text shows them:
// the one list of them.
func Builtins() []Tool {
	return []Tool{ReadFile, ListFiles, Glob, Grep, WriteFile, EditFile, Bash, DelegateTool}
}

// Names is the built-in tools' names, in Builtins' order.
func Names() []string {
	var out []string
	for _, t := range Builtins() {
		out = append(out, t.Name())
	}
	return out
}

// Builtin is the built-in tool called name, nil when there is none.
func Builtin(name string) Tool {
	for _, t := range Builtins() {
		if t.Name() == name {
			return t
		}
	}
	return nil
}

// KindOf is the kind of the built-in tool name; Other (asks for
// permission) for any other name.
func KindOf(name string) Kind {
	if t := Builtin(name); t != nil {
		return t.Kind()
	}
	return Other
}

// Find is the tool called name in ts, nil when there is none.
func Find(ts []Tool, name string) Tool {
	i := slices.IndexFunc(ts, func(t Tool) bool { return t.Name() == name })
	if i < 0 {
		return nil
	}
	return ts[i]
}

// Summary is a call's input in a few words: the tool's own summary for a
// known tool, else the input itself.
func Summary(t Tool, input json.RawMessage) string {
	if t == nil {
		return string(input)
	}
	return t.Summary(input)
}

// pathSummary is a file tool's summary: its path, else the input.
func pathSummary(input json.RawMessage, emptyOK bool) string {
	var in struct{ Path string }
	json.Unmarshal(input, &in)
	if in.Path == "" && !emptyOK {
		return string(input)
	}
	return in.Path
}

// patternSummary is glob's and grep's: the pattern and where.
func patternSummary(input json.RawMessage) string {
	var in struct{ Pattern, Path string }
	json.Unmarshal(input, &in)
	s := in.Pattern
	if in.Path != "" {
		s += " in " + in.Path
	}
	if strings.TrimSpace(s) == "" {
		return string(input)
	}
	return s
}
