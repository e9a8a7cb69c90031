package gateway

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"go.uber.org/goleak"

	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/credential/wif"
)

func sdkClient(h *harness, opts ...option.RequestOption) anthropic.Client {
	base := []option.RequestOption{
		option.WithoutEnvironmentDefaults(),
		option.WithBaseURL(h.srv.URL),
		option.WithHTTPClient(h.client),
		option.WithMaxRetries(0),
	}
	return anthropic.NewClient(append(base, opts...)...)
}

var params = anthropic.MessageNewParams{
	Model:     "claude-haiku-5-5",
	MaxTokens: 16,
	Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))},
}

// checkForwarded asserts each upstream request carried the upstream
// bearer and the OAuth beta, not the local key.
func checkForwarded(t *testing.T, h *harness, wantTok string) {
	t.Helper()
	reqs := h.up.requests()
	if len(reqs) == 0 {
		t.Fatal("upstream saw no request")
	}
	for _, r := range reqs {
		if got := r.Header.Get("Authorization"); got != "Bearer "+wantTok {
			t.Errorf("upstream Authorization = %q, want the resolved bearer", got)
		}
		if r.Header.Get("X-Api-Key") != "" {
			t.Errorf("upstream got an x-api-key header")
		}
		if !strings.Contains(r.Header.Get("Anthropic-Beta"), credential.OAuthBeta) {
			t.Errorf("upstream anthropic-beta = %q, want %s merged", r.Header.Get("Anthropic-Beta"), credential.OAuthBeta)
		}
	}
	h.assertNoLocalKey(t)
}

func TestSDKThroughGateway(t *testing.T) {
	for _, auth := range []struct {
		name string
		opt  option.RequestOption
	}{
		{"bearer", option.WithAuthToken(testKey)},
		// This SDK version sends WithAPIKey as Authorization: Bearer too.
		{"WithAPIKey", option.WithAPIKey(testKey)},
	} {
		t.Run(auth.name, func(t *testing.T) {
			h := newHarness(t, "sk-ant-oat01-upstream-token", nil)
			c := sdkClient(h, auth.opt, option.WithHeader("anthropic-beta", "tools-2024-04-04"))

			msg, err := c.Messages.New(context.Background(), params)
			if err != nil {
				t.Fatalf("non-streaming: %v", err)
			}
			if msg.Content[0].Text != "Hello" {
				t.Errorf("got %q", msg.Content[0].Text)
			}

			stream := c.Messages.NewStreaming(context.Background(), params)
			var acc anthropic.Message
			for stream.Next() {
				if err := acc.Accumulate(stream.Current()); err != nil {
					t.Fatal(err)
				}
			}
			if err := stream.Err(); err != nil {
				t.Fatalf("streaming: %v", err)
			}
			if len(acc.Content) != 1 || acc.Content[0].Text != "Hello" {
				t.Errorf("streamed content = %+v", acc.Content)
			}
			checkForwarded(t, h, "sk-ant-oat01-upstream-token")
			for _, r := range h.up.requests() {
				if beta := r.Header.Get("Anthropic-Beta"); !strings.Contains(beta, "tools-2024-04-04") {
					t.Errorf("client's anthropic-beta lost: %q", beta)
				}
			}
		})
	}
}

func TestRawHTTPKeepsHeadersAndBody(t *testing.T) {
	h := newHarness(t, "sk-ant-oat01-upstream-token", nil)
	body := `{"model":"m","max_tokens":1,"messages":[]}`
	req, _ := http.NewRequest("POST", h.srv.URL+"/v1/messages?beta=true", strings.NewReader(body))
	req.Header.Set("x-api-key", testKey)
	req.Header.Set("anthropic-version", "2023-06-01")
	req.Header.Set("X-Custom", "kept")
	req.Header.Set("Content-Type", "application/json")
	resp, err := h.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if resp.Header.Get("Request-Id") == "" {
		t.Error("upstream request-id not passed back")
	}
	r := h.up.requests()[0]
	if string(r.Body) != body || r.Header.Get("X-Custom") != "kept" || r.Header.Get("Anthropic-Version") != "2023-06-01" {
		t.Errorf("request changed on the way: body %q headers %v", r.Body, r.Header)
	}
	checkForwarded(t, h, "sk-ant-oat01-upstream-token")
	if !strings.Contains(h.log.String(), "request_id=req_") || !strings.Contains(h.log.String(), "status=200") {
		t.Errorf("access log lacks status/request id: %s", h.log.String())
	}
}

