package anthropictest_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

// TestOfficialSDKEnvFederation drives the doubles with the official SDK's
// own env-var WIF: it exchanges, streams a reply with the bearer token, and
// a second client presenting the same JWT is refused.
func TestOfficialSDKEnvFederation(t *testing.T) {
	iss, srv := newPair(t)
	tokenFile := filepath.Join(t.TempDir(), "token.jwt")
	if err := os.WriteFile(tokenFile, []byte(iss.Mint(oidctest.Claims{})+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"ANTHROPIC_API_KEY": "", "ANTHROPIC_AUTH_TOKEN": "", "ANTHROPIC_PROFILE": "", "ANTHROPIC_IDENTITY_TOKEN": "",
		"ANTHROPIC_CONFIG_DIR":          t.TempDir(),
		"ANTHROPIC_BASE_URL":            srv.URL,
		"ANTHROPIC_FEDERATION_RULE_ID":  anthropictest.DefaultRuleID,
		"ANTHROPIC_ORGANIZATION_ID":     anthropictest.DefaultOrgID,
		"ANTHROPIC_IDENTITY_TOKEN_FILE": tokenFile,
	} {
		t.Setenv(k, v)
	}
	for _, k := range []string{"ANTHROPIC_SERVICE_ACCOUNT_ID", "ANTHROPIC_WORKSPACE_ID"} {
		t.Setenv(k, "") // restores the old value after the test
		os.Unsetenv(k)  // the SDK reads presence, not emptiness
	}
	ctx := context.Background()
	srv.Script(anthropictest.Reply{Text: "streamed over WIF"})

	client := anthropic.NewClient(option.WithMaxRetries(0))
	stream := client.Messages.NewStreaming(ctx, userParams("hi"))
	var msg anthropic.Message
	for stream.Next() {
		if err := msg.Accumulate(stream.Current()); err != nil {
			t.Fatal(err)
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatalf("stream: %v (exchanges %+v)", err, srv.Exchanges())
	}
	if len(msg.Content) != 1 || msg.Content[0].Text != "streamed over WIF" {
		t.Errorf("reply = %+v", msg.Content)
	}
	if srv.ExchangeCount() != 1 {
		t.Fatalf("ExchangeCount = %d, want 1", srv.ExchangeCount())
	}
	var api []anthropictest.Request
	for _, r := range srv.Requests() {
		if r.Path == "/v1/messages" {
			api = append(api, r)
		}
	}
	if len(api) != 1 || api[0].AuthScheme != "bearer" || !strings.Contains(api[0].Beta, "oauth-2025-04-20") || api[0].WorkspaceHeader != "" {
		t.Errorf("API request = %+v", api)
	}
	if tokens := srv.AccessTokens(); len(tokens) != 1 || api[0].CredentialHash != anthropictest.HashCredential(tokens[0]) {
		t.Error("the API call did not carry the minted token")
	}

	second := anthropic.NewClient(option.WithMaxRetries(0))
	_, err := second.Messages.New(ctx, userParams("again"))
	if err == nil {
		t.Fatal("second client reusing the JWT succeeded")
	}
	if !strings.Contains(err.Error(), "401") {
		t.Errorf("second client error = %v, want a 401", err)
	}
	ex := srv.Exchanges()
	if last := ex[len(ex)-1]; last.Status != http.StatusUnauthorized || last.Reason != "jti_reused" {
		t.Errorf("last exchange = %+v, want 401 jti_reused", last)
	}
	if srv.ExchangeCount() != 1 {
		t.Errorf("ExchangeCount = %d after the refused reuse", srv.ExchangeCount())
	}
}
