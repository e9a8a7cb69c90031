package acp

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	sdk "github.com/coder/acp-go-sdk"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/cli/factory"
	"github.com/hermes-agent/hermes/internal/iostreams"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

// A session open for longer than its tokens live keeps answering: the
// credential is asked per request, a refused (expired) token is replaced
// once, with a fresh JWT from the rotating token file — one exchange per
// token lifetime, no more.
func TestWIFSessionOutlivesItsTokens(t *testing.T) {
	t.Parallel()
	iss := oidctest.New(t)
	s := anthropictest.New(t, anthropictest.Config{Issuer: iss})
	home, cwd := t.TempDir(), t.TempDir()
	tokenFile := filepath.Join(t.TempDir(), "token")
	rotate := func() {
		if err := os.WriteFile(tokenFile, []byte(iss.Mint(oidctest.Claims{})), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	rotate()
	vars := map[string]string{
		"HERMES_HOME":                   home,
		"ANTHROPIC_BASE_URL":            s.URL,
		"ANTHROPIC_FEDERATION_RULE_ID":  anthropictest.DefaultRuleID,
		"ANTHROPIC_ORGANIZATION_ID":     anthropictest.DefaultOrgID,
		"ANTHROPIC_IDENTITY_TOKEN_FILE": tokenFile,
	}
	ios, _, _, errOut := iostreams.Test()
	f := factory.New()
	f.IO, f.Getenv = ios, func(k string) string { return vars[k] }

	e := &env{t: t, s: s, home: home, cwd: cwd, vars: vars, stderr: &iostreams.SyncBuffer{}, resolve: f.Resolve}
	cl := &testClient{}
	c, id := e.start(cl, sdk.ClientCapabilities{})
	for i, p := range []string{"one", "two", "three"} {
		if i > 0 {
			s.ExpireTokens() // the last token dies server-side
			rotate()         // and the workload has a new JWT
		}
		if _, err := prompt(context.Background(), c, id, p); err != nil {
			t.Fatalf("prompt %s: %v", p, err)
		}
	}
	if got := cl.messageText(); got != "echo: oneecho: twoecho: three" {
		t.Errorf("answers %q", got)
	}
	if n := s.ExchangeCount(); n != 3 {
		t.Errorf("%d exchanges, want 3 (one per token lifetime)", n)
	}
	for _, r := range s.Requests() {
		if r.Path == "/v1/messages" && r.AuthScheme != "bearer" {
			t.Errorf("%s with %s auth", r.Path, r.AuthScheme)
		}
	}
	for _, sec := range s.Secrets() {
		if strings.Contains(errOut.String(), sec) || strings.Contains(e.stderr.String(), sec) {
			t.Error("a token or assertion reached the log")
		}
	}
}
