package agent

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/hermes-agent/hermes/internal/agent/tools"
	"github.com/hermes-agent/hermes/internal/anthropictest"
)

// fakeMCP is a tool from outside the agent, like an MCP server's.
type fakeMCP struct {
	name string
	kind tools.Kind
	ran  *int
}

func (f fakeMCP) Name() string     { return f.name }
func (f fakeMCP) Kind() tools.Kind { return f.kind }
func (f fakeMCP) Definition() anthropic.ToolUnionParam {
	return anthropic.ToolUnionParamOfTool(anthropic.ToolInputSchemaParam{}, f.name)
}
func (f fakeMCP) Summary(in json.RawMessage) string { return string(in) }
func (f fakeMCP) Run(context.Context, *tools.Env, tools.Call) (tools.Result, error) {
	*f.ran++
	return tools.Result{Content: "ran " + f.name, Images: []tools.Image{{MediaType: "image/png", Data: []byte("png")}}}, nil
}

type source []tools.Tool

func (s source) Tools(context.Context) []tools.Tool { return s }

// Tools from outside go through the same policy as bash: asked (denied
// without an Approver, naming the rule), allowed by mcp__SERVER, denied
// by a deny rule whatever the mode, not offered in plan mode; sub-agents
// get them under the same rules.
func TestMoreToolsUnderThePolicy(t *testing.T) {
	t.Parallel()
	ran := 0
	echo := fakeMCP{name: "mcp__srv__echo", kind: tools.Other, ran: &ran}
	look := fakeMCP{name: "mcp__srv__look", kind: tools.Read, ran: &ran}
	src := source{echo, look}
	dir := t.TempDir()

	a := toolAgent(t, dir, Config{MoreTools: src})
	r := call(t, a, "mcp__srv__echo", map[string]any{})
	if !r.denied || !strings.Contains(r.content, "--allowed-tools 'mcp__srv__echo'") || ran != 0 {
		t.Errorf("no rule: %+v (ran %d)", r, ran)
	}
	// A read-only kind (readOnlyHint, opted in) runs without asking.
	if r := call(t, a, "mcp__srv__look", map[string]any{}); r.isError || len(r.images) != 1 {
		t.Errorf("read-only: %+v", r)
	}

	a = toolAgent(t, dir, Config{MoreTools: src, Allow: []string{"mcp__srv"}})
	if r := call(t, a, "mcp__srv__echo", map[string]any{}); r.isError || r.content != "ran mcp__srv__echo" {
		t.Errorf("allowed: %+v", r)
	}
	if r := call(t, a.child(), "mcp__srv__echo", map[string]any{}); r.isError {
		t.Errorf("sub-agent: %+v", r)
	}

	a = toolAgent(t, dir, Config{MoreTools: src, PermissionMode: ModeBypassPermissions, Allow: []string{"mcp__srv"}, Deny: []string{"mcp__srv__echo"}})
	if r := call(t, a, "mcp__srv__echo", map[string]any{}); !r.isError || !strings.Contains(r.content, "unknown tool") {
		t.Errorf("deny: %+v", r)
	}
	a = toolAgent(t, dir, Config{MoreTools: src, Deny: []string{"mcp__srv__*"}})
	if r := call(t, a, "mcp__srv__look", map[string]any{}); !r.isError {
		t.Errorf("deny mcp__srv__*: %+v", r)
	}

	a = toolAgent(t, dir, Config{MoreTools: src, PermissionMode: ModePlan, Allow: []string{"mcp__srv"}})
	names := toolDefsNames(a.allTools(context.Background()))
	if strings.Contains(names, "mcp__srv__echo") || !strings.Contains(names, "mcp__srv__look") {
		t.Errorf("plan mode offers %s", names)
	}
}

func toolDefsNames(ts []tools.Tool) string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Name())
	}
	return strings.Join(out, ",")
}

// An MCP tool's image goes to the model as an image block of the
// tool_result, after the (masked) text, and a tool from outside is
// declared to the API beside the built-in ones.
func TestMoreToolsImageReachesTheAPI(t *testing.T) {
	t.Parallel()
	api, rt := standIn(t, anthropictest.Config{})
	api.Script(anthropictest.Reply{ToolUses: []anthropictest.ToolUse{{ID: "toolu_img", Name: "mcp__srv__shot", Input: map[string]string{}}}}, anthropictest.Reply{Text: "seen"})
	ran := 0
	a := newAgent(t, rt, Config{Model: anthropic.ModelClaudeSonnet5_5, Tools: []string{ToolReadFile}, WorkDir: t.TempDir(),
		MoreTools: source{fakeMCP{name: "mcp__srv__shot", kind: tools.Other, ran: &ran}}, Allow: []string{"mcp__srv"}})
	if _, err := a.Send(context.Background(), NewConversation(time.Now()), "look", nil); err != nil {
		t.Fatal(err)
	}
	reqs := api.MessageRequests()
	if len(reqs) != 2 || ran != 1 {
		t.Fatalf("%d requests, ran %d", len(reqs), ran)
	}
	var declared []string
	for _, tl := range reqs[0].Tools {
		declared = append(declared, tl.Name)
	}
	if strings.Join(declared, ",") != "read_file,mcp__srv__shot" {
		t.Errorf("declared %v", declared)
	}
	var body struct {
		Messages []struct {
			Content []struct {
				Type    string `json:"type"`
				Content []struct {
					Type   string `json:"type"`
					Text   string `json:"text"`
					Source struct {
						Type      string `json:"type"`
						MediaType string `json:"media_type"`
						Data      string `json:"data"`
					} `json:"source"`
				} `json:"content"`
			} `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(reqs[1].Raw, &body); err != nil {
		t.Fatal(err)
	}
	last := body.Messages[len(body.Messages)-1].Content
	if len(last) != 1 || last[0].Type != "tool_result" || len(last[0].Content) != 2 {
		t.Fatalf("tool result %+v", last)
	}
	text, img := last[0].Content[0], last[0].Content[1]
	if text.Text != "ran mcp__srv__shot" || img.Type != "image" || img.Source.Type != "base64" || img.Source.MediaType != "image/png" || img.Source.Data != base64.StdEncoding.EncodeToString([]byte("png")) {
		t.Errorf("tool result blocks %+v", last[0].Content)
	}
}
