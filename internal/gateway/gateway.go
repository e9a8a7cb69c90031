// Package gateway is the local Anthropic-compatible reverse proxy behind
// `hermes gateway` and `hermes exec`: local clients present a gateway key,
// the gateway strips it and sends the request on with the resolved
// credential, through the same credential.Transport every hermes client uses.
package gateway

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/hermes-agent/hermes/internal/budget"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/secret"
	"github.com/hermes-agent/hermes/internal/telemetry"
)

// Defaults for Options.
const (
	DefaultMaxBodyBytes    int64 = 32 << 20
	DefaultReplayBodyBytes int64 = 1 << 20
)

// Options configure a Gateway.
type Options struct {
	// Runtime is the resolved credential. It is kept for the gateway's
	// lifetime; its TokenSource is asked per request, so refreshes are
	// invisible to clients.
	Runtime *credential.Runtime
	// Key is the local gateway key clients must present.
	Key string
	// MaxBodyBytes bounds request bodies (0: DefaultMaxBodyBytes); larger → 413.
	MaxBodyBytes int64
	// ReplayBodyBytes is the largest body buffered so that a request
	// refused with 401 can be retried with a fresh token (0:
	// DefaultReplayBodyBytes). Larger bodies stream without replay.
	ReplayBodyBytes int64
	// AllowRemote accepts callers from non-loopback addresses.
	AllowRemote bool
	// Logger receives the access log (Info) and proxy errors (Warn).
	// nil: discard.
	Logger *slog.Logger
	// Transport carries requests upstream, under the credential transport.
	// nil: a pooled clone of http.DefaultTransport.
	Transport http.RoundTripper
	// ClientAuth, when enabled, also admits clients presenting their own
	// OIDC JWT instead of the key (see clientauth.go).
	ClientAuth *ClientAuth
	// Limits bound each client's streams and requests per minute.
	Limits ClientLimits
	// Now is the clock for limits, readiness and metrics (nil: time.Now).
	Now func() time.Time
	// StreamIdleTimeout ends a streamed answer whose upstream sent nothing
	// for this long (0: HERMES_HTTP_TIMEOUT, else 5 minutes).
	StreamIdleTimeout time.Duration
	// Budgets, when set, enforce per-client spend budgets (budget.go).
	Budgets *budget.Enforcer
}

// Gateway is an http.Handler proxying /v1/... to the runtime's base URL.
type Gateway struct {
	opts     Options
	keyHash  [32]byte
	upstream *url.URL
	proxy    *httputil.ReverseProxy
	log      *slog.Logger

	now      func() time.Time
	tokens   credential.TokenSource // the runtime's, metered
	verifier *clientVerifier        // nil: gateway key only
	limiter  *limiter
	metrics  *gwMetrics
	draining atomic.Bool
	inflight atomic.Int64 // requests being proxied

	streamsMu sync.Mutex
	streams   map[*streamBody]struct{} // open upstream event streams
	cutting   bool                     // the shutdown grace is over

	readyMu  sync.Mutex
	readyAt  time.Time
	readyErr error
}

