package resolve

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/config"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/apiclient"
	"github.com/hermes-agent/hermes/internal/authstore"
	"github.com/hermes-agent/hermes/internal/credential"
)

func (w *world) addOAuth(access, refresh string, exp time.Time) {
	w.AddPool(authstore.Entry{AuthType: authstore.AuthTypeOAuth, Source: "oauth", AccessToken: access, RefreshToken: refresh,
		ExpiresAtMs: exp.UnixMilli(), TokenURL: w.API.URL + "/v1/oauth/token", ClientID: anthropictest.DefaultOAuthClientID, BaseURL: w.API.URL})
}

func listModels(t *testing.T, rt *credential.Runtime) {
	t.Helper()
	client := apiclient.New(rt)
	if _, err := client.Models.List(context.Background(), anthropic.ModelListParams{}); err != nil {
		t.Fatalf("models: %v", err)
	}
}

// A refused refresh marks the entry, says so in one line with the command,
// and the next credential is used.
func TestOAuthRevokedRefreshFallsThrough(t *testing.T) {
	w := newWorld(t, anthropictest.Config{})
	access, refresh, _ := w.API.IssueOAuthLogin(0)
	w.addOAuth(access, refresh, time.Now().Add(-time.Minute))
	w.API.RevokeRefreshTokens()
	w.Vars["ANTHROPIC_API_KEY"] = testAPIKey
	rt, err := w.resolver().Resolve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rt.Kind != credential.KindAPIKey {
		t.Fatalf("kind %s", rt.Kind)
	}
	msg := w.Stderr.String()
	if !strings.Contains(msg, "needs a new login") || !strings.Contains(msg, "run: hermes auth add anthropic --type oauth") || !strings.Contains(msg, "trying the next credential") {
		t.Fatalf("stderr %q", msg)
	}
	for _, s := range w.API.Secrets() {
		if strings.Contains(msg, s) {
			t.Fatal("stderr shows a secret")
		}
	}
	f, _ := authstore.Open(w.Home).Load()
	if f.Pool()[0].NeedsLogin == "" {
		t.Fatal("entry not marked")
	}
	// Next time: skipped without a request, and status says why.
	n := len(w.API.OAuthCalls())
	if _, err := w.resolver().Resolve(context.Background()); err != nil || len(w.API.OAuthCalls()) != n {
		t.Fatalf("second resolve: %v", err)
	}
	rep, _ := w.resolver().Report(context.Background())
	if st := rep.Sources[1]; st.OAuth == nil || st.OAuth.NeedsLogin == "" || st.OAuth.Refreshable || !strings.Contains(st.Detail, "needs a new login") {
		t.Fatalf("status %+v %+v", st, st.OAuth)
	}
}

// After a 401 the transport refreshes once and retries.
func TestOAuth401RefreshesAndRetries(t *testing.T) {
	w := newWorld(t, anthropictest.Config{})
	access, refresh, exp := w.API.IssueOAuthLogin(0)
	w.addOAuth(access, refresh, exp)
	rt, err := w.resolver().Resolve(context.Background())
	if err != nil || rt.Kind != credential.KindOAuth {
		t.Fatalf("%v %v", rt, err)
	}
	w.API.ExpireTokens() // the server revokes the access token early
	listModels(t, rt)
	if n := w.API.OAuthGrants(anthropictest.GrantTypeRefreshToken); n != 1 {
		t.Fatalf("refreshes %d", n)
	}
}

// A user_oauth profile written by the SDK's writers works in hermes, and
// the pair hermes rotates works in the official SDK (option.WithProfile).
func TestProfileRoundTripWithSDK(t *testing.T) {
	w := newWorld(t, anthropictest.Config{})
	dir := w.Vars["ANTHROPIC_CONFIG_DIR"]
	t.Setenv("ANTHROPIC_CONFIG_DIR", dir)
	for _, k := range []string{"ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_PROFILE", "ANTHROPIC_BASE_URL"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	auth := config.NewUserOAuthAuthentication(anthropictest.DefaultOAuthClientID)
	if err := config.SaveProfile(dir, "dev", &config.Config{AuthenticationInfo: auth, BaseURL: w.API.URL}); err != nil {
		t.Fatal(err)
	}
	access, refresh, _ := w.API.IssueOAuthLogin(0)
	past := time.Now().Add(-time.Minute)
	credPath := config.ProfileCredentialsPath(dir, "dev")
	if err := config.WriteCredentials(credPath, config.Credentials{AccessToken: access, RefreshToken: refresh, ExpiresAt: &past, AccountEmail: "dev@example.com"}); err != nil {
		t.Fatal(err)
	}
	// hermes: --credential profile:dev refreshes at the profile's base URL.
	r := w.resolver()
	r.Credential = "profile:dev"
	rt, err := r.Resolve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	listModels(t, rt)
	if n := w.API.OAuthGrants(anthropictest.GrantTypeRefreshToken); n != 1 {
		t.Fatalf("refreshes %d", n)
	}
	data, _ := os.ReadFile(credPath)
	var c config.Credentials
	if err := c.UnmarshalJSON(data); err != nil || c.AccessToken == access || c.RefreshToken == refresh || c.AccountEmail != "dev@example.com" {
		t.Fatalf("credentials after hermes refresh: %v", err)
	}
	// The SDK uses the pair hermes wrote, without refreshing again.
	client := anthropic.NewClient(option.WithProfile("dev"), option.WithMaxRetries(0))
	if _, err := client.Models.List(context.Background(), anthropic.ModelListParams{}); err != nil {
		t.Fatalf("SDK with the profile: %v", err)
	}
	if n := w.API.OAuthGrants(anthropictest.GrantTypeRefreshToken); n != 1 {
		t.Fatalf("SDK refreshed again: %d", n)
	}
	// The SDK refreshes (its token expired); hermes then uses the SDK's pair.
	past = time.Now().Add(-time.Minute)
	data, _ = os.ReadFile(credPath)
	c.UnmarshalJSON(data)
	c.ExpiresAt = &past
	config.WriteCredentials(credPath, c)
	client = anthropic.NewClient(option.WithProfile("dev"), option.WithMaxRetries(0))
	if _, err := client.Models.List(context.Background(), anthropic.ModelListParams{}); err != nil {
		t.Fatalf("SDK refresh: %v", err)
	}
	if n := w.API.OAuthGrants(anthropictest.GrantTypeRefreshToken); n != 2 {
		t.Fatalf("refreshes %d, want 2", n)
	}
	rt, err = r.Resolve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	listModels(t, rt)
	if n := w.API.OAuthGrants(anthropictest.GrantTypeRefreshToken); n != 2 {
		t.Fatalf("hermes refreshed the SDK's fresh pair: %d", n)
	}
}
