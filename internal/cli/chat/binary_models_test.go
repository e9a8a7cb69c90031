package chat_test

//lint:file-ignore SA1019 the model catalogue names deprecated and retired models on purpose

import (
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/hermestest"
	"github.com/hermes-agent/hermes/internal/models"
	"github.com/hermes-agent/hermes/internal/ptytest"
)

// The terminal UI (the interactive chat on a terminal) with a stored
// session on the retired Sonnet 4.5: it says so at start and offers the
// default; /model of a retired model is refused with the message
// and the model stays; a model refused while answering offers the
// default and asks again.
func TestTUIRetiredSessionAndRefusedModel(t *testing.T) {
	s := anthropictest.New(t, anthropictest.Config{Rules: []anthropictest.Rule{{ID: anthropictest.DefaultRuleID, Issuer: "https://unused.example"}}, APIKeys: []string{testKey}})
	home := t.TempDir()
	env := append(baseEnv(home), "ANTHROPIC_API_KEY="+testKey)
	store := agent.NewStore(filepath.Join(home, ".hermes"))
	old := agent.NewConversation(time.Now())
	old.Model = anthropic.ModelClaudeSonnet4_5
	old.Messages = []agent.Message{
		{Role: "user", Content: []agent.Block{{Type: "text", Text: "earlier"}}},
		{Role: "assistant", Content: []agent.Block{{Type: "text", Text: "echo: earlier"}}},
	}
	if err := store.Save(old, time.Now()); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(hermestest.Binary(t), "chat", "--base-url", s.URL, "-r", old.ID)
	cmd.Env = env
	con := ptytest.StartScreen(t, cmd, 40, 120)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	con.ExpectScreen("This session's model claude-sonnet-4-5 reached end-of-life on November 30, 2026.")
	con.ExpectScreen("Switch this session to " + models.Default() + "?")
	con.Send("\r")
	con.ExpectScreen("Model: " + models.Default())
	con.Send("still there?\r")
	con.ExpectScreen("echo: still there?")

	// /model of a retired model: refused, with what to do; the model stays.
	con.Send("/model claude-sonnet-4-5\r")
	con.ExpectScreen(`refused the model "claude-sonnet-4-5": it may be retired`)
	con.ExpectScreen("Model stays " + models.Default())

	// The API refuses the session's model while answering: the error,
	// then the offer; Enter switches and asks again.
	con.Send("/model " + anthropic.ModelClaudeOpus4_8 + "\r")
	con.ExpectScreen("Model: " + anthropic.ModelClaudeOpus4_8)
	s.RefuseModel(anthropic.ModelClaudeOpus4_8, 404)
	con.Send("and now?\r")
	con.ExpectScreen("hermes cron edit NAME --model " + models.Default())
	con.ExpectScreen("Switch this session to " + models.Default() + " and ask again?")
	con.Send("\r")
	con.ExpectScreen("echo: and now?")
	con.Send("/exit\r")
	if err := <-exited; err != nil {
		t.Fatalf("hermes chat exited with %v", err)
	}
	var models []string
	for _, r := range s.MessageRequests() {
		models = append(models, r.Model)
	}
	want := []string{anthropic.ModelClaudeSonnet5_5, anthropic.ModelClaudeOpus4_8, anthropic.ModelClaudeSonnet5_5}
	if len(models) != len(want) || models[0] != want[0] || models[1] != want[1] || models[2] != want[2] {
		t.Errorf("requests' models %q, want %q", models, want)
	}
}
