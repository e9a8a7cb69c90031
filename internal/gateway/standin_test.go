package gateway

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/credential/resolve"
	"github.com/hermes-agent/hermes/internal/gateway/gatewaytest"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

// standIn is a gateway in front of the anthropictest stand-in with a WIF
// bearer runtime.
func standIn(t *testing.T) (*anthropictest.Server, *gatewaytest.WIFSource, *httptest.Server) {
	iss := oidctest.New(t)
	api := anthropictest.New(t, anthropictest.Config{Issuer: iss})
	rt, src := gatewaytest.Runtime(iss, api.URL)
	gw, err := New(Options{Runtime: rt, Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	return api, src, srv
}

// checkStandIn asserts every API request reached the stand-in as WIF
// bearer with the OAuth beta, with no trace of the local key.
func checkStandIn(t *testing.T, api *anthropictest.Server) {
	t.Helper()
	n := 0
	for _, r := range api.Requests() {
		if r.Path == "/v1/oauth/token" {
			continue
		}
		n++
		if r.AuthScheme != "bearer" || !strings.Contains(r.Beta, anthropictest.OAuthBeta) || r.WorkspaceHeader != "" {
			t.Errorf("%s %s reached the stand-in as %s, beta %q", r.Method, r.Path, r.AuthScheme, r.Beta)
		}
		if r.CredentialHash == anthropictest.HashCredential(testKey) {
			t.Errorf("%s %s carried the local gateway key", r.Method, r.Path)
		}
	}
	if n == 0 {
		t.Error("no API request reached the stand-in")
	}
}

func TestStandInSDKAndRaw(t *testing.T) {
	api, src, srv := standIn(t)
	c := anthropic.NewClient(option.WithoutEnvironmentDefaults(), option.WithBaseURL(srv.URL), option.WithAuthToken(testKey), option.WithMaxRetries(0))

	msg, err := c.Messages.New(context.Background(), params)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg.Content[0].Text, "hi") {
		t.Errorf("reply %q", msg.Content[0].Text)
	}
	stream := c.Messages.NewStreaming(context.Background(), params)
	var acc anthropic.Message
	for stream.Next() {
		acc.Accumulate(stream.Current())
	}
	if err := stream.Err(); err != nil || len(acc.Content) == 0 {
		t.Fatalf("stream: %v (%d blocks)", err, len(acc.Content))
	}

	// curl-style.
	req, _ := http.NewRequest("GET", srv.URL+"/v1/models", nil)
	req.Header.Set("x-api-key", testKey)
	req.Header.Set("anthropic-version", "2023-06-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "claude") {
		t.Errorf("models: %d %s", resp.StatusCode, b)
	}
	checkStandIn(t, api)
	if src.Exchanges() != 1 {
		t.Errorf("%d exchanges for one gateway, want 1", src.Exchanges())
	}
}

func TestStandInExpiredTokenIsInvisible(t *testing.T) {
	api, src, srv := standIn(t)
	c := anthropic.NewClient(option.WithoutEnvironmentDefaults(), option.WithBaseURL(srv.URL), option.WithAPIKey(testKey), option.WithMaxRetries(0))
	if _, err := c.Messages.New(context.Background(), params); err != nil {
		t.Fatal(err)
	}
	api.ExpireTokens() // between requests
	if _, err := c.Messages.New(context.Background(), params); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if src.Exchanges() != 2 {
		t.Errorf("%d exchanges, want a re-exchange after the 401", src.Exchanges())
	}
	checkStandInStatuses(t, api, []int{200, 401, 200})
	checkStandIn(t, api)
}

func checkStandInStatuses(t *testing.T, api *anthropictest.Server, want []int) {
	t.Helper()
	var got []int
	for _, r := range api.Requests() {
		if r.Path == "/v1/messages" {
			got = append(got, r.Status)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("messages statuses %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("messages statuses %v, want %v", got, want)
		}
	}
}

func TestStandInCutStream(t *testing.T) {
	api, _, srv := standIn(t)
	api.Fault("/v1/messages", anthropictest.Fault{CutStreamAfterEvents: 2})
	c := anthropic.NewClient(option.WithoutEnvironmentDefaults(), option.WithBaseURL(srv.URL), option.WithAuthToken(testKey), option.WithMaxRetries(0))
	stream := c.Messages.NewStreaming(context.Background(), params)
	n := 0
	for stream.Next() {
		n++
	}
	if stream.Err() == nil {
		t.Errorf("a cut stream ended cleanly after %d events", n)
	}
}

// healthz asks the gateway's health endpoint, without a key.
func healthz(t *testing.T, url string) (status int, cred map[string]any) {
	t.Helper()
	resp, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Credential map[string]any }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body.Credential
}

// An unauthenticated probe of a cold gateway must not cause a WIF
// exchange: healthz only peeks at the real resolver's token source.
func TestStandInHealthzNeverExchanges(t *testing.T) {
	iss := oidctest.New(t)
	api := anthropictest.New(t, anthropictest.Config{Issuer: iss})
	home := t.TempDir()
	tokenFile := filepath.Join(home, "token.jwt")
	if err := os.WriteFile(tokenFile, []byte(iss.Mint(oidctest.Claims{})), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"HOME":                          home,
		"ANTHROPIC_CONFIG_DIR":          filepath.Join(home, "sdk"),
		"ANTHROPIC_FEDERATION_RULE_ID":  anthropictest.DefaultRuleID,
		"ANTHROPIC_ORGANIZATION_ID":     anthropictest.DefaultOrgID,
		"ANTHROPIC_IDENTITY_TOKEN_FILE": tokenFile,
	}
	r := &resolve.Resolver{Home: home, Getenv: func(k string) string { return env[k] }, Stderr: io.Discard, BaseURL: api.URL}
	rt, err := r.Resolve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	gw, err := New(Options{Runtime: rt, Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)

	status, cred := healthz(t, srv.URL)
	if status != 200 || cred["token"] != "no token yet" || cred["expires_at"] != nil {
		t.Errorf("cold healthz: %d %v", status, cred)
	}
	if n := api.ExchangeCount(); n != 0 {
		t.Fatalf("healthz on a cold gateway caused %d exchanges", n)
	}

	c := anthropic.NewClient(option.WithoutEnvironmentDefaults(), option.WithBaseURL(srv.URL), option.WithAPIKey(testKey), option.WithMaxRetries(0))
	if _, err := c.Messages.New(context.Background(), params); err != nil {
		t.Fatal(err)
	}
	status, cred = healthz(t, srv.URL)
	exp, _ := cred["expires_at"].(string)
	if _, err := time.Parse(time.RFC3339, exp); status != 200 || err != nil || cred["token"] != nil {
		t.Errorf("warm healthz: %d %v", status, cred)
	}
	if n := api.ExchangeCount(); n != 1 {
		t.Errorf("%d exchanges after one proxied request and two probes, want 1", n)
	}
}

// Issue 22 §5: an upstream that reflects the credential it was sent in
// its response headers, trailers and body, 2xx or error, in any
// Content-Encoding, does not hand it to the local client. Bodies in an
// encoding the gateway cannot scan are refused.
func TestStandInReflectedCredentialNeverReachesClient(t *testing.T) {
	for _, enc := range []string{"", "gzip", "deflate", "br", "gzip, br"} {
		for _, status := range []int{200, 400} {
			t.Run(fmt.Sprintf("%q/%d", enc, status), func(t *testing.T) {
				api, _, srv := standIn(t)
				api.Fault("/v1/messages", anthropictest.Fault{ReflectCredential: true, ReflectEncoding: enc, Status: status})
				req, _ := http.NewRequest("POST", srv.URL+"/v1/messages", strings.NewReader(`{"model":"claude-haiku-5-5","max_tokens":8,"messages":[{"role":"user","content":"hi"}]}`))
				req.Header.Set("X-Api-Key", testKey)
				req.Header.Set("Accept-Encoding", "gzip, deflate, br")
				tr := &http.Transport{DisableCompression: true}
				defer tr.CloseIdleConnections()
				resp, err := (&http.Client{Transport: tr}).Do(req)
				if err != nil {
					t.Fatal(err)
				}
				raw, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					t.Fatal(err)
				}
				secrets := api.Secrets()
				if len(secrets) == 0 {
					t.Fatal("the stand-in minted no credential")
				}
				if enc == "br" || enc == "gzip, br" {
					if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(raw), "Content-Encoding") {
						t.Errorf("an unscannable %q body was passed on: %d %q", enc, resp.StatusCode, raw)
					}
				} else if resp.StatusCode != status || !strings.Contains(string(decodeBody(t, resp.Header.Get("Content-Encoding"), raw)), "your credential is [redacted") {
					t.Errorf("got %d %q, want %d with the credential masked", resp.StatusCode, decodeBody(t, resp.Header.Get("Content-Encoding"), raw), status)
				}
				seen := string(decodeBody(t, resp.Header.Get("Content-Encoding"), raw)) + fmt.Sprint(resp.Header) + fmt.Sprint(resp.Trailer)
				for _, s := range secrets {
					if strings.Contains(seen, s) {
						t.Errorf("the upstream credential reached the client:\n%s", seen)
					}
				}
				if enc == "" && status == 200 && resp.Trailer.Get("X-Reflected-Trailer") == "" {
					t.Errorf("the reflected trailer did not arrive (masked): %v", resp.Trailer)
				}
			})
		}
	}
}

// decodeBody decodes what a client would: a body the gateway passed on in
// an encoding stays as it came (br is not decoded here: it must never pass).
func decodeBody(t *testing.T, enc string, raw []byte) []byte {
	t.Helper()
	var r io.Reader
	var err error
	switch enc {
	case "gzip":
		r, err = gzip.NewReader(bytes.NewReader(raw))
	case "deflate":
		r, err = zlib.NewReader(bytes.NewReader(raw))
	default:
		return raw
	}
	if err != nil {
		t.Fatalf("%s body: %v", enc, err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s body: %v", enc, err)
	}
	return b
}
