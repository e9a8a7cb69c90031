package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/iostreams"
)

const testKey = "hgw_test-gateway-key-0123456789abcdef"

// seen is one request as the stand-in upstream received it.
type seen struct {
	Method, Path, Host string
	Header             http.Header
	Body               []byte
}

// upstream is a small stand-in for the Messages API: JSON or SSE answers,
// with hooks to hold, cut or refuse streams.
type upstream struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []seen

	// accept says whether a bearer token is valid (nil: any).
	accept func(tok string) bool
	// hold, when set, parks streams after their first event until closed.
	hold chan struct{}
	// firstSent gets a value once a stream's first event is flushed.
	firstSent chan struct{}
	// cancelled gets a value when a held stream's request is cancelled.
	cancelled chan struct{}
	// cut makes streams drop the connection after the first event.
	cut bool
}

func newUpstream(t testing.TB) *upstream {
	u := &upstream{firstSent: make(chan struct{}, 1000), cancelled: make(chan struct{}, 1000)}
	u.Server = httptest.NewServer(http.HandlerFunc(u.serve))
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) requests() []seen {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]seen(nil), u.reqs...)
}

func (u *upstream) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	u.mu.Lock()
	u.reqs = append(u.reqs, seen{r.Method, r.URL.Path, r.Host, r.Header.Clone(), body})
	u.mu.Unlock()
	w.Header().Set("Request-Id", fmt.Sprintf("req_%d", len(body)))
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if u.accept != nil && !u.accept(tok) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"type":"error","error":{"type":"authentication_error","message":"invalid bearer token"}}`)
		return
	}
	if r.URL.Path != "/v1/messages" {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"data":[],"has_more":false}`)
		return
	}
	var p struct{ Stream bool }
	json.Unmarshal(body, &p)
	if !p.Stream {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, messageJSON)
		return
	}
	u.stream(w, r)
}

func (u *upstream) stream(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, sseEvents[0])
	http.NewResponseController(w).Flush()
	u.firstSent <- struct{}{}
	if u.cut {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	if u.hold != nil {
		select {
		case <-u.hold:
		case <-r.Context().Done():
			u.cancelled <- struct{}{}
			return
		}
	}
	for _, ev := range sseEvents[1:] {
		fmt.Fprint(w, ev)
	}
}

const messageJSON = `{"id":"msg_1","type":"message","role":"assistant","model":"claude-haiku-5-5","content":[{"type":"text","text":"Hello"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":1}}`

var sseEvents = []string{
	"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-haiku-5-5\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":3,\"output_tokens\":0}}}\n\n",
	"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
	"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}\n\n",
	"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
	"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":1}}\n\n",
	"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
}

// rotating is a caching TokenSource whose token the test replaces, as a
// WIF source does when a token expires.
type rotating struct {
	mu          sync.Mutex
	cur         credential.Token
	next        []credential.Token
	invalidated []string
}

func (s *rotating) Token(context.Context) (credential.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur, nil
}

// Peek implements credential.Peeker.
func (s *rotating) Peek() (credential.Token, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur, s.cur.Value != ""
}

// Invalidate drops value and moves on to the next queued token.
func (s *rotating) Invalidate(value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.invalidated = append(s.invalidated, value)
	if s.cur.Value == value && len(s.next) > 0 {
		s.cur, s.next = s.next[0], s.next[1:]
	}
}

func (s *rotating) set(t credential.Token) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cur = t
}

type harness struct {
	up     *upstream
	src    *rotating
	gw     *Gateway
	srv    *httptest.Server
	log    *iostreams.SyncBuffer
	client *http.Client
}

// newHarness starts an upstream and a gateway in front of it with a bearer
// runtime whose first token is tok.
func newHarness(t testing.TB, tok string, mod func(*Options)) *harness {
	t.Helper()
	h := &harness{up: newUpstream(t), src: &rotating{cur: credential.Token{Value: tok}}, log: &iostreams.SyncBuffer{}}
	rt := &credential.Runtime{BaseURL: h.up.URL, Mode: credential.ModeBearer, Kind: credential.KindWIF, Source: "test WIF", Tokens: h.src}
	opts := Options{Runtime: rt, Key: testKey, Logger: slog.New(slog.NewTextHandler(h.log, nil))}
	if mod != nil {
		mod(&opts)
	}
	gw, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	h.gw = gw
	h.srv = httptest.NewServer(gw)
	tr := &http.Transport{}
	h.client = &http.Client{Transport: tr}
	t.Cleanup(func() {
		h.srv.Close()
		tr.CloseIdleConnections()
		gw.proxy.Transport.(*credential.Transport).Base.(interface{ CloseIdleConnections() }).CloseIdleConnections()
	})
	return h
}

// assertNoLocalKey fails when the gateway key shows up anywhere upstream
// or in the access log.
func (h *harness) assertNoLocalKey(t testing.TB) {
	t.Helper()
	for _, r := range h.up.requests() {
		for name, vals := range r.Header {
			for _, v := range vals {
				if strings.Contains(v, testKey) {
					t.Errorf("upstream header %s carries the gateway key", name)
				}
			}
		}
		if bytes.Contains(r.Body, []byte(testKey)) {
			t.Errorf("upstream body carries the gateway key")
		}
	}
	if strings.Contains(h.log.String(), testKey) {
		t.Errorf("access log carries the gateway key")
	}
}

// heldStream opens a stream through a new harness whose upstream parks
// after its first SSE event; the response is closed and the upstream let
// go when the test ends.
func heldStream(t *testing.T) *http.Response {
	t.Helper()
	h := newHarness(t, "tok", nil)
	h.up.hold = make(chan struct{})
	t.Cleanup(func() { close(h.up.hold) })
	req, _ := http.NewRequest("POST", h.srv.URL+"/v1/messages", strings.NewReader(`{"stream":true}`))
	req.Header.Set("X-Api-Key", testKey)
	resp, err := h.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}
