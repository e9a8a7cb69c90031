package resolve

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/apiclient"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/credential/wif"
	"github.com/hermes-agent/hermes/internal/identity"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

// The SDK client built on a runtime sends only the runtime's credential:
// not one of its own, not one from the environment.
func TestNewClientUsesOnlyTheRuntimeCredential(t *testing.T) {
	w := newWorld(t, anthropictest.Config{})
	t.Setenv("ANTHROPIC_API_KEY", "sk-ant-api03-AMBIENTambientAMBIENTambientAMBIENT-0000AA")
	t.Setenv("ANTHROPIC_AUTH_TOKEN", "sk-ant-oat01-AMBIENTambientAMBIENTambientAMBIENT-0000AA")
	t.Setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")
	w.ConfigureWIF(identity.Config{Source: identity.SourceFile, Path: w.TokenFile(oidctest.Claims{})})
	rt := mustResolve(t, w.resolver())
	res := apiclient.Check(context.Background(), rt)
	if !res.OK || res.APIStatus != 200 || res.APIRequestID == "" || res.ExchangeRequestID == "" {
		t.Fatalf("check: %+v", res)
	}
	key := credential.NewStaticRuntime(w.API.URL, credential.ModeAPIKey, credential.KindAPIKey, "t", testAPIKey)
	c := apiclient.New(key)
	if _, err := c.Models.List(context.Background(), anthropic.ModelListParams{}); err != nil {
		t.Fatal(err)
	}
	reqs := w.API.Requests()
	var models []anthropictest.Request
	for _, r := range reqs {
		if r.Path == "/v1/models" {
			models = append(models, r)
		}
	}
	if len(models) != 2 {
		t.Fatalf("requests %+v", reqs)
	}
	if models[0].AuthScheme != "bearer" || models[1].AuthScheme != "x-api-key" {
		t.Errorf("schemes %s, %s (\"other\" would mean both headers)", models[0].AuthScheme, models[1].AuthScheme)
	}
	if models[1].CredentialHash != anthropictest.HashCredential(testAPIKey) {
		t.Error("the API key sent is not the runtime's")
	}
}

func TestSentinelSecretsNeverInStatusOrErrors(t *testing.T) {
	w := newWorld(t, anthropictest.Config{})
	path := w.TokenFile(oidctest.Claims{})
	w.ConfigureWIF(identity.Config{Source: identity.SourceFile, Path: path})
	w.Vars["ANTHROPIC_API_KEY"] = testAPIKey
	rt := mustResolve(t, w.resolver())
	mustToken(t, rt.Tokens)
	rep, err := w.resolver().Report(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(rep.Summary + w.Stderr.String())
	for _, s := range rep.Sources {
		b.WriteString(s.Name + s.Detail + s.Masked)
	}
	if rep.Using != 0 || rep.Sources[0].WIF == nil || rep.Sources[0].WIF.Claims == nil || rep.Sources[0].WIF.Cached == nil || !rep.Sources[0].WIF.Spent {
		t.Fatalf("report: %+v", rep.Sources[0].WIF)
	}
	w.AssertNoSecrets(b.String(), testAPIKey)
}

// BenchmarkTokenColdThundering: 1,000 goroutines ask an empty cache at
// once; exactly one exchange happens.
func BenchmarkTokenColdThundering(b *testing.B) {
	iss := oidctest.New(b)
	api := anthropictest.New(b, anthropictest.Config{Issuer: iss})
	url, reqTok := iss.GitHubActions()
	vars := map[string]string{"ACTIONS_ID_TOKEN_REQUEST_URL": url, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": reqTok}
	for i := 0; b.Loop(); i++ {
		before := api.ExchangeCount()
		home := b.TempDir()
		r := &Resolver{Home: home, Getenv: func(k string) string { return vars[k] }, Now: time.Now}
		src, err := r.sharedWIF(wif.Config{FederationRuleID: anthropictest.DefaultRuleID, OrganizationID: anthropictest.DefaultOrgID,
			BaseURL: api.URL, Identity: identity.Config{Source: identity.SourceGitHubActions}})
		if err != nil {
			b.Fatal(err)
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 1000 {
			wg.Go(func() {
				<-start
				if _, err := src.Token(context.Background()); err != nil {
					b.Error(err)
				}
			})
		}
		close(start)
		wg.Wait()
		if n := api.ExchangeCount() - before; n != 1 {
			b.Fatalf("iteration %d: %d exchanges, want 1", i, n)
		}
	}
}
