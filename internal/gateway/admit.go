package gateway

import (
	"cmp"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/telemetry"
)

// instrument sets up what New needs beyond the proxy: the clock, metrics,
// the metered token source, client verification and limits. It returns the
// runtime the proxy's credential transport uses.
func (g *Gateway) instrument() (*credential.Runtime, error) {
	if g.opts.Now == nil {
		g.opts.Now = time.Now
	}
	g.now = g.opts.Now
	var subjects []string
	if g.opts.ClientAuth.Enabled() {
		subjects = g.opts.ClientAuth.Subjects
		if g.opts.ClientAuth.Now == nil {
			g.opts.ClientAuth.Now = g.now
		}
		v, err := newClientVerifier(*g.opts.ClientAuth)
		if err != nil {
			return nil, err
		}
		g.verifier = v
	} else if err := g.opts.ClientAuth.Validate(); err != nil {
		return nil, err
	}
	if g.opts.Limits.MaxStreams < 0 || g.opts.Limits.RPM < 0 {
		return nil, errors.New("gateway: client limits must not be negative")
	}
	g.limiter = newLimiter(g.opts.Limits, g.now)
	rt := *g.opts.Runtime
	g.metrics = newMetrics(&rt, g.now, subjects)
	if g.opts.Budgets != nil {
		g.metrics.budgetMetrics(g.opts.Budgets)
	}
	_, static := rt.Tokens.(credential.StaticSource)
	g.tokens = &meteredTokens{inner: rt.Tokens, m: g.metrics, static: static}
	rt.Tokens = g.tokens
	return &rt, nil
}

// serveUnauthenticated answers the endpoints that need no key — /readyz
// and /metrics (like /healthz, they show no secret) — and reports whether
// it did.
func (g *Gateway) serveUnauthenticated(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	switch r.URL.Path {
	case "/readyz":
		g.ready(w, r)
	case "/metrics":
		g.serveMetrics(w)
	case UsagePath:
		g.serveUsage(w, r)
	default:
		return false
	}
	return true
}

// admit authenticates the client (gateway key or workload-identity JWT)
// and applies its limits. On refusal it has answered (401 naming the failed
// check, or 429 with retry-after) and ok is false. client is the admitted
// client's name (clientIdentity.Name).
func (g *Gateway) admit(w http.ResponseWriter, r *http.Request) (release func(), client string, ok bool) {
	id, refusal := g.authenticate(r)
	if refusal != nil {
		g.metrics.refused(refusal.Reason)
		msg := "hermes gateway: missing or wrong gateway key (send it as x-api-key or Authorization: Bearer)"
		if refusal.Reason != RefuseKey {
			msg = "hermes gateway: client token refused: " + refusal.Error()
		}
		g.log.Info("gateway: client refused", "reason", refusal.Reason, "detail", refusal.Detail)
		writeError(w, http.StatusUnauthorized, "authentication_error", msg)
		return nil, "", false
	}
	if rec, ok := w.(*recorder); ok {
		rec.client, rec.pattern = id.Name(), id.Pattern
	}
	release, limit, wait := g.limiter.acquire(id.Name())
	if release == nil {
		g.metrics.rateLimited(id.Pattern, limit)
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(wait)))
		what := "requests per minute"
		if limit == limitStreams {
			what = "concurrent streams"
		}
		writeRateLimited(w, "hermes gateway: client "+strconv.Quote(id.Name())+" is over its limit of "+what)
		return nil, "", false
	}
	g.metrics.clientRequest(id.Pattern)
	return release, id.Name(), true
}

// authenticate accepts the gateway key (every presented value must be it,
// so a second smuggled header cannot ride along) or, with client auth
// configured, exactly one workload-identity JWT.
func (g *Gateway) authenticate(r *http.Request) (clientIdentity, *ClientRefusal) {
	if g.authorized(r.Header) {
		return keyIdentity, nil
	}
	if g.verifier == nil {
		return clientIdentity{}, refuse(RefuseKey, "missing or wrong gateway key")
	}
	tok, ok := singleBearer(r.Header)
	if !ok || !looksLikeJWT(tok) {
		return clientIdentity{}, refuse(RefuseKey, "missing or wrong gateway key")
	}
	return g.verifier.Verify(r.Context(), tok)
}

// singleBearer returns the one credential value the request carries (as
// x-api-key or Authorization: Bearer, possibly both with the same value).
func singleBearer(h http.Header) (string, bool) {
	var vals []string
	vals = append(vals, h.Values("X-Api-Key")...)
	for _, v := range h.Values("Authorization") {
		scheme, tok, ok := cutBearer(v)
		if !ok || scheme == "" {
			return "", false
		}
		vals = append(vals, tok)
	}
	if len(vals) == 0 {
		return "", false
	}
	for _, v := range vals[1:] {
		if v != vals[0] {
			return "", false
		}
	}
	return vals[0], true
}

// observe records a finished request in the metrics.
func (g *Gateway) observe(r *http.Request, rec *recorder, start time.Time) {
	status := rec.status
	if status == 0 {
		status = 499 // nothing was answered: the client went away
	}
	route := routeLabel(r.URL.Path)
	g.metrics.request(route, status)
	telemetry.RecordGatewayRequest(r.Context(), cmp.Or(rec.pattern, "unauthenticated"), status, time.Since(start))
	if rec.bytes > 0 && route != "/metrics" {
		g.metrics.bytes.Add(uint64(rec.bytes))
	}
	if rec.proxied && !rec.firstByte.IsZero() {
		g.metrics.ttfb.Observe(rec.firstByte.Sub(start).Seconds())
	}
}

func cutBearer(v string) (scheme, tok string, ok bool) {
	scheme, tok, ok = strings.Cut(v, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", "", false
	}
	return scheme, strings.TrimSpace(tok), true
}

// writeRateLimited answers 429 in the API's error shape; unlike other 4xx
// it may be retried (after Retry-After), as the SDKs do for the API's own.
func writeRateLimited(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Should-Retry", "true")
	w.WriteHeader(http.StatusTooManyRequests)
	json.NewEncoder(w).Encode(map[string]any{
		"type":  "error",
		"error": map[string]string{"type": "rate_limit_error", "message": msg},
	})
}
