package anthropictest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

var apiHeader = map[string]string{"x-api-key": apiKey, "anthropic-version": "2023-06-01"}

func TestFaultStatuses(t *testing.T) {
	_, srv := newPair(t)
	for _, c := range []struct {
		status  int
		errType string
	}{{429, "rate_limit_error"}, {500, "api_error"}, {529, "overloaded_error"}} {
		srv.Fault("/v1/messages", anthropictest.Fault{Status: c.status, RetryAfter: "7", Times: 1})
		r := do(t, http.MethodPost, srv.URL+"/v1/messages", apiHeader, helloBody)
		if r.status != c.status || errType(r) != c.errType || r.header.Get("retry-after") != "7" {
			t.Errorf("fault %d: got %d %q retry-after %q", c.status, r.status, errType(r), r.header.Get("retry-after"))
		}
		// Times: 1 means the next request is served normally.
		if r := do(t, http.MethodPost, srv.URL+"/v1/messages", apiHeader, helloBody); r.status != 200 {
			t.Errorf("after a one-time fault: %d", r.status)
		}
	}
	srv.Fault("/v1/messages", anthropictest.Fault{Status: 500})
	for range 3 {
		if r := do(t, http.MethodPost, srv.URL+"/v1/messages", apiHeader, helloBody); r.status != 500 {
			t.Errorf("persistent fault: %d", r.status)
		}
	}
	if r := do(t, http.MethodGet, srv.URL+"/v1/models", apiHeader, ""); r.status != 200 {
		t.Errorf("fault leaked to another route: %d", r.status)
	}
	srv.ClearFaults()
	if r := do(t, http.MethodPost, srv.URL+"/v1/messages", apiHeader, helloBody); r.status != 200 {
		t.Errorf("after ClearFaults: %d", r.status)
	}
	srv.Fault(anthropictest.AnyRoute, anthropictest.Fault{Status: 503, Times: 1})
	if r := do(t, http.MethodGet, srv.URL+"/v1/models", apiHeader, ""); r.status != 503 {
		t.Errorf("AnyRoute fault: %d", r.status)
	}
}

func TestFaultRedirectAndHugeBody(t *testing.T) {
	_, srv := newPair(t)
	srv.Fault("/v1/oauth/token", anthropictest.Fault{RedirectTo: "http://127.0.0.1:1/elsewhere", Times: 1})
	r := do(t, http.MethodPost, srv.URL+"/v1/oauth/token", nil, "{}")
	if r.status != http.StatusTemporaryRedirect || r.header.Get("Location") != "http://127.0.0.1:1/elsewhere" {
		t.Errorf("redirect: %d %q", r.status, r.header.Get("Location"))
	}
	srv.Fault("/v1/messages", anthropictest.Fault{HugeBodyBytes: 3 << 20, Times: 1})
	r = do(t, http.MethodPost, srv.URL+"/v1/messages", apiHeader, helloBody)
	if r.status != 200 || len(r.raw) < 3<<20 || !strings.HasPrefix(r.raw, `{"padding":"`) {
		t.Errorf("huge body: %d, %d bytes", r.status, len(r.raw))
	}
}

func TestFaultMalformedAndCut(t *testing.T) {
	iss, srv := newPair(t)
	ctx := context.Background()
	client := sdkClient(srv)

	srv.Fault("/v1/messages", anthropictest.Fault{MalformedJSON: true, Times: 1})
	if _, err := client.Messages.New(ctx, userParams("x")); err == nil {
		t.Error("malformed JSON reply parsed")
	}

	srv.Fault("/v1/messages", anthropictest.Fault{CutStreamAfterEvents: 3, Times: 1})
	srv.Script(anthropictest.Reply{Text: "one two three four five"})
	stream := client.Messages.NewStreaming(ctx, userParams("x"))
	n := 0
	for stream.Next() {
		n++
	}
	if stream.Err() == nil {
		t.Error("cut stream ended without an error")
	}
	if n == 0 || n > 3 {
		t.Errorf("got %d events before the cut, want 1..3", n)
	}

	// Malformed JSON on the token endpoint: the exchange happened (the
	// assertion is spent) but the client cannot read the token.
	srv.Fault("/v1/oauth/token", anthropictest.Fault{MalformedJSON: true, Times: 1})
	jwt := iss.Mint(oidctest.Claims{})
	r := exchange(t, srv, defaultFields(jwt))
	if r.status != 200 || r.body != nil {
		t.Errorf("malformed token response: %d %q", r.status, r.raw)
	}
	if srv.ExchangeCount() != 1 {
		t.Errorf("ExchangeCount = %d, want 1 (the exchange did happen)", srv.ExchangeCount())
	}
	if r := exchange(t, srv, defaultFields(jwt)); r.status != 401 {
		t.Errorf("retry with the spent assertion: %d, want 401", r.status)
	}
}

func TestFaultLatencyHonoursCancellation(t *testing.T) {
	_, srv := newPair(t)
	srv.Fault("/v1/messages", anthropictest.Fault{Latency: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/v1/messages", strings.NewReader(helloBody))
	req.Header.Set("x-api-key", apiKey)
	req.Header.Set("anthropic-version", "2023-06-01")
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		t.Fatal("request under an hour of latency returned")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v", err)
	}
	// Close (via t.Cleanup) must not hang on the delayed handler: it
	// returns as soon as the client gives up.
}