// New checks opts and builds the gateway.
func New(opts Options) (*Gateway, error) {
	if opts.Runtime == nil || opts.Runtime.Tokens == nil {
		return nil, errors.New("gateway: no credential runtime")
	}
	if opts.Key == "" {
		return nil, errors.New("gateway: empty gateway key")
	}
	up, err := url.Parse(opts.Runtime.BaseURL)
	if err != nil || (up.Scheme != "http" && up.Scheme != "https") || up.Host == "" {
		return nil, fmt.Errorf("gateway: upstream base URL %q is not an http(s) URL", opts.Runtime.BaseURL)
	}
	secret.Remember(opts.Key)
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.ReplayBodyBytes <= 0 {
		opts.ReplayBodyBytes = DefaultReplayBodyBytes
	}
	if opts.ReplayBodyBytes > opts.MaxBodyBytes {
		opts.ReplayBodyBytes = opts.MaxBodyBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Transport == nil {
		opts.Transport = DefaultTransport()
	}
	g := &Gateway{
		opts:     opts,
		keyHash:  sha256.Sum256([]byte(opts.Key)),
		upstream: up,
		log:      opts.Logger,
	}
	rt, err := g.instrument()
	if err != nil {
		return nil, err
	}
	// Under the credential transport, so the scrubber sees the value sent.
	scrub := scrubTransport{base: timedTransport{base: opts.Transport, m: g.metrics}, extra: []string{opts.Key}}
	g.proxy = &httputil.ReverseProxy{
		Rewrite:   g.rewrite,
		Transport: rt.Transport(scrub),
		// SSE and bodies of unknown length are flushed after every write
		// whatever this says (the proxy treats them as FlushInterval -1),
		// so the first event reaches the client as soon as upstream sends
		// it. Fixed-length JSON is not flushed per write: that would cost a
		// syscall per response and buys nothing.
		FlushInterval: 0,
		BufferPool:    bufferPool{},
		ErrorHandler:  g.proxyError,
		ModifyResponse: func(resp *http.Response) error {
			g.boundStream(resp)
			g.meterUsage(resp)
			return redactErrorBody(resp)
		},
		ErrorLog: slog.NewLogLogger(opts.Logger.Handler(), slog.LevelWarn),
	}
	return g, nil
}

// DefaultTransport is the upstream transport: http.DefaultTransport's
// settings with a larger idle pool (many concurrent local clients share one
// upstream) and no transparent compression (bodies pass through as sent).
func DefaultTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 512
	t.MaxIdleConnsPerHost = 256
	t.DisableCompression = true
	// A hung upstream ends in 504 instead of holding the client forever;
	// once headers arrive, a stream may take as long as it takes.
	t.ResponseHeaderTimeout = credential.HTTPTimeout(nil, upstreamHeaderTimeout)
	return t
}

// upstreamHeaderTimeout bounds the wait for the upstream's response
// headers (HERMES_HTTP_TIMEOUT changes it), as hermes's own API client does.
const upstreamHeaderTimeout = 5 * time.Minute

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w}
	ctx, span := telemetry.StartSpan(r.Context(), "hermes.gateway.request",
		attribute.String("http.request.method", r.Method), attribute.String("route", routeLabel(r.URL.Path)))
	r = r.WithContext(ctx)
	defer func() {
		// The proxy aborts a response whose upstream stream broke by
		// panicking with http.ErrAbortHandler; log it, then let it abort.
		p := recover()
		g.logAccess(r, rec, start, p != nil)
		g.observe(r, rec, start)
		span.SetAttributes(attribute.Int("http.response.status_code", rec.status), attribute.String("client", cmp.Or(rec.pattern, "unauthenticated")))
		telemetry.End(span, nil)
		if p != nil {
			panic(p)
		}
	}()
	g.serve(rec, r)
}

func (g *Gateway) serve(w http.ResponseWriter, r *http.Request) {
	if !g.opts.AllowRemote && !loopbackPeer(r.RemoteAddr) {
		writeError(w, http.StatusForbidden, "permission_error", "this hermes gateway accepts loopback clients only (start it with --allow-remote to change that)")
		return
	}
	// Only origin-form targets: an absolute-URI request is someone using
	// the gateway as a forward proxy to another host.
	if !strings.HasPrefix(r.RequestURI, "/") {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "hermes gateway: request target must be a path such as /v1/messages, not an absolute URL")
		return
	}
	if r.URL.Path == "/healthz" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		g.health(w, r)
		return
	}
	if g.serveUnauthenticated(w, r) {
		return
	}
	if g.draining.Load() {
		// Shutting down: open streams may finish, new work goes elsewhere.
		w.Header().Set("Connection", "close")
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, "overloaded_error", "hermes gateway: shutting down; retry the request (on another instance)")
		return
	}
	g.inflight.Add(1)
	defer g.inflight.Add(-1)
	release, client, ok := g.admit(w, r)
	if !ok {
		return
	}
	defer release()
	// A path that is not already clean could climb out of /v1 upstream.
	if !strings.HasPrefix(r.URL.Path, "/v1/") || path.Clean(r.URL.Path) != r.URL.Path {
		writeError(w, http.StatusNotFound, "not_found_error", "hermes gateway: only /v1/... paths are forwarded")
		return
	}
	if r, ok = g.checkBudget(w, r, client); !ok {
		return
	}
	if r.ContentLength > g.opts.MaxBodyBytes {
		writeError(w, http.StatusRequestEntityTooLarge, "request_too_large", fmt.Sprintf("hermes gateway: request body larger than %d bytes", g.opts.MaxBodyBytes))
		return
	}
	if err := g.prepareBody(r); err != nil {
		g.proxyError(w, r, err)
		return
	}
	if rec, ok := w.(*recorder); ok {
		rec.proxied = true
	}
	g.metrics.active.Add(1)
	defer g.metrics.active.Add(-1)
	g.proxy.ServeHTTP(w, r)
}

