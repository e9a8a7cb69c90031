package credential

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// rotatingSource hands out tok1, then tok2 after an Invalidate.
type rotatingSource struct {
	mu          sync.Mutex
	cur         string
	invalidated []string
}

func (s *rotatingSource) Token(context.Context) (Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Token{Value: s.cur}, nil
}

func (s *rotatingSource) Invalidate(v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.invalidated = append(s.invalidated, v)
	if v == s.cur {
		s.cur = "sk-ant-oat01-second-token-value"
	}
}

func TestTransportHeaderShapes(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Header.Clone() }))
	defer srv.Close()

	send := func(rt *Runtime) {
		req, _ := http.NewRequest("POST", srv.URL+"/v1/messages", strings.NewReader("{}"))
		req.Header.Set("Authorization", "Bearer inbound-should-go")
		req.Header.Set("X-Api-Key", "inbound-should-go")
		req.Header.Set("Anthropic-Workspace-Id", "wrkspc_x")
		req.Header.Add("Anthropic-Beta", "tools-2024, oauth-2025-04-20")
		resp, err := rt.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}

	send(NewStaticRuntime(srv.URL, ModeAPIKey, KindAPIKey, "t", "sk-ant-api03-key"))
	if got.Get("X-Api-Key") != "sk-ant-api03-key" || got.Get("Authorization") != "" {
		t.Errorf("api key mode: x-api-key=%q authorization=%q", got.Get("X-Api-Key"), got.Get("Authorization"))
	}

	send(NewStaticRuntime(srv.URL, ModeBearer, KindWIF, "t", "sk-ant-oat01-tok"))
	if got.Get("Authorization") != "Bearer sk-ant-oat01-tok" || got.Get("X-Api-Key") != "" {
		t.Errorf("bearer mode: authorization=%q x-api-key=%q", got.Get("Authorization"), got.Get("X-Api-Key"))
	}
	if got.Get("Anthropic-Workspace-Id") != "" {
		t.Error("bearer mode sent anthropic-workspace-id")
	}
	if b := got.Values("Anthropic-Beta"); len(b) != 1 || b[0] != "tools-2024,oauth-2025-04-20" {
		t.Errorf("anthropic-beta = %q, want one merged value without duplicates", b)
	}
}

func TestTransportOrigins(t *testing.T) {
	for _, c := range []struct {
		base, target string
		ok           bool
	}{
		{"https://api.anthropic.com", "https://api.anthropic.com:443/v1/models", true},
		{"https://api.anthropic.com:443/", "https://API.anthropic.com/v1/models", true},
		{"https://api.anthropic.com", "http://api.anthropic.com/v1/models", false},
		{"https://api.anthropic.com", "https://api.anthropic.com:8443/v1/models", false},
		{"https://api.anthropic.com", "https://api.anthropic.com.evil.example/v1/models", false},
	} {
		tr := NewStaticRuntime(c.base, ModeAPIKey, KindAPIKey, "t", "k").Transport(roundTripFunc(func(*http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 200, Body: http.NoBody}, nil
		}))
		req, _ := http.NewRequest("GET", c.target, nil)
		_, err := tr.RoundTrip(req)
		if (err == nil) != c.ok {
			t.Errorf("base %s → %s: err = %v, want ok=%v", c.base, c.target, err, c.ok)
		}
	}
}

func TestTransportRetriesOnceAfter401(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization")+" "+string(body))
		mu.Unlock()
		if r.Header.Get("Authorization") == "Bearer sk-ant-oat01-first-token-value" {
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	defer srv.Close()

	src := &rotatingSource{cur: "sk-ant-oat01-first-token-value"}
	rt := &Runtime{BaseURL: srv.URL, Mode: ModeBearer, Kind: KindWIF, Tokens: src}
	resp, err := rt.HTTPClient().Post(srv.URL+"/v1/messages", "application/json", strings.NewReader(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d after retry", resp.StatusCode)
	}
	if len(seen) != 2 || seen[1] != `Bearer sk-ant-oat01-second-token-value {"a":1}` {
		t.Fatalf("requests = %q, want the body replayed with the fresh token", seen)
	}
	if len(src.invalidated) != 1 || src.invalidated[0] != "sk-ant-oat01-first-token-value" {
		t.Fatalf("invalidated %q, want exactly the refused token", src.invalidated)
	}

	// A body that cannot be replayed is not retried: the 401 goes back,
	// but the refused token is still dropped for the next request.
	seen, src.cur, src.invalidated = nil, "sk-ant-oat01-first-token-value", nil
	req, _ := http.NewRequest("POST", srv.URL+"/v1/messages", io.NopCloser(strings.NewReader("x")))
	resp, err = rt.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || len(seen) != 1 {
		t.Fatalf("status %d after %d requests, want the 401 unretried", resp.StatusCode, len(seen))
	}
	if len(src.invalidated) != 1 {
		t.Fatalf("invalidated %q, want the refused token dropped", src.invalidated)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestTransportRefusesOtherOrigins(t *testing.T) {
	rt := NewStaticRuntime("https://api.anthropic.com", ModeAPIKey, KindAPIKey, "t", "sk-ant-api03-SENTINELkeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-0000000000AA")
	req, _ := http.NewRequest("GET", "https://evil.example/v1/models", nil)
	if _, err := rt.HTTPClient().Do(req); err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Fatalf("err = %v", err)
	}
}
