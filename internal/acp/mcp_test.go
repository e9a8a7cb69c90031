package acp

import (
	"context"
	"os"
	"strings"
	"testing"

	sdk "github.com/coder/acp-go-sdk"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/mcpstandin"
)

// editorStdio is the stand-in as an editor's stdio server called name.
func editorStdio(t *testing.T, name string) sdk.McpServer {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return sdk.McpServer{Stdio: &sdk.McpServerStdio{Name: name, Command: self, Args: []string{}, Env: []sdk.EnvVariable{{Name: "MCP_STANDIN_MAIN", Value: "1"}}}}
}

func echoCall(id, tool, text string) anthropictest.Reply {
	return anthropictest.Reply{ToolUses: []anthropictest.ToolUse{{ID: id, Name: tool, Input: map[string]string{"text": text}}}}
}

// lastOutput is the text of the last finished tool call and its status.
func lastOutput(t *testing.T, cl *testClient) (string, sdk.ToolCallStatus) {
	t.Helper()
	_, updates := cl.toolCalls()
	if len(updates) == 0 {
		t.Fatal("no tool call update")
	}
	last := updates[len(updates)-1]
	var text []string
	for _, c := range last.Content {
		if c.Content != nil && c.Content.Content.Text != nil {
			text = append(text, c.Content.Content.Text.Text)
		}
	}
	return strings.Join(text, "\n"), *last.Status
}

// An editor's MCP server's tool goes through the session's permission
// flow: with no rule the editor is asked (the call shown as the tool's
// own, "always" naming the tool's rule), and its answer decides; a
// loaded session (session/load) uses the servers the editor sends then,
// streamable HTTP here.
func TestEditorMCPServersAskTheEditor(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.s.Script(echoCall("toolu_m1", "mcp__ed__echo", "asked"), anthropictest.Reply{Text: "done"})
	cl := &testClient{permit: answer(optAllowOnce)}
	c := e.connect(e.config(), cl)
	ctx := context.Background()
	if _, err := c.Initialize(ctx, sdk.InitializeRequest{ProtocolVersion: sdk.ProtocolVersionNumber}); err != nil {
		t.Fatal(err)
	}
	ns, err := c.NewSession(ctx, sdk.NewSessionRequest{Cwd: e.cwd, McpServers: []sdk.McpServer{editorStdio(t, "ed")}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := prompt(ctx, c, ns.SessionId, "echo"); err != nil {
		t.Fatal(err)
	}
	if len(cl.asked) != 1 {
		t.Fatalf("%d permission requests", len(cl.asked))
	}
	req := cl.asked[0]
	if req.ToolCall.ToolCallId != "toolu_m1" || !strings.Contains(*req.ToolCall.Title, "mcp__ed__echo") || *req.ToolCall.Kind != sdk.ToolKindOther {
		t.Errorf("request %+v", req.ToolCall)
	}
	if len(req.Options) != 3 || !strings.Contains(req.Options[1].Name, "mcp__ed__echo") {
		t.Errorf("options %+v", req.Options)
	}
	if out, st := lastOutput(t, cl); st != sdk.ToolCallStatusCompleted || out != "echo: asked" {
		t.Errorf("allowed call: %s %q", st, out)
	}

	// Rejected: the server is never called, the model reads a denial.
	cl.mu.Lock()
	cl.permit = answer(optReject)
	cl.mu.Unlock()
	e.s.Script(echoCall("toolu_m2", "mcp__ed__echo", "refused"), anthropictest.Reply{Text: "ok"})
	if _, err := prompt(ctx, c, ns.SessionId, "echo again"); err != nil {
		t.Fatal(err)
	}
	if out, st := lastOutput(t, cl); st != sdk.ToolCallStatusFailed || strings.Contains(out, "echo: refused") {
		t.Errorf("rejected call: %s %q", st, out)
	}
	c.closeIn() // the editor quits; the session's servers stop

	// session/load with an HTTP server the editor sends this time.
	hs, err := mcpstandin.Serve("Bearer editor-token")
	if err != nil {
		t.Fatal(err)
	}
	defer hs.Close()
	cl2 := &testClient{permit: answer(optAllowOnce)}
	c2 := e.connect(e.config(), cl2)
	c2.Initialize(ctx, sdk.InitializeRequest{ProtocolVersion: sdk.ProtocolVersionNumber})
	web := sdk.McpServer{Http: &sdk.McpServerHttpInline{Name: "web", Type: "http", Url: hs.URL, Headers: []sdk.HttpHeader{{Name: "Authorization", Value: "Bearer editor-token"}}}}
	if _, err := c2.LoadSession(ctx, sdk.LoadSessionRequest{SessionId: ns.SessionId, Cwd: e.cwd, McpServers: []sdk.McpServer{web}}); err != nil {
		t.Fatal(err)
	}
	e.s.Script(echoCall("toolu_m3", "mcp__web__echo", "loaded"), anthropictest.Reply{Text: "ok"})
	if _, err := prompt(ctx, c2, ns.SessionId, "echo over http"); err != nil {
		t.Fatal(err)
	}
	if out, st := lastOutput(t, cl2); st != sdk.ToolCallStatusCompleted || out != "echo: loaded" {
		t.Errorf("loaded session's call: %s %q", st, out)
	}
}
