package acp

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	sdk "github.com/coder/acp-go-sdk"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/agent/tools"
	"github.com/hermes-agent/hermes/internal/termtext"
)

// turn turns one prompt's agent events into session/update notifications.
// agent.Send calls event from one goroutine at a time.
type turn struct {
	s  *Server
	ss *session
	// diffs holds each pending edit's diff by tool-call id, so the
	// finished call still shows what it changed.
	diffs map[string]*sdk.ToolCallContent
}

func newTurn(s *Server, ss *session) *turn {
	return &turn{s: s, ss: ss, diffs: map[string]*sdk.ToolCallContent{}}
}

// update sends one notification. It uses the connection's context, not
// the prompt's: what happened before a cancel is still reported.
func (t *turn) update(u sdk.SessionUpdate) {
	if err := t.s.client().SessionUpdate(t.s.ctx, sdk.SessionNotification{SessionId: sdk.SessionId(t.ss.id), Update: u}); err != nil {
		t.s.log.Debug("session/update not sent", "session", t.ss.id, "error", err)
	}
}

func (t *turn) message(text string) { t.update(sdk.UpdateAgentMessageText(text)) }

func (t *turn) event(e agent.Event) {
	switch e.Type {
	case "text":
		// Sub-agents' text is their answer to the delegate call, which
		// reaches the editor as that call's result.
		if e.Depth == 0 && e.Text != "" {
			t.message(e.Text)
		}
	case "thinking":
		if e.Depth == 0 && e.Thinking != "" {
			t.update(sdk.UpdateAgentThoughtText(e.Thinking))
		}
	case "tool_use":
		info := describeTool(e.Tool, e.Kind, e.Input, t.ss.cwd)
		if info.diff != nil {
			t.diffs[e.ToolID] = info.diff
		}
		t.update(toolCallStart(e.ToolID, info, e.Input))
	case "tool_result":
		out := e.Output
		if out == "" {
			out = e.Text
		}
		failed := e.IsError || e.Denied
		diff := t.diffs[e.ToolID]
		delete(t.diffs, e.ToolID)
		if failed {
			diff = nil // nothing was changed
		}
		t.update(toolCallResult(e.ToolID, out, failed, diff))
	}
}

// toolInfo is what the editor shows of a call: a title, a kind, and the
// files it touches.
type toolInfo struct {
	title     string
	kind      sdk.ToolKind
	locations []sdk.ToolCallLocation
	// diff is the protocol's diff content for write_file and edit_file,
	// from the call's own input: the replaced text and its replacement
	// for an edit, the new content for a write.
	diff *sdk.ToolCallContent
}

// describeTool derives the display of a call from the tool value's kind
// (kind, when the agent's event names it, else the built-in tool's) and
// its input: no list of tool names here, so a tool added to package tools
// or brought by an MCP server shows as what it is.
func describeTool(name, kind string, input json.RawMessage, cwd string) toolInfo {
	var in struct {
		Path    string  `json:"path"`
		Pattern string  `json:"pattern"`
		Command string  `json:"command"`
		Task    string  `json:"task"`
		Content *string `json:"content"`
		Old     *string `json:"old_string"`
		New     *string `json:"new_string"`
	}
	_ = json.Unmarshal(input, &in)
	k := tools.Kind(kind)
	if k == "" {
		k = tools.KindOf(name)
	}
	info := toolInfo{title: name, kind: acpKind(k)}
	abs := ""
	if in.Path != "" {
		abs = in.Path
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(cwd, abs)
		}
		info.locations = []sdk.ToolCallLocation{{Path: filepath.Clean(abs)}}
	}
	if tools.Builtin(name) == nil {
		return info // an MCP server's or the API's tool: its name
	}
	switch k {
	case tools.Read:
		info.title = "Read " + shown(cmpStr(in.Path, "."))
	case tools.Search:
		if in.Pattern != "" {
			info.title = name + " " + termtext.OneLine(in.Pattern, 80)
		} else {
			info.title = "List " + shown(cmpStr(in.Path, "."))
		}
	case tools.Edit:
		switch {
		case in.Content != nil:
			info.title = "Write " + shown(in.Path)
			if abs != "" {
				d := sdk.ToolDiffContent(filepath.Clean(abs), *in.Content)
				info.diff = &d
			}
		default:
			info.title = "Edit " + shown(in.Path)
			if abs != "" && in.Old != nil && in.New != nil {
				d := sdk.ToolDiffContent(filepath.Clean(abs), *in.New, *in.Old)
				info.diff = &d
			}
		}
	case tools.Execute:
		info.title = termtext.OneLine(in.Command, 120)
	case tools.Delegate:
		info.title = "Delegate: " + termtext.OneLine(in.Task, 100)
	}
	return info
}