// authorized reports whether the request carries the gateway key and no
// other credential: every x-api-key and Authorization value must be the
// key, so a second smuggled header cannot ride along.
func (g *Gateway) authorized(h http.Header) bool {
	var presented []string
	presented = append(presented, h.Values("X-Api-Key")...)
	for _, v := range h.Values("Authorization") {
		scheme, tok, ok := strings.Cut(v, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return false
		}
		presented = append(presented, strings.TrimSpace(tok))
	}
	if len(presented) == 0 {
		return false
	}
	ok := 1
	for _, v := range presented {
		// Hash first: ConstantTimeCompare leaks length differences.
		sum := sha256.Sum256([]byte(v))
		ok &= subtle.ConstantTimeCompare(sum[:], g.keyHash[:])
	}
	return ok == 1
}

// prepareBody bounds the body and, when it is small enough, buffers it so
// the credential transport can replay it after a 401.
func (g *Gateway) prepareBody(r *http.Request) error {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return nil
	}
	r.Body = http.MaxBytesReader(nil, r.Body, g.opts.MaxBodyBytes)
	if r.ContentLength > g.opts.ReplayBodyBytes {
		return nil // known to be too big for replay: stream it
	}
	buf, err := io.ReadAll(io.LimitReader(r.Body, g.opts.ReplayBodyBytes+1))
	if err != nil {
		return err
	}
	if int64(len(buf)) > g.opts.ReplayBodyBytes {
		// Unknown length and bigger than the replay bound: send what we
		// read, then the rest, without replay.
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(buf), r.Body), r.Body}
		return nil
	}
	r.Body.Close()
	r.ContentLength = int64(len(buf))
	r.Body = io.NopCloser(bytes.NewReader(buf))
	r.GetBody = func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(buf)), nil
	}
	return nil
}

// rewrite sends the request to the upstream origin, whatever Host or URL
// the client sent, without any inbound credential.
func (g *Gateway) rewrite(pr *httputil.ProxyRequest) {
	pr.SetURL(g.upstream)
	pr.Out.Header.Del("Authorization")
	pr.Out.Header.Del("X-Api-Key")
	// Only bodies the gateway can scan for the credential (scrub.go).
	pr.Out.Header.Set("Accept-Encoding", acceptEncoding)
}

func (g *Gateway) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	var tooBig *http.MaxBytesError
	var origin *credential.OriginError
	var unavailable *credential.UnavailableError
	gap, stalled := bodyStalled(r)
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, "request_too_large", fmt.Sprintf("hermes gateway: request body larger than %d bytes", tooBig.Limit))
	case stalled:
		// Checked before the client-gone case: the stall canceled the
		// request, but the client is still there to be told.
		g.log.Warn("gateway: request body stalled", "path", r.URL.Path, "gap", gap)
		writeError(w, http.StatusRequestTimeout, "invalid_request_error", fmt.Sprintf("hermes gateway: the request body paused for more than %s; the request was not sent upstream whole, retry it", gap))
	case r.Context().Err() != nil:
		// The client went away; nobody is left to answer.
		if rec, ok := w.(*recorder); ok {
			rec.clientGone = true
		}
	case errors.As(err, &unavailable) && unavailable.Refused():
		// A credential problem: SDKs retry 5xx, and retrying cannot fix this.
		g.log.Warn("gateway: no usable upstream credential", "err", err)
		writeError(w, http.StatusUnauthorized, "authentication_error", "hermes gateway: the upstream credential was refused or is missing: "+secret.Outside(err.Error(), g.opts.Key)+" (run `hermes auth status --check` where the gateway runs)")
	case errors.As(err, &unavailable):
		// The token endpoint is down or busy: a retry later may work.
		wait := unavailable.RetryAfter()
		if wait <= 0 {
			wait = defaultRetryAfter
		}
		g.log.Warn("gateway: upstream credential temporarily unavailable", "err", err)
		w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
		writeError(w, http.StatusServiceUnavailable, "overloaded_error", "hermes gateway: could not get an upstream token right now, retry later: "+secret.Outside(err.Error(), g.opts.Key))
	case isTimeout(err):
		g.log.Warn("gateway: upstream did not answer", "path", r.URL.Path, "err", err)
		writeError(w, http.StatusGatewayTimeout, "api_error", fmt.Sprintf("hermes gateway: the upstream API sent no response within %s (%s): %s", credential.HTTPTimeout(nil, upstreamHeaderTimeout), credential.HTTPTimeoutEnv, secret.Outside(err.Error(), g.opts.Key)))
	case errors.As(err, new(*EncodingError)):
		g.log.Warn("gateway: refused upstream answer", "path", r.URL.Path, "err", err)
		writeError(w, http.StatusBadGateway, "api_error", "hermes gateway: "+err.Error())
	case errors.As(err, &origin):
		g.log.Warn("gateway: refused upstream", "err", err)
		writeError(w, http.StatusBadGateway, "api_error", "hermes gateway: "+err.Error())
	default:
		msg := secret.Outside(err.Error(), g.opts.Key)
		g.log.Warn("gateway: upstream request failed", "path", r.URL.Path, "err", msg)
		writeError(w, http.StatusBadGateway, "api_error", "hermes gateway: upstream request failed: "+msg)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// defaultRetryAfter is suggested when a temporary token failure came
