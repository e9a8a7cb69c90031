package cron

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/credential"
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
	r := AgentRunner{SecretPaths: func() []string { return []string{home} }}
	out, err := r.Run(context.Background(), rt, Job{Name: "j", Prompt: "read it", Tools: []string{"read_file"}, Dir: dir})
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