// acpKind is a tool kind as ACP spells it (a sub-agent thinks).
func acpKind(k tools.Kind) sdk.ToolKind {
	switch k {
	case tools.Read:
		return sdk.ToolKindRead
	case tools.Search:
		return sdk.ToolKindSearch
	case tools.Edit:
		return sdk.ToolKindEdit
	case tools.Execute:
		return sdk.ToolKindExecute
	case tools.Delegate:
		return sdk.ToolKindThink
	}
	return sdk.ToolKindOther
}

func toolCallStart(id string, info toolInfo, input json.RawMessage) sdk.SessionUpdate {
	opts := []sdk.ToolCallStartOpt{
		sdk.WithStartKind(info.kind),
		sdk.WithStartStatus(sdk.ToolCallStatusPending),
		sdk.WithStartRawInput(rawInput(input)),
	}
	if len(info.locations) > 0 {
		opts = append(opts, sdk.WithStartLocations(info.locations))
	}
	if info.diff != nil {
		opts = append(opts, sdk.WithStartContent([]sdk.ToolCallContent{*info.diff}))
	}
	return sdk.StartToolCall(sdk.ToolCallId(id), info.title, opts...)
}

// toolCallResult ends a call with its (already masked) output, after the
// diff of a successful edit when there is one.
func toolCallResult(id, output string, isError bool, diff *sdk.ToolCallContent) sdk.SessionUpdate {
	status := sdk.ToolCallStatusCompleted
	if isError {
		status = sdk.ToolCallStatusFailed
	}
	opts := []sdk.ToolCallUpdateOpt{sdk.WithUpdateStatus(status)}
	var content []sdk.ToolCallContent
	if diff != nil {
		content = append(content, *diff)
	}
	if output != "" {
		content = append(content, sdk.ToolContent(sdk.TextBlock(output)))
	}
	if len(content) > 0 {
		opts = append(opts, sdk.WithUpdateContent(content))
	}
	return sdk.UpdateToolCall(sdk.ToolCallId(id), opts...)
}

// rawInput hands the client the input as JSON, not as a string of it.
func rawInput(input json.RawMessage) any {
	var v any
	if json.Unmarshal(input, &v) != nil {
		return map[string]any{}
	}
	return v
}

// replay sends a stored conversation as the updates a live one would have
// produced: user and agent message chunks, tool calls and their results.
func (s *Server) replay(ctx context.Context, ss *session, msgs []agent.Message) {
	t := newTurn(s, ss)
	for _, m := range msgs {
		for _, b := range m.Content {
			switch {
			case b.Type == "text" && m.Role == "user":
				t.update(sdk.UpdateUserMessageText(b.Text))
			case b.Type == "text":
				t.message(b.Text)
			case b.Type == "tool_use":
				t.update(toolCallStart(b.ID, describeTool(b.Name, "", b.Input, ss.cwd), b.Input))
			case b.Type == "tool_result":
				t.update(toolCallResult(b.ToolUseID, b.Content, b.IsError, nil))
			}
		}
	}
}

// maxPromptBytes bounds one prompt, context included.
const maxPromptBytes = 4 << 20

// promptText flattens the prompt's content blocks into the user message:
// text as is, embedded resources (the editor's @-mentions and selections)
// as tagged context, links as references the file tools can follow.
func promptText(blocks []sdk.ContentBlock) (string, error) {
	var b strings.Builder
	for _, c := range blocks {
		switch {
		case c.Text != nil:
			b.WriteString(c.Text.Text)
		case c.Resource != nil && c.Resource.Resource.TextResourceContents != nil:
			r := c.Resource.Resource.TextResourceContents
			fmt.Fprintf(&b, "\n<context uri=%q>\n%s\n</context>\n", r.Uri, r.Text)
		case c.Resource != nil:
			return "", sdk.NewInvalidParams(map[string]any{"error": "binary embedded resources are not supported: attach text"})
		case c.ResourceLink != nil:
			fmt.Fprintf(&b, "[@%s](%s)", c.ResourceLink.Name, c.ResourceLink.Uri)
		case c.Image != nil, c.Audio != nil:
			return "", sdk.NewInvalidParams(map[string]any{"error": "images and audio are not supported by hermes yet (promptCapabilities)"})
		}
		if b.Len() > maxPromptBytes {
			return "", sdk.NewInvalidParams(map[string]any{"error": fmt.Sprintf("the prompt is larger than %d bytes", maxPromptBytes)})
		}
	}
	if strings.TrimSpace(b.String()) == "" {
		return "", sdk.NewInvalidParams(map[string]any{"error": "empty prompt"})
	}
	return b.String(), nil
}

func shown(p string) string { return termtext.OneLine(p, 100) }

func cmpStr(v, def string) string {
	if v != "" {
		return v
	}
	return def
}