func TestAPIKeyRuntimeSendsOnlyXAPIKey(t *testing.T) {
	up := newUpstream(t)
	rt := credential.NewStaticRuntime(up.URL, credential.ModeAPIKey, credential.KindAPIKey, "test", "sk-ant-api03-upstream-key")
	gw, err := New(Options{Runtime: rt, Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/v1/models", nil)
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	r := up.requests()[0]
	if r.Header.Get("X-Api-Key") != "sk-ant-api03-upstream-key" || r.Header.Get("Authorization") != "" {
		t.Errorf("upstream headers: x-api-key %q, authorization %q", r.Header.Get("X-Api-Key"), r.Header.Get("Authorization"))
	}
}

func TestUnauthorizedCallers(t *testing.T) {
	h := newHarness(t, "sk-ant-oat01-upstream-token", nil)
	cases := map[string]http.Header{
		"no key":                {},
		"wrong x-api-key":       {"X-Api-Key": {"hgw_wrong"}},
		"wrong bearer":          {"Authorization": {"Bearer hgw_wrong"}},
		"basic scheme":          {"Authorization": {"Basic " + testKey}},
		"key prefix only":       {"X-Api-Key": {testKey[:10]}},
		"authorization twice":   {"Authorization": {"Bearer " + testKey, "Bearer sk-ant-api03-smuggled"}},
		"good key + bad bearer": {"X-Api-Key": {testKey}, "Authorization": {"Bearer sk-ant-oat01-smuggled"}},
		"x-api-key twice":       {"X-Api-Key": {"sk-ant-api03-smuggled", testKey}},
		"empty bearer":          {"Authorization": {"Bearer "}},
	}
	for name, hdr := range cases {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", h.srv.URL+"/v1/messages", strings.NewReader(`{}`))
			req.Header = hdr
			resp, err := h.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var e struct {
				Type  string
				Error struct{ Type, Message string }
			}
			json.NewDecoder(resp.Body).Decode(&e)
			if resp.StatusCode != 401 || e.Type != "error" || e.Error.Type != "authentication_error" {
				t.Errorf("got %d %+v, want 401 authentication_error", resp.StatusCode, e)
			}
		})
	}
	if n := len(h.up.requests()); n != 0 {
		t.Errorf("upstream saw %d unauthorized requests", n)
	}
}

// rawRequest writes req verbatim on a fresh connection and returns the
// status line's code.
func rawRequest(t *testing.T, addr, req string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, req)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestSmugglingAndHostTricks(t *testing.T) {
	h := newHarness(t, "sk-ant-oat01-upstream-token", nil)
	addr := strings.TrimPrefix(h.srv.URL, "http://")
	auth := "x-api-key: " + testKey + "\r\n"

	code, _ := rawRequest(t, addr, "GET http://evil.example/v1/models HTTP/1.1\r\nHost: evil.example\r\n"+auth+"Connection: close\r\n\r\n")
	if code != 400 {
		t.Errorf("absolute-URI request to another host: %d, want 400", code)
	}
	code, _ = rawRequest(t, addr, "GET /v1/../admin HTTP/1.1\r\nHost: x\r\n"+auth+"Connection: close\r\n\r\n")
	if code != 404 {
		t.Errorf("dot-dot path: %d, want 404", code)
	}
	code, _ = rawRequest(t, addr, "GET /v1/models/%2e%2e/%2e%2e/admin HTTP/1.1\r\nHost: x\r\n"+auth+"Connection: close\r\n\r\n")
	if code != 404 {
		t.Errorf("encoded dot-dot path: %d, want 404", code)
	}
	code, _ = rawRequest(t, addr, "GET /other HTTP/1.1\r\nHost: x\r\n"+auth+"Connection: close\r\n\r\n")
	if code != 404 {
		t.Errorf("non-/v1 path: %d, want 404", code)
	}
	if n := len(h.up.requests()); n != 0 {
		t.Fatalf("upstream saw %d requests it should not have", n)
	}

	// A Host header naming another server changes nothing: the request
	// goes to the upstream, with the upstream's host.
	code, _ = rawRequest(t, addr, "GET /v1/models HTTP/1.1\r\nHost: evil.example\r\nX-Forwarded-Host: evil.example\r\n"+auth+"Connection: close\r\n\r\n")
	if code != 200 {
		t.Fatalf("Host trick: %d, want 200 from the upstream", code)
	}
	r := h.up.requests()[0]
	if r.Host != strings.TrimPrefix(h.up.URL, "http://") || r.Header.Get("X-Forwarded-Host") != "" {
		t.Errorf("upstream saw Host %q, X-Forwarded-Host %q", r.Host, r.Header.Get("X-Forwarded-Host"))
	}
	checkForwarded(t, h, "sk-ant-oat01-upstream-token")
}

