package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"go.opentelemetry.io/otel/attribute"

	"github.com/hermes-agent/hermes/internal/agent/permission"
	"github.com/hermes-agent/hermes/internal/agent/tools"
	"github.com/hermes-agent/hermes/internal/exitcode"
	"github.com/hermes-agent/hermes/internal/telemetry"
)

// Tool names accepted by Config.Tools (and `hermes chat --tools`).
const (
	ToolReadFile  = tools.NameReadFile
	ToolListFiles = tools.NameListFiles
	ToolGlob      = tools.NameGlob
	ToolGrep      = tools.NameGrep
	ToolWriteFile = tools.NameWriteFile
	ToolEditFile  = tools.NameEditFile
	ToolBash      = tools.NameBash
	ToolDelegate  = tools.NameDelegate
)

// KnownTools is every built-in tool name, in the order help text shows
// them (package tools' registry).
func KnownTools() []string { return tools.Names() }

// Anthropic's server tools, declared on request (Config.Tools) and run by
// the API: only an allow rule or bypassPermissions declares them.
const (
	ToolWebSearch = permission.ToolWebSearch
	ToolWebFetch  = permission.ToolWebFetch
)

// ServerTools lists the server tools Config.Tools may name (a fresh slice
// each call).
func ServerTools() []string { return permission.ServerTools() }

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

// Limits of the file tools (package tools declares them to the model).
const (
	MaxReadBytes    = tools.MaxReadBytes
	MaxListEntries  = tools.MaxListEntries
	MaxGlobResults  = tools.MaxGlobResults
	MaxGrepMatches  = tools.MaxGrepMatches
	maxToolInputLen = tools.MaxInputLen
)

// toolResult is what one tool call produced.
type toolResult struct {
	content string
	isError bool
	denied  bool  // refused by the permission rules or the user
	usage   Usage // tokens a sub-agent spent
	images  []tools.Image
}

// value is r as package tools spells a result.
func (r toolResult) value() tools.Result {
	out := tools.Result{Content: r.content, IsError: r.isError, Denied: r.denied, Images: r.images}
	if r.usage != (Usage{}) {
		out.Usage = r.usage
	}
	return out
}

// fromValue is a tool's result as the agent keeps it.
func fromValue(v tools.Result) toolResult {
	r := toolResult{content: v.Content, isError: v.IsError, denied: v.Denied, images: v.Images}
	if u, ok := v.Usage.(Usage); ok {
		r.usage = u
	}
	return r
}

func errResult(format string, args ...any) toolResult {
	return toolResult{content: fmt.Sprintf(format, args...), isError: true}
}

// toolDefs are the tool declarations sent to the API.
func toolDefs(ts []tools.Tool) []anthropic.ToolUnionParam {
	out := make([]anthropic.ToolUnionParam, 0, len(ts))
	for _, t := range ts {
		out = append(out, t.Definition())
	}
	return out
}

// runTool executes one tool call. Failures are tool results with is_error,
// for the model to read; only cancellation is returned as an error.
func (a *Agent) runTool(ctx context.Context, model string, b Block, emit func(Event)) (toolResult, error) {
	ctx, span := telemetry.StartSpan(ctx, "hermes.tool.call", attribute.String("tool", b.Name))
	r, err := a.runToolTraced(ctx, model, b, emit)
	span.SetAttributes(attribute.Bool("is_error", r.isError), attribute.Bool("denied", r.denied))
	telemetry.End(span, err)
	return r, err
}

func (a *Agent) runToolTraced(ctx context.Context, model string, b Block, emit func(Event)) (toolResult, error) {
	t := tools.Find(a.allTools(ctx), b.Name)
	if t == nil {
		return errResult("unknown tool %q", b.Name), nil
	}
	if len(b.Input) > maxToolInputLen {
		return errResult("tool input is larger than %d bytes", maxToolInputLen), nil
	}
	if !json.Valid(b.Input) {
		return errResult("invalid input for %s: not JSON", b.Name), nil
	}
	if tools.Builtin(b.Name) == nil {
		// A tool from outside (an MCP server): the policy decides
		// here, deny rules first, as it does inside bash for bash.
		req := ApprovalRequest{ToolID: b.ID, Tool: b.Name, Input: b.Input, Title: b.Name + " " + tools.OneLineCut(ToolSummary(b.Name, b.Input), 200)}
		if r, ok, err := a.permitKind(ctx, b.Name, t.Kind(), "", req); !ok || err != nil {
			return r, err
		}
	}
	v, err := t.Run(ctx, a.env(model, emit), tools.Call{ID: b.ID, Name: b.Name, Input: b.Input, Model: model})
	if err != nil {
		return toolResult{}, err
	}
	return fromValue(v), nil
}

// subSystem is the sub-agent's system prompt.
const subSystem = "You are a sub-agent. Complete the task you are given using your tools if needed, then reply with the result only: it is returned verbatim to the agent that delegated the task."

// delegate runs a sub-agent on task (package tools has refused an empty
// one). It shares this agent's SDK client and so its Runtime: the same
// transport asks the same TokenSource per request, which keeps WIF bearer
// and reuses the cached token (no second exchange).
func (a *Agent) delegate(ctx context.Context, model, task string, emit func(Event)) (toolResult, error) {
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

// toolNames is the names of the tools a offers.
func (a *Agent) toolNames() []string {
	out := make([]string, 0, len(a.tools))
	for _, t := range a.tools {
		out = append(out, t.Name())
	}
	return out
}

// allTools is every tool offered now: the built-in ones, then MoreTools'
// that the policy offers (plan mode offers only read-only ones; a
// whole-tool deny rule takes one off).
func (a *Agent) allTools(ctx context.Context) []tools.Tool {
	if a.cfg.MoreTools == nil {
		return a.tools
	}
	out := slices.Clip(a.tools)
	for _, t := range a.cfg.MoreTools.Tools(ctx) {
		if tools.Builtin(t.Name()) == nil && tools.Find(out, t.Name()) == nil && a.policy.OfferedKind(t.Name(), t.Kind()) {
			out = append(out, t)
		}
	}
	if a.seen != nil {
		a.seen.Store(&out)
	}
	return out
}

// knownTools is the last allTools, or the built-in ones before the first.
func (a *Agent) knownTools() []tools.Tool {
	if a.seen != nil {
		if p := a.seen.Load(); p != nil {
			return *p
		}
	}
	return a.tools
}
