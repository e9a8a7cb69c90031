package acp

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	sdk "github.com/coder/acp-go-sdk"
)

// A session reads the project instructions of its own cwd (the editor's
// project), not hermes's work dir, and is offered every tool it is given.
func TestSessionGetsInstructionsOfItsCwd(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	writeFile(t, filepath.Join(e.cwd, "AGENTS.md"), "Editor project rule: use tabs.\n")
	c, id := e.start(&testClient{}, sdk.ClientCapabilities{})
	if _, err := prompt(context.Background(), c, id, "hi"); err != nil {
		t.Fatal(err)
	}
	m := e.s.MessageRequests()[0]
	for _, want := range []string{"Working directory: " + e.cwd, "## " + filepath.Join(e.cwd, "AGENTS.md") + "\n\nEditor project rule: use tabs."} {
		if !strings.Contains(m.System, want) {
			t.Errorf("system prompt lacks %q:\n%s", want, m.System)
		}
	}

	cfg := e.config()
	cfg.NoProjectInstructions = true
	c2 := e.connect(cfg, &testClient{})
	ctx := context.Background()
	if _, err := c2.Initialize(ctx, sdk.InitializeRequest{ProtocolVersion: sdk.ProtocolVersionNumber}); err != nil {
		t.Fatal(err)
	}
	ns, err := c2.NewSession(ctx, sdk.NewSessionRequest{Cwd: e.cwd, McpServers: []sdk.McpServer{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := prompt(ctx, c2, ns.SessionId, "again"); err != nil {
		t.Fatal(err)
	}
	reqs := e.s.MessageRequests()
	if sys := reqs[len(reqs)-1].System; strings.Contains(sys, "use tabs") || !strings.Contains(sys, "You are hermes") {
		t.Errorf("--no-project-instructions: system prompt:\n%s", sys)
	}
}