func TestRemotePeers(t *testing.T) {
	h := newHarness(t, "tok", nil)
	req := httptest.NewRequest("GET", "/v1/models", nil)
	req.RemoteAddr = "203.0.113.7:5555"
	req.Header.Set("X-Api-Key", testKey)
	w := httptest.NewRecorder()
	h.gw.ServeHTTP(w, req)
	if w.Code != 403 || !strings.Contains(w.Body.String(), "permission_error") {
		t.Errorf("remote peer: %d %s, want 403 permission_error", w.Code, w.Body)
	}

	remote := newHarness(t, "tok", func(o *Options) { o.AllowRemote = true })
	req = httptest.NewRequest("GET", "/v1/models", nil)
	req.RemoteAddr = "203.0.113.7:5555"
	w = httptest.NewRecorder()
	remote.gw.ServeHTTP(w, req)
	if w.Code != 401 {
		t.Errorf("remote peer with --allow-remote and no key: %d, want 401", w.Code)
	}
}

func TestOversizedBodies(t *testing.T) {
	h := newHarness(t, "tok", func(o *Options) { o.MaxBodyBytes = 4096; o.ReplayBodyBytes = 1024 })
	big := strings.Repeat("x", 5000)
	post := func(body io.Reader) int {
		req, _ := http.NewRequest("POST", h.srv.URL+"/v1/messages", body)
		req.Header.Set("X-Api-Key", testKey)
		resp, err := h.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
		return resp.StatusCode
	}
	if code := post(strings.NewReader(big)); code != 413 {
		t.Errorf("declared oversize body: %d, want 413", code)
	}
	// No Content-Length: the limit trips while streaming upstream.
	if code := post(io.MultiReader(strings.NewReader(big))); code != 413 {
		t.Errorf("chunked oversize body: %d, want 413", code)
	}
	if code := post(io.MultiReader(strings.NewReader(strings.Repeat("y", 3000)))); code != 200 {
		t.Errorf("chunked body under the limit (over the replay bound): %d, want 200", code)
	}
	for _, r := range h.up.requests() {
		if len(r.Body) > 4096 {
			t.Errorf("upstream received a %d-byte body", len(r.Body))
		}
	}
}