// without a retry-after of its own.
const defaultRetryAfter = 5 * time.Second

// maxRedactedErrorBody bounds the error bodies the gateway reads to
// redact; larger ones (never seen from the API) are replaced.
const maxRedactedErrorBody = 1 << 20

// redactErrorBody masks the values in play (the upstream credential, the
// gateway key) and key- or JWT-shaped strings in an upstream error answer:
// a proxy upstream that echoes request headers must not hand the local
// client the credential it never holds. Success bodies pass untouched.
func redactErrorBody(resp *http.Response) error {
	if resp.StatusCode < 300 || resp.Body == nil || resp.Body == http.NoBody {
		return nil
	}
	var r io.Reader = resp.Body
	switch strings.ToLower(resp.Header.Get("Content-Encoding")) {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			resp.Body.Close()
			return err
		}
		r = zr
	default:
		return nil // an encoding hermes cannot read; the API sends none on errors
	}
	body, err := io.ReadAll(io.LimitReader(r, maxRedactedErrorBody+1))
	resp.Body.Close()
	if err != nil {
		return err
	}
	text := string(body)
	if len(body) > maxRedactedErrorBody {
		text = `{"type":"error","error":{"type":"api_error","message":"hermes gateway: the upstream error body was too large to pass on"}}`
	} else {
		text = secret.RedactShapes(text)
	}
	resp.Body = io.NopCloser(strings.NewReader(text))
	resp.ContentLength = int64(len(text))
	resp.Header.Set("Content-Length", strconv.Itoa(len(text)))
	resp.Header.Del("Content-Encoding")
	return nil
}

// health answers GET /healthz without a key: the credential's kind and the
// held token's expiry, never a secret. It only peeks at the token source:
// an unauthenticated probe must not be able to cause a token exchange.
func (g *Gateway) health(w http.ResponseWriter, r *http.Request) {
	rt := g.opts.Runtime
	// No source details: the probe needs no key, and a source description
	// names files, variables or commands.
	cred := map[string]any{
		"kind": rt.Kind,
		"mode": rt.Mode,
	}
	if p, ok := rt.Tokens.(credential.Peeker); ok {
		if tok, held := p.Peek(); !held {
			cred["token"] = "no token yet"
		} else if !tok.Expiry.IsZero() {
			cred["expires_at"] = tok.Expiry.UTC().Format(time.RFC3339)
		}
	}
	body := map[string]any{
		"status":     "ok",
		"upstream":   secret.URL(rt.BaseURL),
		"credential": cred,
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	json.NewEncoder(w).Encode(body)
}

// writeError answers in the Anthropic API's error shape, so SDK clients
// report gateway errors like API errors.
func writeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	if status < 500 && status != http.StatusRequestTimeout {
		// Retrying cannot fix a wrong key or an oversized body (it can a
		// body that stalled on the way).
		w.Header().Set("X-Should-Retry", "false")
	}
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{
		"type":  "error",
		"error": map[string]string{"type": typ, "message": msg},
	})
}

func loopbackPeer(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// bufferPool reuses copy buffers across streams: with hundreds of open SSE
// streams a fresh 32 KiB buffer each adds up.
type bufferPool struct{}

var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

func (bufferPool) Get() []byte  { return *copyBuffers.Get().(*[]byte) }
func (bufferPool) Put(b []byte) { copyBuffers.Put(&b) }
