package cron

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/cron"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

// A job whose directory holds HERMES_HOME (added from $HOME) cannot read
// the credential store: the model gets a refusal, never the stored key.
func TestAgentRunnerProtectsCredentialStores(t *testing.T) {
	const apiKey = "sk-ant-api03-RUNNERkeyRUNNERkeyRUNNERkey"
	const stored = "sk-ant-api03-STOREDcronSTOREDcronSTORED"
	api := anthropictest.New(t, anthropictest.Config{Issuer: oidctest.New(t), APIKeys: []string{apiKey}})
	api.Script(anthropictest.Reply{ToolUses: []anthropictest.ToolUse{{Name: "read_file", Input: map[string]string{"path": ".hermes/auth.json"}}}})
	dir := t.TempDir()
	home := filepath.Join(dir, ".hermes")
	os.Mkdir(home, 0o700)
	os.WriteFile(filepath.Join(home, "auth.json"), []byte(`{"version":1,"credential_pool":{"anthropic":[{"secret":"`+stored+`"}]}}`), 0o600)

	rt := credential.NewStaticRuntime(api.URL, credential.ModeAPIKey, credential.KindAPIKey, "test", apiKey)
	r := agentRunner{SecretPaths: func() []string { return []string{home} }}
	out, err := r.Run(context.Background(), rt, cron.Job{Name: "j", Prompt: "read it", Tools: []string{"read_file"}, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	// The stand-in echoes the tool result it received.
	if !strings.Contains(out, "refused: .hermes/auth.json is inside a credential store") {
		t.Errorf("output = %q, want the refusal", out)
	}
	for _, m := range api.MessageRequests() {
		if strings.Contains(string(m.Raw), "STOREDcron") {
			t.Error("the stored key reached the API")
		}
	}
}

// A call the job's rules do not allow is denied (nobody is asked in a
// cron run), and the run's output says so with the rule that would allow
// it, even when the model's answer does not mention it.
func TestAgentRunnerShowsDenials(t *testing.T) {
	const apiKey = "sk-ant-api03-RUNNERkeyRUNNERkeyRUNNERkey"
	api := anthropictest.New(t, anthropictest.Config{Issuer: oidctest.New(t), APIKeys: []string{apiKey}})
	api.Script(anthropictest.Reply{ToolUses: []anthropictest.ToolUse{{Name: "bash", Input: map[string]string{"command": "touch made"}}}},
		anthropictest.Reply{Text: "All done."})
	dir := t.TempDir()
	rt := credential.NewStaticRuntime(api.URL, credential.ModeAPIKey, credential.KindAPIKey, "test", apiKey)
	out, err := agentRunner{Home: t.TempDir()}.Run(context.Background(), rt, cron.Job{Name: "j", Prompt: "make it", Tools: []string{"bash"}, Dir: dir, AllowedTools: []string{"bash(echo:*)"}})
	if err != nil {
		t.Fatal(err)
	}
	want := "All done.\n\n[hermes: 1 tool call(s) denied by the permission rules]\n✗ bash · permission denied: bash: touch made needs approval and nobody can be asked here, allow it with --allowed-tools 'bash(touch:*)'"
	if out != want {
		t.Errorf("output =\n%s\nwant\n%s", out, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "made")); err == nil {
		t.Error("the denied command ran")
	}
}

// A job's stored budget stops its run after the call that passes it: the
// run fails with the partial answer as output, and no more calls are made.
func TestAgentRunnerBudget(t *testing.T) {
	const apiKey = "sk-ant-api03-RUNNERkeyRUNNERkeyRUNNERkey"
	api := anthropictest.New(t, anthropictest.Config{Issuer: oidctest.New(t), APIKeys: []string{apiKey}})
	api.Script(anthropictest.Reply{Text: "partial", ToolUses: []anthropictest.ToolUse{{Name: "list_files", Input: map[string]string{}}}},
		anthropictest.Reply{Text: "never"})
	rt := credential.NewStaticRuntime(api.URL, credential.ModeAPIKey, credential.KindAPIKey, "test", apiKey)
	out, err := agentRunner{Home: t.TempDir()}.Run(context.Background(), rt, cron.Job{Name: "j", Prompt: "go", Tools: []string{"list_files"}, Dir: t.TempDir(), MaxBudgetUSD: 1e-9})
	var be *agent.BudgetError
	if !errors.As(err, &be) || out != "partial" {
		t.Fatalf("out %q, err %v", out, err)
	}
	if n := len(api.MessageRequests()); n != 1 {
		t.Errorf("%d calls, want 1", n)
	}
}

// A job reads the project instructions of the directory it was added
// from (not the daemon's), keeps exactly its stored tools (none here),
// and its stored --system is added after the default prompt.
func TestAgentRunnerSystemPromptFromJobDir(t *testing.T) {
	const apiKey = "sk-ant-api03-RUNNERkeyRUNNERkeyRUNNERkey"
	api := anthropictest.New(t, anthropictest.Config{Issuer: oidctest.New(t), APIKeys: []string{apiKey}})
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "AGENTS.md"), []byte("Job dir rule: answer in haiku.\n"), 0o644)
	home := t.TempDir()
	os.WriteFile(filepath.Join(home, "AGENTS.md"), []byte("User rule: sign with H.\n"), 0o600)
	rt := credential.NewStaticRuntime(api.URL, credential.ModeAPIKey, credential.KindAPIKey, "test", apiKey)
	if _, err := (agentRunner{Home: home}).Run(context.Background(), rt, cron.Job{Name: "j", Prompt: "hi", Dir: dir, System: "Stored system text."}); err != nil {
		t.Fatal(err)
	}
	m := api.MessageRequests()[0]
	for _, want := range []string{"Working directory: " + dir, "No tools are offered", "User rule: sign with H.", "Job dir rule: answer in haiku."} {
		if !strings.Contains(m.System, want) {
			t.Errorf("system prompt lacks %q:\n%s", want, m.System)
		}
	}
	if !strings.HasSuffix(m.System, "\nStored system text.") || len(m.Tools) != 0 {
		t.Errorf("system = %q, tools = %v", m.System, m.Tools)
	}
}
