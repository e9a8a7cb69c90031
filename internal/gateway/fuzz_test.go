package gateway

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/hermes-agent/hermes/internal/credential"
)

// FuzzStreamPassThrough puts the gateway in front of an upstream that
// answers with arbitrary bytes and status: the gateway never panics or
// hangs, always answers the client, passes a success stream through byte
// for byte (the credentials masked), and never hands the client the
// upstream credential or its own key in any body or header.
func FuzzStreamPassThrough(f *testing.F) {
	const upstreamSecret = "sk-ant-oat01-FUZZ-upstream-credential-0123456789"
	for _, s := range []struct {
		status int
		body   string
	}{
		{200, "event: message_start\ndata: {\"type\":\"message_start\"}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"},
		{200, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"text\":\"hi"},
		{200, "data: \x00\xff\r\n\r\n:\n\n"},
		{401, `{"type":"error","error":{"type":"authentication_error","message":"bad token Bearer ` + upstreamSecret + `"}}`},
		{400, "x-api-key: " + testKey},
		{529, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`},
		{500, ""},
		{302, "moved"},
	} {
		f.Add(s.status, []byte(s.body))
	}

	var mu sync.Mutex
	var status int
	var body []byte
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		st, b := status, body
		mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Request-Id", "req_fuzz")
		w.WriteHeader(st)
		w.Write(b)
	}))
	f.Cleanup(up.Close)
	rt := credential.NewStaticRuntime(up.URL, credential.ModeBearer, credential.KindWIF, "fuzz", upstreamSecret)
	gw, err := New(Options{Runtime: rt, Key: testKey})
	if err != nil {
		f.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	f.Cleanup(srv.Close)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	f.Fuzz(func(t *testing.T, st int, data []byte) {
		// Statuses a server can send with a body (1xx, 204 and 304 cannot).
		if st < 200 || st > 599 || st == 204 || st == 304 {
			st = 200
		}
		mu.Lock()
		status, body = st, data
		mu.Unlock()
		req, _ := http.NewRequest("POST", srv.URL+"/v1/messages", strings.NewReader(`{"model":"m","stream":true,"max_tokens":1,"messages":[]}`))
		req.Header.Set("X-Api-Key", testKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("the gateway did not answer: %v", err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("reading the answer: %v", err)
		}
		for k, vs := range resp.Header {
			for _, v := range vs {
				if strings.Contains(v, upstreamSecret) || strings.Contains(v, testKey) {
					t.Fatalf("header %s carries a credential: %q", k, v)
				}
			}
		}
		if resp.StatusCode < 300 {
			// Byte for byte but for the credentials sent upstream (the
			// Authorization value whole, or its token), each replaced by
			// a mask of its own length (issue 22: never to a client, 2xx
			// included).
			want := data
			for _, secret := range []string{"Bearer " + upstreamSecret, upstreamSecret, testKey} {
				want = bytes.ReplaceAll(want, []byte(secret), maskOfLen(len(secret)))
			}
			if resp.StatusCode != st || !bytes.Equal(got, want) {
				t.Fatalf("success stream altered: sent %d %q, got %d %q", st, data, resp.StatusCode, got)
			}
			return
		}
		if bytes.Contains(got, []byte(upstreamSecret)) || bytes.Contains(got, []byte(testKey)) {
			t.Fatalf("error answer %d carries a credential: %q", resp.StatusCode, got)
		}
	})
}
