package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hermes-agent/hermes/internal/budget"
)

// Budgets: a client over its spend budget gets 429 before its request
// goes upstream; every forwarded Messages answer's usage is counted when
// its body ends (a stream is never cut: its overrun counts, and the next
// request is refused). A client with a budget may not call an endpoint
// whose cost the gateway cannot read (spendOf). See internal/budget.

// Metric names of the budget counters. The client label is a configured
// budget's pattern, or "other": a bounded set whatever the clients are.
const (
	metricClientTokens = "hermes_gateway_client_tokens_total"
	metricClientCost   = "hermes_gateway_client_cost_usd_total"
	metricBudgetRefuse = "hermes_gateway_client_budget_refusals_total"
)

// UsagePath is the admin endpoint `hermes gateway usage` reads.
const UsagePath = "/hermes/usage"

type clientKey struct{}

// spend is what a request may cost, as far as budgets are concerned.
type spend int

const (
	// spendNothing: reads, token counting, cancelling or deleting a batch,
	// file operations. Never refused for budget reasons.
	spendNothing spend = iota
	// spendMetered: POST /v1/messages, whose answer's usage the meter reads.
	spendMetered
	// spendUnmetered: anything else. It may create model work whose usage
	// the gateway never sees (a message batch, whose results are fetched
	// later; the legacy /v1/complete; an endpoint newer than this code),
	// so a budgeted client may not make it: a budget that can be dodged
	// is no budget.
	spendUnmetered
)

// spendOf classifies a request. What it does not recognise is unmetered:
// the gateway forwards every /v1/ path, and an unknown one may be billable.
// Paths spelled with escapes the API never needs are not recognised either,
// so what upstream routes is what was classified.
func spendOf(r *http.Request) spend {
	p := r.URL.Path
	if r.URL.RawPath != "" {
		return spendUnmetered
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		// A read creates no model work; a "read" with a body is not one.
		if r.ContentLength == 0 {
			return spendNothing
		}
	case http.MethodPost:
		switch {
		case p == "/v1/messages":
			return spendMetered
		case p == "/v1/messages/count_tokens", p == "/v1/files":
			return spendNothing
		}
		if rest, ok := strings.CutPrefix(p, "/v1/messages/batches/"); ok {
			if id, ok := strings.CutSuffix(rest, "/cancel"); ok && oneSegment(id) {
				return spendNothing
			}
		}
	case http.MethodDelete:
		for _, prefix := range []string{"/v1/messages/batches/", "/v1/files/"} {
			if id, ok := strings.CutPrefix(p, prefix); ok && oneSegment(id) {
				return spendNothing
			}
		}
	}
	return spendUnmetered
}

// oneSegment reports whether id is one non-empty path segment.
func oneSegment(id string) bool {
	return id != "" && id != "." && id != ".." && !strings.Contains(id, "/")
}

// checkBudget refuses, for a client with a budget, a request the meter
// cannot count (403), and a billable request when the client is over its
// budget (429 with retry-after) or the store is unreachable and failing
// closed (503). It returns the request carrying the client for meterUsage.
func (g *Gateway) checkBudget(w http.ResponseWriter, r *http.Request, client string) (*http.Request, bool) {
	b := g.opts.Budgets
	if b == nil {
		return r, true
	}
	switch spendOf(r) {
	case spendNothing:
		return r, true
	case spendUnmetered:
		if !b.Applies(client) {
			return r, true
		}
		writeError(w, http.StatusForbidden, "permission_error", fmt.Sprintf(
			"hermes gateway: %s has a spend budget, and the gateway cannot meter %s %s, so it is not forwarded; "+
				"send the requests to POST /v1/messages one by one (message batches and /v1/complete are not metered), "+
				"or ask the gateway's operator to exempt %s from budgets",
			client, r.Method, r.URL.EscapedPath(), client))
		return r, false
	}
	if ref := b.Check(r.Context(), client); ref != nil {
		if !ref.Spent {
			g.log.Warn("gateway: budget store unreachable; refusing", "client", client, "err", ref.Err)
			w.Header().Set("Retry-After", strconv.Itoa(int(defaultRetryAfter/time.Second)))
			writeError(w, http.StatusServiceUnavailable, "overloaded_error", "hermes gateway: "+ref.Error())
			return r, false
		}
		wait := ref.ResetAt.Sub(g.now())
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(wait)))
		// Retrying before the reset cannot succeed: SDKs should not.
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Should-Retry", "false")
		w.WriteHeader(http.StatusTooManyRequests)
		json.NewEncoder(w).Encode(map[string]any{
			"type":  "error",
			"error": map[string]string{"type": "rate_limit_error", "message": "hermes gateway: " + ref.Error()},
		})
		return r, false
	}
	return r.WithContext(context.WithValue(r.Context(), clientKey{}, client)), true
}

