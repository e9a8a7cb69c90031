package resolve

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/identity"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

// get makes one API call through the runtime's client.
func get(t *testing.T, rt *credential.Runtime, path string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", rt.BaseURL+path, nil)
	req.Header.Set("anthropic-version", "2023-06-01")
	req.Header.Set("x-api-key", "inbound-should-be-stripped")
	req.Header.Set("anthropic-workspace-id", "wrkspc_should_go")
	resp, err := rt.HTTPClient().Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestHeaderShapes(t *testing.T) {
	w := newWorld(t, anthropictest.Config{})
	// API key: x-api-key only.
	key := credential.NewStaticRuntime(w.API.URL, credential.ModeAPIKey, credential.KindAPIKey, "test", testAPIKey)
	if st := get(t, key, "/v1/models"); st != 200 {
		t.Fatalf("api key: status %d", st)
	}
	// WIF: bearer + oauth beta, no workspace header.
	w.ConfigureWIF(identity.Config{Source: identity.SourceFile, Path: w.TokenFile(oidctest.Claims{})})
	wif := mustResolve(t, w.resolver())
	if st := get(t, wif, "/v1/models"); st != 200 {
		t.Fatalf("wif: status %d", st)
	}
	// ANTHROPIC_AUTH_TOKEN: bearer too (the stand-in does not know it: 401).
	w.Vars["ANTHROPIC_AUTH_TOKEN"] = "sk-ant-oat01-unknownTOKENunknownTOKENunknown-00AA"
	r := w.resolver()
	r.Credential = "env:ANTHROPIC_AUTH_TOKEN"
	r.BaseURL = w.API.URL
	get(t, mustResolve(t, r), "/v1/models")

	var api []anthropictest.Request
	for _, req := range w.API.Requests() {
		if req.Path == "/v1/models" {
			api = append(api, req)
		}
	}
	if len(api) != 3 {
		t.Fatalf("requests: %+v", api)
	}
	if api[0].AuthScheme != "x-api-key" || strings.Contains(api[0].Beta, credential.OAuthBeta) {
		t.Errorf("api key request: %+v", api[0])
	}
	for _, req := range api[1:] {
		if req.AuthScheme != "bearer" || !strings.Contains(req.Beta, credential.OAuthBeta) || req.WorkspaceHeader != "" {
			t.Errorf("bearer request: %+v", req)
		}
	}
	for _, x := range w.API.Requests() {
		if x.Path == "/v1/oauth/token" && x.UserAgent != "hermes/test" {
			t.Errorf("exchange User-Agent = %q", x.UserAgent)
		}
	}
}

func TestWIFCachesAcrossResolversAndDisk(t *testing.T) {
	w := newWorld(t, anthropictest.Config{})
	w.ConfigureWIF(identity.Config{Source: identity.SourceFile, Path: w.TokenFile(oidctest.Claims{})})
	tok := mustToken(t, mustResolve(t, w.resolver()).Tokens)
	// A new process is a new registry: simulate with a fresh source on the same disk cache.
	w.Sources = credential.NewSources()
	tok2 := mustToken(t, mustResolve(t, w.resolver()).Tokens)
	if tok.Value != tok2.Value || w.API.ExchangeCount() != 1 {
		t.Fatalf("second process exchanged again: %d exchanges", w.API.ExchangeCount())
	}
}