func TestUpstream401RetriesOnceWithFreshToken(t *testing.T) {
	h := newHarness(t, "sk-ant-oat01-revoked", func(o *Options) { o.ReplayBodyBytes = 1024 })
	h.up.accept = func(tok string) bool { return tok == "sk-ant-oat01-fresh" }
	h.src.next = []credential.Token{{Value: "sk-ant-oat01-fresh"}}

	c := sdkClient(h, option.WithAuthToken(testKey))
	if _, err := c.Messages.New(context.Background(), params); err != nil {
		t.Fatalf("request after a revoked token: %v", err)
	}
	reqs := h.up.requests()
	if len(reqs) != 2 || string(reqs[0].Body) != string(reqs[1].Body) {
		t.Fatalf("want the same request twice upstream, got %d", len(reqs))
	}
	if got := reqs[1].Header.Get("Authorization"); got != "Bearer sk-ant-oat01-fresh" {
		t.Errorf("retry used %q", got)
	}
	if len(h.src.invalidated) != 1 || h.src.invalidated[0] != "sk-ant-oat01-revoked" {
		t.Errorf("invalidated %v", h.src.invalidated)
	}

	// Over the replay bound: no retry, the 401 reaches the client.
	h.src.set(credential.Token{Value: "sk-ant-oat01-revoked2"})
	h.src.next = []credential.Token{{Value: "sk-ant-oat01-fresh"}}
	req, _ := http.NewRequest("POST", h.srv.URL+"/v1/messages", io.MultiReader(strings.NewReader(strings.Repeat("z", 2000))))
	req.Header.Set("X-Api-Key", testKey)
	resp, err := h.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || len(h.up.requests()) != 3 {
		t.Errorf("large body: status %d after %d upstream requests, want 401 after 3", resp.StatusCode, len(h.up.requests()))
	}
}

func TestTokenRotationDuringAndBetweenStreams(t *testing.T) {
	h := newHarness(t, "sk-ant-oat01-first", nil)
	h.up.hold = make(chan struct{})
	c := sdkClient(h, option.WithAuthToken(testKey))

	stream := c.Messages.NewStreaming(context.Background(), params)
	if !stream.Next() {
		t.Fatalf("no first event: %v", stream.Err())
	}
	// The token expires while the stream is open; the source moves on.
	h.src.set(credential.Token{Value: "sk-ant-oat01-second", Expiry: time.Now().Add(time.Hour)})
	close(h.up.hold)
	n := 1
	for stream.Next() {
		n++
	}
	if err := stream.Err(); err != nil || n != len(sseEvents) {
		t.Fatalf("long stream across expiry: %d events, err %v", n, err)
	}
	if _, err := c.Messages.New(context.Background(), params); err != nil {
		t.Fatal(err)
	}
	reqs := h.up.requests()
	if reqs[0].Header.Get("Authorization") != "Bearer sk-ant-oat01-first" || reqs[1].Header.Get("Authorization") != "Bearer sk-ant-oat01-second" {
		t.Errorf("tokens used: %q then %q", reqs[0].Header.Get("Authorization"), reqs[1].Header.Get("Authorization"))
	}
}

func TestFirstSSEEventUnbuffered(t *testing.T) {
	resp := heldStream(t)
	// The upstream is parked after its first event: reading it proves the
	// gateway did not wait for more.
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || line != "event: message_start\n" {
		t.Fatalf("first line %q, %v", line, err)
	}
}

func TestClientDisconnectCancelsUpstream(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	func() {
		h := newHarness(t, "tok", nil)
		h.up.hold = make(chan struct{})
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "POST", h.srv.URL+"/v1/messages", strings.NewReader(`{"stream":true}`))
		req.Header.Set("X-Api-Key", testKey)
		resp, err := h.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		<-h.up.firstSent
		cancel()
		resp.Body.Close()
		<-h.up.cancelled // the upstream request's context ended
		h.srv.Close()
		h.up.Close()
		h.client.CloseIdleConnections()
		h.gw.proxy.Transport.(*credential.Transport).Base.(interface{ CloseIdleConnections() }).CloseIdleConnections()
		if !strings.Contains(h.log.String(), "client disconnected") {
			t.Errorf("access log does not note the disconnect: %s", h.log.String())
		}
	}()
}

func TestUpstreamCutMidStream(t *testing.T) {
	h := newHarness(t, "tok", nil)
	h.up.cut = true
	c := sdkClient(h, option.WithAuthToken(testKey))
	stream := c.Messages.NewStreaming(context.Background(), params)
	n := 0
	for stream.Next() {
		n++
	}
	if n != 1 || stream.Err() == nil {
		t.Errorf("cut stream: %d events, err %v; want 1 event then an error", n, stream.Err())
	}
	if !strings.Contains(h.log.String(), "upstream stream broke") {
		t.Errorf("access log does not note the broken stream: %s", h.log.String())
	}
}