// meterUsage wraps a successful Messages answer's body so that its usage
// is counted against the client's budgets when the body ends or closes.
func (g *Gateway) meterUsage(resp *http.Response) {
	b := g.opts.Budgets
	if b == nil || resp.StatusCode != http.StatusOK || resp.Body == nil || resp.Body == http.NoBody {
		return
	}
	client, ok := resp.Request.Context().Value(clientKey{}).(string)
	if !ok {
		return
	}
	stream := isEventStream(resp.Header.Get("Content-Type"))
	resp.Body = &meteredBody{ReadCloser: resp.Body, meter: budget.NewMeter(stream), done: func(m *budget.Meter) {
		u, ok := m.Usage()
		if !ok {
			return
		}
		if err := b.Record(context.Background(), client, u); err != nil {
			g.log.Warn("gateway: could not record usage in the budget store", "client", client, "err", err)
		}
	}}
}

func isEventStream(ct string) bool {
	return len(ct) >= len("text/event-stream") && ct[:len("text/event-stream")] == "text/event-stream"
}

// meteredBody feeds what the client is sent to a meter and reports once,
// at the end of the body or when the proxy closes it (client gone).
type meteredBody struct {
	io.ReadCloser
	meter *budget.Meter
	done  func(*budget.Meter)
	once  sync.Once
}

func (b *meteredBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.meter.Write(p[:n])
	}
	if err == io.EOF {
		b.finish()
	}
	return n, err
}

func (b *meteredBody) Close() error {
	err := b.ReadCloser.Close()
	b.finish()
	return err
}

func (b *meteredBody) finish() { b.once.Do(func() { b.done(b.meter) }) }

// budgetMetrics registers the per-client token and cost counters.
func (m *gwMetrics) budgetMetrics(b *budget.Enforcer) {
	m.reg.counterFunc(metricClientTokens, "Tokens of forwarded answers, by budget client pattern (or other) and type.", func() map[string]float64 {
		out := map[string]float64{}
		for label, t := range b.Totals() {
			out[labels("client", label, "type", "input")] = float64(t.Input)
			out[labels("client", label, "type", "output")] = float64(t.Output)
			out[labels("client", label, "type", "cache_creation")] = float64(t.CacheWrite)
			out[labels("client", label, "type", "cache_read")] = float64(t.CacheRead)
		}
		return out
	})
	m.reg.counterFunc(metricClientCost, "USD cost of forwarded answers at list prices, by budget client pattern (or other).", func() map[string]float64 {
		out := map[string]float64{}
		for label, t := range b.Totals() {
			out[labels("client", label)] = float64(t.NanoUSD) / 1e9
		}
		return out
	})
	m.reg.counterFunc(metricBudgetRefuse, "Requests refused with 429 because a budget was spent, by budget client pattern.", func() map[string]float64 {
		out := map[string]float64{}
		for label, t := range b.Totals() {
			out[labels("client", label)] = float64(t.Refused)
		}
		return out
	})
}

// budgetReadiness is nil when no store is configured or it answers.
func (g *Gateway) budgetReadiness(ctx context.Context) error {
	if g.opts.Budgets == nil {
		return nil
	}
	return g.opts.Budgets.Store().Ping(ctx)
}

// serveUsage answers GET /hermes/usage: every client's spend in its
// budgets' current windows. Loopback callers, or callers holding the
// gateway key; a workload-identity client cannot read others' spend.
func (g *Gateway) serveUsage(w http.ResponseWriter, r *http.Request) {
	if !loopbackPeer(r.RemoteAddr) && !g.authorized(r.Header) {
		writeError(w, http.StatusForbidden, "permission_error", "hermes gateway: usage is shown to loopback callers and to holders of the gateway key")
		return
	}
	b := g.opts.Budgets
	body := map[string]any{"budgets": []budget.Rule{}, "usage": []budget.ClientUsage{}}
	if b != nil {
		usage, err := b.Usage(r.Context())
		if err != nil {
			writeError(w, http.StatusServiceUnavailable, "api_error", "hermes gateway: "+err.Error())
			return
		}
		if usage == nil {
			usage = []budget.ClientUsage{}
		}
		body = map[string]any{"budgets": b.Rules(), "store": b.Store().Describe(), "usage": usage}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(body)
}
