package gateway

import (
	"context"
	"crypto/sha256"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hermes-agent/hermes/internal/credential"
)

// Metric names, in the Prometheus text format at GET /metrics. Every label
// takes values from a bounded set: routes from a fixed list, statuses are
// HTTP codes, subjects are the --client-subject patterns (never raw subs).
const (
	metricRequests       = "hermes_gateway_requests_total"
	metricUpstream       = "hermes_gateway_upstream_latency_seconds"
	metricTTFB           = "hermes_gateway_time_to_first_byte_seconds"
	metricActive         = "hermes_gateway_active_streams"
	metricBytes          = "hermes_gateway_streamed_bytes_total"
	metricExchanges      = "hermes_gateway_token_exchanges_total"
	metricExpiry         = "hermes_gateway_token_expiry_seconds"
	metricRetries        = "hermes_gateway_upstream_401_retries_total"
	metricRefusals       = "hermes_gateway_client_auth_refusals_total"
	metricClientRequests = "hermes_gateway_client_requests_total"
	metricRateLimited    = "hermes_gateway_client_rate_limited_total"
)

// latencyBuckets suit API calls: from 50 ms to a 10-minute stream.
var latencyBuckets = []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600}

// keySubject is the per-subject label of clients holding the gateway key.
const keySubject = "gateway-key"

// gwMetrics holds one gateway's metrics in its own registry: no globals,
// so two gateways in one process (tests, hermes exec) do not mix.
type gwMetrics struct {
	reg      *registry
	active   atomic.Int64
	bytes    *atomic.Uint64
	upstream *histogram
	ttfb     *histogram
	retries  *atomic.Uint64

	requests, exchanges, refusals, clients, rateLimits *family
}

func newMetrics(rt *credential.Runtime, now func() time.Time, subjects []string) *gwMetrics {
	r := newRegistry()
	m := &gwMetrics{
		reg:        r,
		requests:   r.counterFamily(metricRequests, "Requests answered, by route and HTTP status."),
		exchanges:  r.counterFamily(metricExchanges, "Upstream tokens obtained (success) or not (failure)."),
		refusals:   r.counterFamily(metricRefusals, "Clients refused by client authentication, by reason."),
		clients:    r.counterFamily(metricClientRequests, "Requests admitted, by the client-subject pattern that matched."),
		rateLimits: r.counterFamily(metricRateLimited, "Requests refused with 429, by client-subject pattern and limit."),
		upstream:   r.histogram(metricUpstream, "Seconds from sending a request upstream to its response headers.", latencyBuckets),
		ttfb:       r.histogram(metricTTFB, "Seconds from a proxied request's arrival to the first response byte sent.", latencyBuckets),
	}
	m.bytes = r.counterFamily(metricBytes, "Response body bytes sent to clients.").counter("")
	m.retries = r.counterFamily(metricRetries, "Upstream 401s answered by invalidating the token and retrying.").counter("")
	r.gauge(metricActive, "Requests being proxied now.", func() float64 { return float64(m.active.Load()) })
	r.gauge(metricExpiry, "Seconds until the held upstream token expires (NaN when none expires).",
		func() float64 { return tokenExpirySeconds(rt, now) })
	for _, o := range []string{"success", "failure"} {
		m.exchanges.counter(labels("outcome", o))
	}
	for _, reason := range refusalReasons {
		m.refusals.counter(labels("reason", reason))
	}
	for _, p := range append([]string{keySubject}, subjects...) {
		m.clients.counter(labels("subject", p))
	}
	return m
}

// tokenExpirySeconds is how long the held token stays valid; NaN when no
// expiring token is held (an API key, or nothing fetched yet), so alerts
// on a low value do not fire for those.
func tokenExpirySeconds(rt *credential.Runtime, now func() time.Time) float64 {
	p, ok := rt.Tokens.(credential.Peeker)
	if !ok {
		return math.NaN()
	}
	tok, held := p.Peek()
	if !held || tok.Expiry.IsZero() {
		return math.NaN()
	}
	return tok.Expiry.Sub(now()).Seconds()
}

func (m *gwMetrics) request(route string, status int) {
	m.requests.counter(labels("route", route, "status", strconv.Itoa(status))).Add(1)
}

func (m *gwMetrics) refused(reason string) {
	m.refusals.counter(labels("reason", reason)).Add(1)
}

func (m *gwMetrics) clientRequest(pattern string) {
	m.clients.counter(labels("subject", pattern)).Add(1)
}

func (m *gwMetrics) rateLimited(pattern, limit string) {
	m.rateLimits.counter(labels("subject", pattern, "limit", limit)).Add(1)
}

func (m *gwMetrics) exchange(ok bool) {
	o := "success"
	if !ok {
		o = "failure"
	}
	m.exchanges.counter(labels("outcome", o)).Add(1)
}

// routeLabel maps a path to one of a fixed set of routes.
func routeLabel(p string) string {
	switch p {
	case "/v1/messages", "/v1/messages/count_tokens", "/v1/models", "/v1/messages/batches",
		"/healthz", "/readyz", "/metrics":
		return p
	}
	switch {
	case strings.HasPrefix(p, "/v1/models/"):
		return "/v1/models/{id}"
	case strings.HasPrefix(p, "/v1/messages/batches/"):
		return "/v1/messages/batches/{id}"
	case strings.HasPrefix(p, "/v1/"):
		return "/v1/other"
	}
	return "other"
}

// serveMetrics answers GET /metrics.
func (g *Gateway) serveMetrics(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	g.metrics.reg.write(w)
}

// timedTransport measures upstream latency: request sent to response
// headers received, for every upstream round trip (401 retries included).
type timedTransport struct {
	base http.RoundTripper
	m    *gwMetrics
}

func (t timedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.base.RoundTrip(r)
	if err == nil {
		t.m.upstream.Observe(time.Since(start).Seconds())
	}
	return resp, err
}

// meteredTokens wraps the runtime's token source to count exchanges (a
// token value not seen before, or a failure) and 401 retries (the
// credential transport invalidates a refused token before retrying). It
// keeps only a hash of the last token.
type meteredTokens struct {
	inner  credential.TokenSource
	m      *gwMetrics
	static bool // a fixed secret: nothing is ever exchanged

	mu   sync.Mutex
	last [32]byte
}

func (t *meteredTokens) Token(ctx context.Context) (credential.Token, error) {
	tok, err := t.inner.Token(ctx)
	if t.static {
		return tok, err
	}
	if err != nil {
		t.m.exchange(false)
		return tok, err
	}
	sum := sha256.Sum256([]byte(tok.Value))
	t.mu.Lock()
	changed := sum != t.last
	t.last = sum
	t.mu.Unlock()
	if changed {
		t.m.exchange(true)
	}
	return tok, nil
}

func (t *meteredTokens) Invalidate(value string) {
	if inv, ok := t.inner.(credential.Invalidator); ok {
		t.m.retries.Add(1)
		inv.Invalidate(value)
	}
}

func (t *meteredTokens) Peek() (credential.Token, bool) {
	if p, ok := t.inner.(credential.Peeker); ok {
		return p.Peek()
	}
	return credential.Token{}, false
}

// CloseIdleConnections forwards to the base transport (tests and shutdown
// close pooled upstream connections through it).
func (t timedTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
