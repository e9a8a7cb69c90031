package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/budget"
)

var budgetNow = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

func budgetHarness(t *testing.T, rules []budget.Rule) (*harness, *budget.Enforcer) {
	t.Helper()
	now := func() time.Time { return budgetNow }
	store, err := budget.OpenFileStore(t.TempDir(), now)
	if err != nil {
		t.Fatal(err)
	}
	e := budget.NewEnforcer(rules, store, false, now)
	h := newHarness(t, "tok", func(o *Options) { o.Budgets = e; o.Now = now })
	return h, e
}

func (h *harness) post(t *testing.T, body string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", h.srv.URL+"/v1/messages", strings.NewReader(body))
	req.Header.Set("X-Api-Key", testKey)
	resp, err := h.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// Issue 28: a stream running when the budget runs out is never cut (its
// overrun is counted); the next request gets 429 rate_limit_error with
// retry-after until the window resets, and never reaches upstream.
func TestBudgetStreamFinishesNextRequestRefused(t *testing.T) {
	h, e := budgetHarness(t, []budget.Rule{{Client: "*", Tokens: 5, Period: budget.Day}})
	h.up.hold = make(chan struct{})
	stream := h.post(t, `{"stream":true}`)
	defer stream.Body.Close()
	<-h.up.firstSent
	// Meanwhile a unary answer (3+1 tokens) and ...
	unary := h.post(t, `{}`)
	io.Copy(io.Discard, unary.Body)
	unary.Body.Close()
	if unary.StatusCode != 200 {
		t.Fatalf("unary: %d", unary.StatusCode)
	}
	// ... the held stream is let go: it finishes whole though the budget
	// is spent while it runs (4 + 4 tokens > 5).
	close(h.up.hold)
	body, err := io.ReadAll(stream.Body)
	if err != nil || !strings.Contains(string(body), "message_stop") {
		t.Fatalf("stream cut: %v\n%s", err, body)
	}
	stream.Body.Close()
	before := len(h.up.requests())
	refused := h.post(t, `{"stream":true}`)
	defer refused.Body.Close()
	if refused.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("over budget: status %d", refused.StatusCode)
	}
	if ra := refused.Header.Get("Retry-After"); ra != "50400" {
		t.Errorf("retry-after %q, want the seconds until midnight UTC (50400)", ra)
	}
	var eb struct {
		Type  string
		Error struct{ Type, Message string }
	}
	json.NewDecoder(refused.Body).Decode(&eb)
	want := "hermes gateway: budget of 5 tokens/day for key:gateway is spent; resets at 2026-12-08T00:00:00Z"
	if eb.Type != "error" || eb.Error.Type != "rate_limit_error" || eb.Error.Message != want {
		t.Errorf("body = %+v, want rate_limit_error %q", eb, want)
	}
	if len(h.up.requests()) != before {
		t.Error("a refused request went upstream")
	}
	usage, _ := e.Usage(t.Context())
	if len(usage) != 1 || usage[0].Tokens != 8 {
		t.Errorf("usage = %+v, want 8 tokens (3+1 unary, 3+1 stream)", usage)
	}
	// Requests that cost nothing still pass.
	req, _ := http.NewRequest("GET", h.srv.URL+"/v1/models", nil)
	req.Header.Set("X-Api-Key", testKey)
	if resp, err := h.client.Do(req); err != nil || resp.StatusCode != 200 {
		t.Errorf("/v1/models over budget: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
}

func TestBudgetMetricsAndUsageEndpoint(t *testing.T) {
	h, _ := budgetHarness(t, []budget.Rule{{Client: budget.KeyPattern, USD: 20, Period: budget.Day}})
	resp := h.post(t, `{}`)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	m, err := h.client.Get(h.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(m.Body)
	m.Body.Close()
	// claude-haiku-5-5: 3 input at $0.10, 1 output at $0.50 per MTok.
	for _, want := range []string{
		`hermes_gateway_client_tokens_total{client="gateway-key",type="input"} 3`,
		`hermes_gateway_client_tokens_total{client="gateway-key",type="output"} 1`,
		`hermes_gateway_client_tokens_total{client="other",type="input"} 0`,
		`hermes_gateway_client_cost_usd_total{client="gateway-key"} 8e-07`,
	} {
		if !strings.Contains(string(text), want+"\n") {
			t.Errorf("/metrics lacks %s:\n%s", want, text)
		}
	}
	u, err := h.client.Get(h.srv.URL + UsagePath)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Body.Close()
	var rep struct {
		Usage []budget.ClientUsage
	}
	json.NewDecoder(u.Body).Decode(&rep)
	if u.StatusCode != 200 || len(rep.Usage) != 1 || rep.Usage[0].Client != "key:gateway" || rep.Usage[0].Tokens != 4 || rep.Usage[0].LimitUSD != 20 {
		t.Errorf("usage: %d %+v", u.StatusCode, rep)
	}
}

func TestUsageEndpointRefusesRemoteCallersWithoutTheKey(t *testing.T) {
	h, _ := budgetHarness(t, []budget.Rule{{Client: "*", USD: 1, Period: budget.Day}})
	h.gw.opts.AllowRemote = true
	rec := &recorder{ResponseWriter: httptest.NewRecorder()}
	req, _ := http.NewRequest("GET", UsagePath, nil)
	req.RemoteAddr = "192.0.2.7:4444"
	req.RequestURI = UsagePath
	h.gw.ServeHTTP(rec, req)
	if rec.status != http.StatusForbidden {
		t.Errorf("remote caller without key: %d", rec.status)
	}
	rec = &recorder{ResponseWriter: httptest.NewRecorder()}
	req.Header.Set("X-Api-Key", testKey)
	h.gw.ServeHTTP(rec, req)
	if rec.status != http.StatusOK {
		t.Errorf("remote caller with the key: %d", rec.status)
	}
}

// unreachableStore is a budget store that cannot be reached, like a Redis
// that is down; its error names the store, as RedisStore's do.
type unreachableStore struct{ budget.Store }

var errStoreDown = errors.New("budget store redis://redis.test:6379/0: dial tcp: connection refused")

func (unreachableStore) Get(context.Context, []budget.Key) ([]budget.Spend, error) {
	return nil, errStoreDown
}
func (unreachableStore) Add(context.Context, []budget.Key, budget.Spend) error { return errStoreDown }
func (unreachableStore) Ping(context.Context) error                            { return errStoreDown }

// Issue 28: with the budget store unreachable, --budget-store-fail closed
// (the default) refuses budgeted requests with 503 and a message naming
// the store and the policy, and /readyz says so; open serves them
// unmetered and /readyz stays 200 but says so too.
func TestBudgetStoreUnreachable(t *testing.T) {
	rules := []budget.Rule{{Client: "*", USD: 20, Period: budget.Day}}
	t.Run("closed", func(t *testing.T) {
		e := budget.NewEnforcer(rules, unreachableStore{}, false, nil)
		h := newHarness(t, "tok", func(o *Options) { o.Budgets = e })
		resp := h.post(t, `{}`)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("status %d, retry-after %q: %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
		for _, want := range []string{`"overloaded_error"`, "redis://redis.test:6379/0", "--budget-store-fail closed"} {
			if !strings.Contains(string(body), want) {
				t.Errorf("body lacks %s: %s", want, body)
			}
		}
		if n := len(h.up.requests()); n != 0 {
			t.Errorf("%d requests went upstream unmetered", n)
		}
		if r, body := h.call(t, "GET", "/readyz", ""); r.StatusCode != http.StatusServiceUnavailable ||
			!strings.Contains(body, "budget store unreachable") || !strings.Contains(body, "--budget-store-fail closed") {
			t.Errorf("readyz: %d %s", r.StatusCode, body)
		}
		// What costs nothing is still served.
		if r, body := h.call(t, "GET", "/v1/models", testKey); r.StatusCode != 200 {
			t.Errorf("/v1/models: %d %s", r.StatusCode, body)
		}
	})
	t.Run("open", func(t *testing.T) {
		e := budget.NewEnforcer(rules, unreachableStore{}, true, nil)
		h := newHarness(t, "tok", func(o *Options) { o.Budgets = e })
		resp := h.post(t, `{}`)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || len(h.up.requests()) != 1 {
			t.Fatalf("fail open: status %d, %d upstream", resp.StatusCode, len(h.up.requests()))
		}
		if r, body := h.call(t, "GET", "/readyz", ""); r.StatusCode != 200 ||
			!strings.Contains(body, "served without budgets") || !strings.Contains(body, "redis://redis.test:6379/0") {
			t.Errorf("readyz: %d %s", r.StatusCode, body)
		}
	})
}

// budgetCall sends method path with body (none when empty) and the key.
func (h *harness) budgetCall(t *testing.T, method, path, body string) (*http.Response, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Api-Key", testKey)
	resp, err := h.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// unmeterable are requests that may create model work whose usage the
// gateway never reads: a client with a budget could spend without limit
// through them.
var unmeterable = []struct{ method, path, body string }{
	{"POST", "/v1/messages/batches", `{"requests":[{"custom_id":"a","params":{"model":"claude-haiku-5-5","max_tokens":9,"messages":[]}}]}`},
	{"POST", "/v1/complete", `{"model":"claude-2.1","prompt":"\n\nHuman: hi\n\nAssistant:","max_tokens_to_sample":9}`},
	{"POST", "/v1/some-endpoint-newer-than-the-gateway", `{}`},
	{"PUT", "/v1/messages/batches", `{}`},
	{"POST", "/v1/messages/batches/msgbatch_1/results", `{}`},
	{"POST", "/v1/messages/batches/msgbatch_1/x/cancel", `{}`},
	// Spellings that could route upstream differently from how they read here.
	{"POST", "/v1/messages/%62atches", `{}`},
	{"POST", "/v1/messages/count%5Ftokens", `{}`},
	// A "read" that carries a body is not one.
	{"GET", "/v1/messages", `{"messages":[]}`},
}

// The audit of issue 28: POST /v1/messages/batches (and /v1/complete, and
// endpoints the gateway does not know) went upstream without a budget
// check, and their usage was never counted. For a client with a budget
// they are refused before reaching upstream; the requests it can still
// make are named. Clients without a budget are unaffected, and a
// budgeted client's Messages requests and free requests still work.
func TestBudgetRefusesWhatItCannotMeter(t *testing.T) {
	h, e := budgetHarness(t, []budget.Rule{{Client: budget.KeyPattern, USD: 20, Period: budget.Day}})
	for _, c := range unmeterable {
		resp, body := h.budgetCall(t, c.method, c.path, c.body)
		if resp.StatusCode != http.StatusForbidden || resp.Header.Get("X-Should-Retry") != "false" {
			t.Errorf("%s %s: status %d, x-should-retry %q: %s", c.method, c.path, resp.StatusCode, resp.Header.Get("X-Should-Retry"), body)
			continue
		}
		var eb struct {
			Type  string
			Error struct{ Type, Message string }
		}
		json.Unmarshal([]byte(body), &eb)
		if eb.Type != "error" || eb.Error.Type != "permission_error" {
			t.Errorf("%s %s: body %s, want a permission_error", c.method, c.path, body)
		}
		for _, want := range []string{"key:gateway has a spend budget", "cannot meter " + c.method + " " + c.path, "POST /v1/messages", "exempt key:gateway"} {
			if !strings.Contains(eb.Error.Message, want) {
				t.Errorf("%s %s: message lacks %q: %s", c.method, c.path, want, eb.Error.Message)
			}
		}
	}
	if reqs := h.up.requests(); len(reqs) != 0 {
		t.Fatalf("%d refused requests went upstream, the first %s %s", len(reqs), reqs[0].Method, reqs[0].Path)
	}

	// What costs nothing passes, and Messages requests are metered.
	free := []struct{ method, path, body string }{
		{"GET", "/v1/messages/batches", ""},
		{"GET", "/v1/messages/batches/msgbatch_1", ""},
		{"GET", "/v1/messages/batches/msgbatch_1/results", ""},
		{"POST", "/v1/messages/batches/msgbatch_1/cancel", ""},
		{"DELETE", "/v1/messages/batches/msgbatch_1", ""},
		{"POST", "/v1/messages/count_tokens", `{"messages":[]}`},
		{"GET", "/v1/models", ""},
		{"GET", "/v1/models/claude-haiku-5-5", ""},
		{"POST", "/v1/files", `file`},
		{"DELETE", "/v1/files/file_1", ""},
		{"POST", "/v1/messages", `{}`},
	}
	for _, c := range free {
		if resp, body := h.budgetCall(t, c.method, c.path, c.body); resp.StatusCode != 200 {
			t.Errorf("%s %s: status %d: %s", c.method, c.path, resp.StatusCode, body)
		}
	}
	if n := len(h.up.requests()); n != len(free) {
		t.Errorf("%d requests upstream, want %d", n, len(free))
	}
	usage, _ := e.Usage(t.Context())
	if len(usage) != 1 || usage[0].Tokens != 4 {
		t.Errorf("usage = %+v, want the one Messages answer's 4 tokens", usage)
	}

	// A client no budget applies to reaches every endpoint as before.
	h, _ = budgetHarness(t, []budget.Rule{{Client: "https://issuer.test#team-a:*", USD: 20, Period: budget.Day}})
	for _, c := range unmeterable {
		if resp, body := h.budgetCall(t, c.method, c.path, c.body); resp.StatusCode != 200 {
			t.Errorf("unbudgeted %s %s: status %d: %s", c.method, c.path, resp.StatusCode, body)
		}
	}
	if reqs := h.up.requests(); len(reqs) != len(unmeterable) || reqs[0].Method != "POST" || reqs[0].Path != "/v1/messages/batches" {
		t.Errorf("unbudgeted requests upstream: %+v", reqs)
	}
}

// The refusal needs no store: with the store unreachable the batch is
// still refused for what it is (403), not as an outage.
func TestBudgetRefusesUnmeteredWithStoreDown(t *testing.T) {
	e := budget.NewEnforcer([]budget.Rule{{Client: "*", USD: 20, Period: budget.Day}}, unreachableStore{}, true, nil)
	h := newHarness(t, "tok", func(o *Options) { o.Budgets = e })
	if resp, body := h.budgetCall(t, "POST", "/v1/messages/batches", `{}`); resp.StatusCode != http.StatusForbidden {
		t.Errorf("status %d: %s", resp.StatusCode, body)
	}
	if n := len(h.up.requests()); n != 0 {
		t.Errorf("%d requests upstream", n)
	}
}
