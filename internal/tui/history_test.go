package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hermes-agent/hermes/internal/secret"
)

// A secret with no Anthropic shape (a proxy key in ANTHROPIC_AUTH_TOKEN)
// is kept out of the history by its value once it is in play.
func TestHistoryRedactsValuesInPlay(t *testing.T) {
	t.Parallel()
	const sentinel = "s3ntinel-history-5f2a9c7e1d3b8a4e06"
	path := filepath.Join(t.TempDir(), "history")
	// Written before the value was in play (an older hermes, another chat).
	if err := os.WriteFile(path, []byte(`"old prompt with `+sentinel+`"`+"\n"+`"harmless"`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	secret.Remember(sentinel) // what the resolver does with the credential
	h := OpenHistory(path)
	if got := h.Entries(); len(got) != 1 || got[0] != "harmless" {
		t.Fatalf("recalled entries %q: the one holding the value in play must not be", got)
	}
	if err := h.Add("try " + sentinel + " please"); err != nil {
		t.Fatal(err)
	}
	if err := h.Add("next question"); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "s3ntinel-history") {
		t.Fatalf("history file holds the secret:\n%s", data)
	}
	if string(data) != "\"harmless\"\n\"next question\"\n" {
		t.Errorf("history file %q", data)
	}
	for _, e := range h.Entries() {
		if strings.Contains(e, sentinel) {
			t.Errorf("in-memory entry %q holds the secret", e)
		}
	}
}

// Gateway keys are masked by shape: never in the history either.
func TestHistoryDropsGatewayKeys(t *testing.T) {
	t.Parallel()
	h := OpenHistory(filepath.Join(t.TempDir(), "history"))
	h.Add("use hgw_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789")
	if len(h.Entries()) != 0 {
		t.Errorf("entries %q", h.Entries())
	}
}