type failingSource struct{ err error }

func (s failingSource) Token(context.Context) (credential.Token, error) {
	if s.err != nil {
		return credential.Token{}, s.err
	}
	return credential.Token{}, errors.New("identity token file /run/token is missing")
}

type exit4 struct{ error }

func (exit4) ExitCode() int { return 4 }

// Issue 11 item 12: a refused credential is 401 (SDKs do not retry it) and
// names the command that diagnoses it; a temporary token-endpoint failure
// is 503 with retry-after; neither reaches upstream.
func TestCredentialFailureStatuses(t *testing.T) {
	cases := []struct {
		name       string
		err        error
		status     int
		retryAfter string
		body       string
	}{
		{"refused", exit4{errors.New("identity token file /run/token is missing")}, 401, "", "hermes auth status --check"},
		{"exchange 401", &wif.ExchangeError{URL: "https://x/v1/oauth/token", StatusCode: 401}, 401, "", "authentication_error"},
		{"exchange 503", &wif.ExchangeError{URL: "https://x/v1/oauth/token", StatusCode: 503, RetryAfter: 7 * time.Second}, 503, "7", "retry later"},
		{"exchange 429", &wif.ExchangeError{URL: "https://x/v1/oauth/token", StatusCode: 429}, 503, "5", "retry later"},
		{"no exit code", nil, 503, "5", "identity token file /run/token is missing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			up := newUpstream(t)
			gw, _ := New(Options{Runtime: &credential.Runtime{BaseURL: up.URL, Mode: credential.ModeBearer, Tokens: failingSource{c.err}}, Key: testKey})
			req := httptest.NewRequest("GET", "/v1/models", nil)
			req.RemoteAddr = "127.0.0.1:5555"
			req.Header.Set("X-Api-Key", testKey)
			w := httptest.NewRecorder()
			gw.ServeHTTP(w, req)
			if w.Code != c.status || w.Header().Get("Retry-After") != c.retryAfter || !strings.Contains(w.Body.String(), c.body) {
				t.Errorf("got %d retry-after %q %s", w.Code, w.Header().Get("Retry-After"), w.Body)
			}
			if c.status == 401 && w.Header().Get("X-Should-Retry") != "false" {
				t.Errorf("401 without x-should-retry: false")
			}
			if len(up.requests()) != 0 {
				t.Error("upstream reached without a credential")
			}
		})
	}
}

