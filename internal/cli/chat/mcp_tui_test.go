package chat_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/hermestest"
	"github.com/hermes-agent/hermes/internal/ptytest"
)

// TestMCPInFullScreenChat: with a working and a broken MCP server
// configured, the full-screen chat shows the broken one's failure as a
// notice (not only on stderr after it ends); a model's mcp__test__echo
// call is asked about in the dialog, then runs on the server and its
// answer reaches the model; /status shows both servers' state.
func TestMCPInFullScreenChat(t *testing.T) {
	bin := hermestest.Binary(t)
	s := anthropictest.New(t, anthropictest.Config{Rules: []anthropictest.Rule{{ID: anthropictest.DefaultRuleID, Issuer: "https://unused.example"}}, APIKeys: []string{testKey}})
	config, err := json.Marshal(map[string]any{"mcpServers": map[string]any{
		"test":   map[string]any{"command": filepath.Join(filepath.Dir(bin), "mcp-standin")},
		"broken": map[string]any{"command": "/nonexistent/db-server"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "chat", "--base-url", s.URL, "--mcp-config", string(config))
	cmd.Dir = t.TempDir()
	cmd.Env = append(baseEnv(t.TempDir()), "ANTHROPIC_API_KEY="+testKey)
	con := ptytest.StartScreen(t, cmd, 40, 120)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	con.ExpectScreen("/help for commands")
	con.ExpectScreen("hermes: MCP server broken failed to start")

	s.Script(anthropictest.Reply{ToolUses: []anthropictest.ToolUse{{Name: "mcp__test__echo", Input: map[string]string{"text": "from the server"}}}})
	con.Send("call the echo tool\r")
	con.ExpectScreen(`hermes wants to mcp__test__echo {"text":"from the server"}`)
	con.Send("1")
	con.ExpectScreen("echo: echo: from the server")

	// After a turn every server has ended starting (the first turn waits
	// for them), so /status shows their final state.
	con.Send("/status\r")
	con.ExpectScreen("MCP servers: broken: failed: fork/exec /nonexistent/db-server")
	con.ExpectScreen("test: connected, 7 tools")
	con.Send("/exit\r")
	if err := <-exited; err != nil {
		t.Fatalf("hermes chat exited with %v", err)
	}
}

// TestProjectMCPServerApprovedOnTheTerminal: on a terminal an unapproved
// project server is asked about, showing what it would run; a yes starts
// it (its tool reaches the model) and is remembered in HERMES_HOME, so the
// next run neither asks nor skips it. A no skips it.
func TestProjectMCPServerApprovedOnTheTerminal(t *testing.T) {
	bin := hermestest.Binary(t)
	s := anthropictest.New(t, anthropictest.Config{Rules: []anthropictest.Rule{{ID: anthropictest.DefaultRuleID, Issuer: "https://unused.example"}}, APIKeys: []string{testKey}})
	work, home := t.TempDir(), t.TempDir()
	os.Mkdir(filepath.Join(work, ".git"), 0o700)
	standin := filepath.Join(filepath.Dir(bin), "mcp-standin")
	config, _ := json.Marshal(map[string]any{"mcpServers": map[string]any{"proj": map[string]any{"command": standin, "args": []string{"--from-the-repo"}}}})
	if err := os.WriteFile(filepath.Join(work, ".mcp.json"), config, 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(answer string) string {
		t.Helper()
		s.Script(anthropictest.Reply{ToolUses: []anthropictest.ToolUse{{Name: "mcp__proj__echo", Input: map[string]string{"text": "from the repo"}}}}, anthropictest.Reply{Text: "all done"})
		cmd := exec.Command(bin, "chat", "-q", "echo", "--base-url", s.URL, "--allowed-tools", "mcp__proj")
		cmd.Dir = work
		cmd.Env = append(baseEnv(home), "ANTHROPIC_API_KEY="+testKey)
		con := ptytest.Start(t, cmd)
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		if answer != "" {
			con.Expect("The project's .mcp.json configures the MCP server proj:")
			con.Expect(standin + " --from-the-repo")
			con.Expect("Choose 1-2:")
			con.Send(answer + "\r")
		}
		con.Expect("all done")
		if err := <-exited; err != nil {
			t.Fatalf("hermes chat -q exited with %v\n%s", err, con.Output())
		}
		reqs := s.MessageRequests()
		return reqs[len(reqs)-1].LastUserText()
	}
	if got := run("2"); !strings.Contains(got, `unknown tool "mcp__proj__echo"`) {
		t.Errorf("answered no: the model was told %q", got)
	}
	if got := run("1"); got != "echo: from the repo" {
		t.Errorf("answered yes: the model was told %q", got)
	}
	if _, err := os.Stat(filepath.Join(home, ".hermes", "mcp-approvals.json")); err != nil {
		t.Errorf("approval not remembered: %v", err)
	}
	if got := run(""); got != "echo: from the repo" {
		t.Errorf("remembered: the model was told %q", got)
	}
}
