package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/cli/factory"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

// wifHarness runs chat with the real resolver: WIF from the SDK's
// environment variables, a token file from the stand-in issuer.
type wifHarness struct {
	*harness
	iss       *oidctest.Issuer
	s         *anthropictest.Server
	tokenFile string
}

func newWIFHarness(t *testing.T) *wifHarness {
	t.Helper()
	iss := oidctest.New(t)
	s := anthropictest.New(t, anthropictest.Config{Issuer: iss})
	h := newHarness(t, s.URL, "")
	w := &wifHarness{harness: h, iss: iss, s: s, tokenFile: filepath.Join(t.TempDir(), "token")}
	w.rotate(t)
	h.env["ANTHROPIC_BASE_URL"] = s.URL
	h.env["ANTHROPIC_FEDERATION_RULE_ID"] = anthropictest.DefaultRuleID
	h.env["ANTHROPIC_ORGANIZATION_ID"] = anthropictest.DefaultOrgID
	h.env["ANTHROPIC_IDENTITY_TOKEN_FILE"] = w.tokenFile
	// A stray API key must not win over WIF, nor ever be sent.
	h.env["ANTHROPIC_API_KEY"] = testKey
	real := factory.New()
	real.IO, real.Getenv, real.Now = h.f.IO, h.f.Getenv, h.f.Now
	h.f = real
	return w
}

// rotate writes a fresh JWT to the token file, as a workload's token
// rotation does.
func (w *wifHarness) rotate(t *testing.T) {
	if err := os.WriteFile(w.tokenFile, []byte(w.iss.Mint(oidctest.Claims{})), 0o600); err != nil {
		t.Fatal(err)
	}
}

// assertBearerOnly checks that every API call carried the bearer token.
func (w *wifHarness) assertBearerOnly(t *testing.T) {
	t.Helper()
	for _, r := range w.s.Requests() {
		if r.Path == "/v1/messages" && (r.AuthScheme != "bearer" || !strings.Contains(r.Beta, anthropictest.OAuthBeta)) {
			t.Errorf("%s %s: auth %s, beta %q", r.Method, r.Path, r.AuthScheme, r.Beta)
		}
	}
}

func (w *wifHarness) assertNoSecrets(t *testing.T) {
	t.Helper()
	for _, sec := range w.s.Secrets() {
		assertNoSecret(t, w.harness, sec)
	}
}

func TestWIFDelegateSharesTheRuntime(t *testing.T) {
	w := newWIFHarness(t)
	w.s.Script(
		anthropictest.Reply{ToolUses: []anthropictest.ToolUse{
			{ID: "toolu_a", Name: "delegate", Input: map[string]string{"task": "task a"}},
			{ID: "toolu_b", Name: "delegate", Input: map[string]string{"task": "task b"}},
		}},
		anthropictest.Reply{Text: "sub answer"},
		anthropictest.Reply{Text: "sub answer"},
		anthropictest.Reply{Text: "final answer"},
	)
	if err := w.run(context.Background(), "-q", "go", "--tools", "delegate", "--format", "json"); err != nil {
		t.Fatalf("%v\nstderr: %s", err, w.errOut)
	}
	var res result
	json.Unmarshal(w.out.Bytes(), &res)
	if res.Text != "final answer" || len(w.s.MessageRequests()) != 4 {
		t.Fatalf("result %+v after %d requests", res, len(w.s.MessageRequests()))
	}
	// A second process with the same configuration reuses the cached token.
	w.out.Reset()
	if err := w.run(context.Background(), "-q", "again"); err != nil {
		t.Fatal(err)
	}
	if n := w.s.ExchangeCount(); n != 1 {
		t.Errorf("%d exchanges, want 1", n)
	}
	w.assertBearerOnly(t)
	w.assertNoSecrets(t)
	assertNoSecret(t, w.harness, testKey)
}

func TestWIFLongChatOutlivesTokens(t *testing.T) {
	w := newWIFHarness(t)
	rt, err := w.f.Resolve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	w.rt = rt
	sess, err := w.session(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	lines := make(chanReader)
	done := make(chan error)
	go func() { done <- sess.loop(context.Background(), lines, make(chan struct{})) }()
	for i, p := range []string{"one", "two", "three"} {
		if i > 0 {
			// The previous token dies server-side; the workload has a new JWT.
			w.s.ExpireTokens()
			w.rotate(t)
		}
		lines <- p
		lines <- "/help" // returns once the answer above is complete
	}
	close(lines)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	out := w.out.String()
	for _, want := range []string{"echo: one", "echo: two", "echo: three"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "error:") {
		t.Errorf("an answer failed:\n%s", out)
	}
	if n := w.s.ExchangeCount(); n != 3 {
		t.Errorf("%d exchanges, want 3 (one per token lifetime)", n)
	}
	w.assertBearerOnly(t)
	w.assertNoSecrets(t)
	if bytes.Contains(w.errOut.Bytes(), []byte(testKey)) {
		t.Error("API key in stderr")
	}
}