// Issue 11 item 1: an upstream (a proxy such as LiteLLM) that echoes the
// request headers in its error body does not hand the local client the
// upstream credential, whatever its shape.
func TestUpstreamErrorBodyIsRedacted(t *testing.T) {
	const upstreamSecret = "litellm-SENTINEL-upstream-credential-123"
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"type":"error","error":{"type":"invalid_request_error","message":"bad request with headers %q"}}`, r.Header)
	}))
	defer echo.Close()
	rt := credential.NewStaticRuntime(echo.URL, credential.ModeBearer, credential.KindAuthToken, "test", upstreamSecret)
	gw, err := New(Options{Runtime: rt, Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/v1/models", nil)
	req.Header.Set("X-Api-Key", testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(b), "bad request with headers") {
		t.Fatalf("got %d %s", resp.StatusCode, b)
	}
	if strings.Contains(string(b), "SENTINEL") {
		t.Errorf("the upstream credential reached the local client: %s", b)
	}
}

func TestHealthz(t *testing.T) {
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	h := newHarness(t, "sk-ant-oat01-secret-token-value", nil)
	h.src.set(credential.Token{Value: "sk-ant-oat01-secret-token-value", Expiry: exp})
	resp, err := h.client.Get(h.srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var got struct {
		Status     string
		Credential struct {
			Kind, Mode, Source string
			ExpiresAt          string `json:"expires_at"`
		}
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || got.Status != "ok" || got.Credential.Kind != "wif" || got.Credential.ExpiresAt != "2030-01-02T03:04:05Z" {
		t.Errorf("healthz: %d %s", resp.StatusCode, b)
	}
	if strings.Contains(string(b), "secret-token") || strings.Contains(string(b), testKey) {
		t.Errorf("healthz leaks a secret: %s", b)
	}
	// Issue 11 item 3: the keyless probe shows no source details at all.
	if got.Credential.Source != "" || strings.Contains(string(b), "source") {
		t.Errorf("healthz shows the credential source: %s", b)
	}
}

func TestListen(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:0", "example.com:0"} {
		if ln, err := Listen(addr, false); err == nil {
			ln.Close()
			t.Errorf("Listen(%q) without --allow-remote succeeded", addr)
		} else if !strings.Contains(err.Error(), "--allow-remote") {
			t.Errorf("Listen(%q) error does not say how to allow it: %v", addr, err)
		}
	}
	ln, err := Listen("127.0.0.1:0", false)
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	if _, err := Listen("nonsense", false); err == nil {
		t.Error("Listen(nonsense) succeeded")
	}
}

func TestServeLetsStreamsFinishOnShutdown(t *testing.T) {
	h := newHarness(t, "tok", nil)
	h.up.hold = make(chan struct{})
	ln, err := Listen("127.0.0.1:0", false)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, h.gw, time.Minute, nil) }()

	req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/v1/messages", strings.NewReader(`{"stream":true}`))
	req.Header.Set("X-Api-Key", testKey)
	resp, err := h.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	<-h.up.firstSent
	cancel() // SIGTERM
	close(h.up.hold)
	b, err := io.ReadAll(resp.Body)
	if err != nil || !strings.HasSuffix(string(b), sseEvents[len(sseEvents)-1]) {
		t.Errorf("stream cut by shutdown: %v", err)
	}
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "home", KeyFileName)
	k1, created, err := LoadOrCreateKey(path)
	if err != nil || !created || !strings.HasPrefix(k1, KeyPrefix) || len(k1) < 40 {
		t.Fatalf("first call: %v created=%v len=%d", err, created, len(k1))
	}
	info, _ := os.Stat(path)
	if info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v", info.Mode().Perm())
	}
	k2, created, err := LoadOrCreateKey(path)
	if err != nil || created || k2 != k1 {
		t.Errorf("second call: %v created=%v same=%v", err, created, k1 == k2)
	}
	os.Chmod(path, 0o644)
	if _, _, err := LoadOrCreateKey(path); err == nil || strings.Contains(err.Error(), k1) {
		t.Errorf("group-readable key file: %v", err)
	}
	os.WriteFile(path, []byte("short"), 0o600)
	os.Chmod(path, 0o600)
	if _, _, err := LoadOrCreateKey(path); err == nil {
		t.Error("unusable key accepted")
	}
	a, _ := NewKey()
	b, _ := NewKey()
	if a == b {
		t.Error("NewKey repeats")
	}
}

// An interim 100 Continue is not the status the access log reports.
func TestRecorderIgnoresInterimStatus(t *testing.T) {
	rec := &recorder{ResponseWriter: httptest.NewRecorder()}
	rec.WriteHeader(http.StatusContinue)
	rec.WriteHeader(http.StatusRequestEntityTooLarge)
	if rec.status != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", rec.status)
	}
}

// Closing force ends the grace period: an open stream is cut instead of
// keeping the server up for the hour it was allowed.
func TestServeForceCutsTheGracePeriod(t *testing.T) {
	h := newHarness(t, "tok", nil)
	h.up.hold = make(chan struct{})
	defer close(h.up.hold)
	ln, err := Listen("127.0.0.1:0", false)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	force := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- ServeForce(ctx, force, ln, h.gw, time.Hour, nil) }()

	req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/v1/messages", strings.NewReader(`{"stream":true}`))
	req.Header.Set("X-Api-Key", testKey)
	resp, err := h.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	<-h.up.firstSent
	cancel()
	close(force)
	if err := <-done; err != nil {
		t.Errorf("ServeForce: %v", err)
	}
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Error("the open stream ended cleanly; want it cut")
	}
}
