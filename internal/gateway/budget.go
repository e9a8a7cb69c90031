package gateway

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/hermes-agent/hermes/internal/budget"
)

// Budgets: a client over its spend budget gets 429 before its request
// goes upstream; every forwarded Messages answer's usage is counted when
// its body ends (a stream is never cut: its overrun counts, and the next
// request is refused). See internal/budget.

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

// budgeted reports whether requests to this path spend money.
func budgeted(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Path == "/v1/messages"
}

// checkBudget refuses a client over its budget (429 with retry-after) or,
// with the store unreachable and failing closed, any budgeted client (503).
// It returns the request carrying the client for recordUsage.
func (g *Gateway) checkBudget(w http.ResponseWriter, r *http.Request, client string) (*http.Request, bool) {
	b := g.opts.Budgets
	if b == nil || !budgeted(r) {
		return r, true
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
