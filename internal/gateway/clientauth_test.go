package gateway

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

const (
	gwAudience = "https://hermes-gateway.example"
	teamA      = "system:serviceaccount:team-a:ci"
)

// fakeClock is a settable clock shared by the gateway and the issuer.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// clientHarness is a gateway accepting team-a's service accounts from iss.
func clientHarness(t *testing.T, mod func(*Options)) (*harness, *oidctest.Issuer, *fakeClock) {
	t.Helper()
	clock := &fakeClock{t: time.Now()}
	iss := oidctest.New(t, oidctest.WithClock(clock.Now))
	h := newHarness(t, "tok-upstream-1", func(o *Options) {
		o.Now = clock.Now
		o.ClientAuth = &ClientAuth{
			Issuers:   []string{iss.URL},
			Audiences: []string{gwAudience},
			Subjects:  []string{"system:serviceaccount:team-a:*", "repo:hermes-agent/*"},
		}
		if mod != nil {
			mod(o)
		}
	})
	return h, iss, clock
}

func (h *harness) call(t *testing.T, method, path, bearer string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, h.srv.URL+path, nil)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func TestClientJWTAccepted(t *testing.T) {
	t.Parallel()
	h, iss, _ := clientHarness(t, nil)
	jwt := iss.Mint(oidctest.Claims{Subject: teamA, Audience: []string{gwAudience}})
	resp, body := h.call(t, "GET", "/v1/models", jwt)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	reqs := h.up.requests()
	if len(reqs) != 1 || reqs[0].Header.Get("Authorization") != "Bearer tok-upstream-1" {
		t.Fatalf("upstream did not get the gateway's own credential: %+v", reqs)
	}
	// A GitHub Actions subject matching the second pattern, and the static
	// key, both still work.
	jwt2 := iss.Mint(oidctest.Claims{Audience: []string{gwAudience}})
	if resp, body := h.call(t, "GET", "/v1/models", jwt2); resp.StatusCode != 200 {
		t.Fatalf("GitHub subject: %d %s", resp.StatusCode, body)
	}
	if resp, body := h.call(t, "GET", "/v1/models", testKey); resp.StatusCode != 200 {
		t.Fatalf("gateway key: %d %s", resp.StatusCode, body)
	}
	for _, r := range h.up.requests() {
		if strings.Contains(r.Header.Get("Authorization"), jwt) || strings.Contains(r.Header.Get("Authorization"), jwt2) {
			t.Fatal("the client JWT went upstream")
		}
	}
	if iss.JWKSRequests() != 1 {
		t.Errorf("JWKS fetched %d times, want 1 (cached)", iss.JWKSRequests())
	}
	// The access log says which workload made each call.
	for _, want := range []string{"status=200 duration=", "client=jwt:" + iss.URL + "#" + teamA, "client=key:gateway"} {
		if !strings.Contains(h.log.String(), want) {
			t.Errorf("access log lacks %q:\n%s", want, h.log)
		}
	}
}

func TestClientJWTRefusalsNameTheCheck(t *testing.T) {
	t.Parallel()
	h, iss, _ := clientHarness(t, nil)
	good := oidctest.Claims{Subject: teamA, Audience: []string{gwAudience}}
	cases := []struct {
		name, token, reason string
	}{
		{"expired", iss.MintBroken(oidctest.Expired, good), RefuseExpired},
		{"missing exp", iss.MintBroken(oidctest.MissingExp, good), RefuseExpired},
		{"wrong audience", iss.MintBroken(oidctest.WrongAudience, good), RefuseAudience},
		{"default audience", iss.Mint(oidctest.Claims{Subject: teamA}), RefuseAudience},
		{"alg none", iss.MintBroken(oidctest.AlgNone, good), RefuseAlg},
		{"hs256 confusion", iss.MintBroken(oidctest.HS256, good), RefuseAlg},
		{"bad signature", iss.MintBroken(oidctest.BadSignature, good), RefuseSignature},
		{"wrong issuer", iss.MintBroken(oidctest.WrongIssuer, good), RefuseIssuer},
		{"no kid", iss.MintBroken(oidctest.NoKid, good), RefuseKid},
		{"unknown kid", iss.MintBroken(oidctest.UnknownKid, good), RefuseKid},
		{"oversized", iss.MintBroken(oidctest.Oversized, good), RefuseMalformed},
		{"missing sub", iss.MintBroken(oidctest.MissingSub, good), RefuseSubject},
		{"other namespace", iss.Mint(oidctest.Claims{Subject: "system:serviceaccount:team-b:ci", Audience: []string{gwAudience}}), RefuseSubject},
		{"not yet valid", iss.Mint(oidctest.Claims{Subject: teamA, Audience: []string{gwAudience}, IssuedAt: time.Now().Add(time.Hour)}), RefuseNotYetValid},
		{"not a jwt", "hgw_wrong-key-0123456789", RefuseKey},
	}
	for _, c := range cases {
		resp, body := h.call(t, "GET", "/v1/models", c.token)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401: %s", c.name, resp.StatusCode, body)
			continue
		}
		if c.reason != RefuseKey && !strings.Contains(body, "client token refused: "+c.reason+":") {
			t.Errorf("%s: body does not name the %q check: %s", c.name, c.reason, body)
		}
		if strings.Contains(body, c.token) || strings.Contains(h.log.String(), c.token) {
			t.Errorf("%s: the token was echoed", c.name)
		}
	}
	if n := len(h.up.requests()); n != 0 {
		t.Errorf("%d refused requests reached upstream", n)
	}
	fams := scrape(t, h)
	for _, reason := range []string{RefuseExpired, RefuseAudience, RefuseAlg, RefuseSubject, RefuseKey} {
		if v := counterValue(fams, metricRefusals, "reason", reason); v < 1 {
			t.Errorf("refusals{reason=%s} = %v", reason, v)
		}
	}
}

// A rotated issuer key is picked up on the first unknown kid; made-up kids
// cannot make the gateway hammer the issuer.
func TestClientJWKSRefreshOnUnknownKidIsRateLimited(t *testing.T) {
	t.Parallel()
	h, iss, clock := clientHarness(t, nil)
	claims := oidctest.Claims{Subject: teamA, Audience: []string{gwAudience}}
	if resp, body := h.call(t, "GET", "/v1/models", iss.Mint(claims)); resp.StatusCode != 200 {
		t.Fatalf("first: %d %s", resp.StatusCode, body)
	}
	clock.Add(DefaultJWKSMinRefresh) // the rotation happens later
	if _, err := iss.RotateKey(); err != nil {
		t.Fatal(err)
	}
	if resp, body := h.call(t, "GET", "/v1/models", iss.Mint(claims)); resp.StatusCode != 200 {
		t.Fatalf("after rotation: %d %s", resp.StatusCode, body)
	}
	if n := iss.JWKSRequests(); n != 2 {
		t.Fatalf("JWKS fetched %d times, want 2", n)
	}
	for range 5 {
		if resp, _ := h.call(t, "GET", "/v1/models", iss.MintBroken(oidctest.UnknownKid, claims)); resp.StatusCode != 401 {
			t.Fatalf("unknown kid accepted: %d", resp.StatusCode)
		}
	}
	if n := iss.JWKSRequests(); n != 2 {
		t.Errorf("unknown kids within %s fetched the JWKS %d more times", DefaultJWKSMinRefresh, n-2)
	}
	clock.Add(DefaultJWKSMinRefresh)
	h.call(t, "GET", "/v1/models", iss.MintBroken(oidctest.UnknownKid, claims))
	if n := iss.JWKSRequests(); n != 3 {
		t.Errorf("after %s an unknown kid should refresh once more; fetched %d", DefaultJWKSMinRefresh, n)
	}
}

func TestClientAuthValidate(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		cfg  ClientAuth
		want string
	}{
		{ClientAuth{Issuers: []string{"https://k8s.example"}, Subjects: []string{"*"}}, "--client-audience"},
		{ClientAuth{Issuers: []string{"https://k8s.example"}, Audiences: []string{"a"}}, "--client-subject"},
		{ClientAuth{Audiences: []string{"a"}}, "--client-issuer"},
		{ClientAuth{Issuers: []string{"http://k8s.example"}, Audiences: []string{"a"}, Subjects: []string{"*"}}, "https"},
	} {
		if err := c.cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want mention of %s", c.cfg, err, c.want)
		}
	}
}

func TestGlobMatch(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		p, s string
		want bool
	}{
		{"system:serviceaccount:team-a:*", "system:serviceaccount:team-a:ci", true},
		{"system:serviceaccount:team-a:*", "system:serviceaccount:team-ab:ci", false},
		{"repo:org/*:ref:refs/heads/main", "repo:org/app:ref:refs/heads/main", true},
		{"repo:org/*:ref:refs/heads/main", "repo:org/app:ref:refs/heads/dev", false},
		{"a?c", "abc", true},
		{"*", "", true},
		{"exact", "exact", true},
		{"exact", "exactly", false},
	} {
		if got := globMatch(c.p, c.s); got != c.want {
			t.Errorf("globMatch(%q, %q) = %v", c.p, c.s, got)
		}
	}
}

func TestClientLimits(t *testing.T) {
	t.Parallel()
	h, iss, clock := clientHarness(t, func(o *Options) { o.Limits = ClientLimits{RPM: 2} })
	a := iss.Mint(oidctest.Claims{Subject: teamA, Audience: []string{gwAudience}})
	b := iss.Mint(oidctest.Claims{Subject: "system:serviceaccount:team-a:other", Audience: []string{gwAudience}})
	for i := range 2 {
		if resp, body := h.call(t, "GET", "/v1/models", a); resp.StatusCode != 200 {
			t.Fatalf("request %d: %d %s", i, resp.StatusCode, body)
		}
	}
	resp, body := h.call(t, "GET", "/v1/models", a)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "30" || !strings.Contains(body, "rate_limit_error") {
		t.Fatalf("third request: %d retry-after %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	// Another subject has its own budget.
	if resp, _ := h.call(t, "GET", "/v1/models", b); resp.StatusCode != 200 {
		t.Fatalf("other subject limited: %d", resp.StatusCode)
	}
	clock.Add(30 * time.Second)
	if resp, _ := h.call(t, "GET", "/v1/models", a); resp.StatusCode != 200 {
		t.Fatalf("after the refill: %d", resp.StatusCode)
	}
	fams := scrape(t, h)
	if v := counterValue(fams, metricRateLimited, "subject", "system:serviceaccount:team-a:*"); v != 1 {
		t.Errorf("rate-limited counter = %v", v)
	}
	if v := counterValue(fams, metricClientRequests, "subject", "system:serviceaccount:team-a:*"); v != 4 {
		t.Errorf("client requests counter = %v, want 4", v)
	}
}

func TestClientMaxStreams(t *testing.T) {
	t.Parallel()
	l := newLimiter(ClientLimits{MaxStreams: 1}, time.Now)
	release, _, _ := l.acquire("a")
	if release == nil {
		t.Fatal("first stream refused")
	}
	if r, limit, wait := l.acquire("a"); r != nil || limit != limitStreams || retryAfterSeconds(wait) != 1 {
		t.Fatalf("second stream: %v %q %v", r != nil, limit, wait)
	}
	if r, _, _ := l.acquire("b"); r == nil {
		t.Fatal("another client refused")
	}
	release()
	release() // twice is harmless
	if r, _, _ := l.acquire("a"); r == nil {
		t.Fatal("stream refused after release")
	}
}

// The held stream counts against --client-max-streams end to end.
func TestClientMaxStreamsThroughGateway(t *testing.T) {
	t.Parallel()
	h, _, _ := clientHarness(t, func(o *Options) { o.Limits = ClientLimits{MaxStreams: 1} })
	h.up.hold = make(chan struct{})
	done := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("POST", h.srv.URL+"/v1/messages", strings.NewReader(`{"stream":true}`))
		req.Header.Set("x-api-key", testKey)
		resp, err := h.client.Do(req)
		if err != nil {
			done <- 0
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	<-h.up.firstSent
	resp, _ := h.call(t, "GET", "/v1/models", testKey)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("second stream: %d %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	fams := scrape(t, h)
	if v := gaugeValue(fams, metricActive); v != 1 {
		t.Errorf("active streams = %v while one is held", v)
	}
	close(h.up.hold)
	if s := <-done; s != 200 {
		t.Fatalf("held stream: %d", s)
	}
}

// scrape fetches /metrics and parses it with Prometheus's own text parser:
// the exposition must be valid for a real scraper.
func scrape(t *testing.T, h *harness) map[string]*dto.MetricFamily {
	t.Helper()
	resp, body := h.call(t, "GET", "/metrics", "")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("/metrics: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("exposition does not parse: %v\n%s", err, body)
	}
	return fams
}

func counterValue(fams map[string]*dto.MetricFamily, name, label, value string) float64 {
	f := fams[name]
	if f == nil {
		return -1
	}
	for _, m := range f.Metric {
		for _, l := range m.Label {
			if l.GetName() == label && l.GetValue() == value {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func gaugeValue(fams map[string]*dto.MetricFamily, name string) float64 {
	f := fams[name]
	if f == nil || len(f.Metric) == 0 {
		return -1
	}
	return f.Metric[0].GetGauge().GetValue()
}

func TestMetricsExposition(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "tok-1", nil)
	req, _ := http.NewRequest("POST", h.srv.URL+"/v1/messages", strings.NewReader(`{"stream":true}`))
	req.Header.Set("x-api-key", testKey)
	resp, err := h.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	h.call(t, "GET", "/v1/models", "wrong-key-0123456789abcdef")
	h.call(t, "GET", "/v1/nothing/../models", testKey)

	fams := scrape(t, h)
	want := map[string]dto.MetricType{
		metricRequests:       dto.MetricType_COUNTER,
		metricUpstream:       dto.MetricType_HISTOGRAM,
		metricTTFB:           dto.MetricType_HISTOGRAM,
		metricActive:         dto.MetricType_GAUGE,
		metricBytes:          dto.MetricType_COUNTER,
		metricExchanges:      dto.MetricType_COUNTER,
		metricExpiry:         dto.MetricType_GAUGE,
		metricRetries:        dto.MetricType_COUNTER,
		metricRefusals:       dto.MetricType_COUNTER,
		metricClientRequests: dto.MetricType_COUNTER,
	}
	for name, typ := range want {
		f := fams[name]
		if f == nil {
			t.Errorf("metric %s missing", name)
			continue
		}
		if f.GetType() != typ {
			t.Errorf("%s has type %v, want %v", name, f.GetType(), typ)
		}
	}
	if v := counterValue(fams, metricRequests, "route", "/v1/messages"); v != 1 {
		t.Errorf("requests{route=/v1/messages} = %v", v)
	}
	if v := counterValue(fams, metricExchanges, "outcome", "success"); v != 1 {
		t.Errorf("token exchanges = %v, want 1 (one token, fetched per request)", v)
	}
	if f := fams[metricTTFB]; f == nil || f.Metric[0].GetHistogram().GetSampleCount() != 1 {
		t.Errorf("ttfb histogram: %v", f)
	}
	if v := counterValue(fams, metricBytes, "", ""); v != 0 {
		t.Errorf("bytes counter has labels")
	}
	if f := fams[metricBytes]; f == nil || f.Metric[0].GetCounter().GetValue() <= 0 {
		t.Errorf("bytes streamed not counted")
	}
	// Bounded cardinality: a made-up path becomes "other", never itself.
	for _, m := range fams[metricRequests].Metric {
		for _, l := range m.Label {
			if l.GetName() == "route" && strings.Contains(l.GetValue(), "nothing") {
				t.Errorf("route label carries a raw path: %q", l.GetValue())
			}
		}
	}
	if strings.Contains(fmtFamilies(fams), "tok-1") || strings.Contains(fmtFamilies(fams), testKey) {
		t.Error("a secret is in /metrics")
	}
}

func fmtFamilies(fams map[string]*dto.MetricFamily) string {
	var b strings.Builder
	for _, f := range fams {
		expfmt.MetricFamilyToText(&b, f)
	}
	return b.String()
}

func TestMetricsCountRetriesAndExpiry(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "tok-old", nil)
	h.src.set(credential.Token{Value: "tok-old", Expiry: time.Now().Add(time.Hour)})
	h.src.next = []credential.Token{{Value: "tok-new", Expiry: time.Now().Add(2 * time.Hour)}}
	h.up.accept = func(tok string) bool { return tok == "tok-new" }
	if resp, body := h.call(t, "GET", "/v1/models", testKey); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	fams := scrape(t, h)
	if f := fams[metricRetries]; f == nil || f.Metric[0].GetCounter().GetValue() != 1 {
		t.Errorf("401 retries: %v", f)
	}
	if v := counterValue(fams, metricExchanges, "outcome", "success"); v != 2 {
		t.Errorf("exchanges = %v, want 2 (old and new token)", v)
	}
	if v := gaugeValue(fams, metricExpiry); v < 3600 || v > 7200 {
		t.Errorf("expiry gauge = %v, want about 7200", v)
	}
}

func TestReadyz(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "tok-1", nil)
	if resp, body := h.call(t, "GET", "/readyz", ""); resp.StatusCode != 200 || !strings.Contains(body, `"ready"`) {
		t.Fatalf("readyz: %d %s", resp.StatusCode, body)
	}
	h.gw.Drain()
	if resp, body := h.call(t, "GET", "/readyz", ""); resp.StatusCode != 503 || !strings.Contains(body, "draining") {
		t.Fatalf("readyz while draining: %d %s", resp.StatusCode, body)
	}
	// Liveness is not readiness: /healthz stays 200 while draining.
	if resp, _ := h.call(t, "GET", "/healthz", ""); resp.StatusCode != 200 {
		t.Fatalf("healthz while draining: %d", resp.StatusCode)
	}
}

func TestReadyzWithoutCredential(t *testing.T) {
	t.Parallel()
	calls := 0
	src := &countingSource{fn: func() (credential.Token, error) {
		calls++
		return credential.Token{}, errors.New("token endpoint said no for " + testKey)
	}}
	h := newHarness(t, "", func(o *Options) {
		o.Runtime = &credential.Runtime{BaseURL: o.Runtime.BaseURL, Mode: credential.ModeBearer, Kind: credential.KindWIF, Source: "t", Tokens: src}
	})
	for range 3 {
		resp, body := h.call(t, "GET", "/readyz", "")
		if resp.StatusCode != 503 || !strings.Contains(body, "said no") || strings.Contains(body, testKey) {
			t.Fatalf("readyz: %d %s", resp.StatusCode, body)
		}
	}
	if calls != 1 {
		t.Errorf("three probes made %d token attempts, want 1", calls)
	}
}

type countingSource struct {
	mu sync.Mutex
	fn func() (credential.Token, error)
}

func (s *countingSource) Token(context.Context) (credential.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fn()
}

// An accepted token is remembered (no second verification), but never
// past its exp: the cache cannot extend a token's life.
func TestClientJWTCacheHonoursExpiry(t *testing.T) {
	t.Parallel()
	h, iss, clock := clientHarness(t, nil)
	jwt := iss.Mint(oidctest.Claims{Subject: teamA, Audience: []string{gwAudience}, TTL: 2 * time.Minute})
	for range 3 {
		if resp, body := h.call(t, "GET", "/v1/models", jwt); resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	}
	if n := len(h.gw.verifier.accepted); n != 1 {
		t.Errorf("%d cached tokens, want 1", n)
	}
	clock.Add(2*time.Minute + DefaultClientSkew)
	if resp, body := h.call(t, "GET", "/v1/models", jwt); resp.StatusCode != 401 || !strings.Contains(body, "expired") {
		t.Fatalf("expired cached token: %d %s", resp.StatusCode, body)
	}
}

// exp and nbf are checked with the small skew (tokens a few seconds off
// either way pass), and an issuer whose keys cannot be fetched is its own
// refusal reason, not a signature or kid failure.
func TestClientJWTSkewAndUnreachableIssuer(t *testing.T) {
	t.Parallel()
	h, iss, clock := clientHarness(t, nil)
	now := clock.Now()
	for name, c := range map[string]oidctest.Claims{
		"exp 30s ago": {Subject: teamA, Audience: []string{gwAudience}, IssuedAt: now.Add(-5*time.Minute - 30*time.Second), TTL: 5 * time.Minute},
		"nbf in 30s":  {Subject: teamA, Audience: []string{gwAudience}, IssuedAt: now.Add(30 * time.Second)},
	} {
		if resp, body := h.call(t, "GET", "/v1/models", iss.Mint(c)); resp.StatusCode != 200 {
			t.Errorf("%s (within %s skew): %d %s", name, DefaultClientSkew, resp.StatusCode, body)
		}
	}
	late := iss.Mint(oidctest.Claims{Subject: teamA, Audience: []string{gwAudience}, IssuedAt: now.Add(-5*time.Minute - 2*DefaultClientSkew), TTL: 5 * time.Minute})
	if resp, body := h.call(t, "GET", "/v1/models", late); resp.StatusCode != 401 || !strings.Contains(body, RefuseExpired+":") {
		t.Errorf("exp past the skew: %d %s", resp.StatusCode, body)
	}

	h2, iss2, _ := clientHarness(t, nil)
	tok := iss2.Mint(oidctest.Claims{Subject: teamA, Audience: []string{gwAudience}})
	iss2.Close()
	resp, body := h2.call(t, "GET", "/v1/models", tok)
	if resp.StatusCode != 401 || !strings.Contains(body, "client token refused: "+RefuseJWKS+":") || strings.Contains(body, tok) {
		t.Fatalf("issuer down: %d %s", resp.StatusCode, body)
	}
	if v := counterValue(scrape(t, h2), metricRefusals, "reason", RefuseJWKS); v != 1 {
		t.Errorf("refusals{reason=%s} = %v", RefuseJWKS, v)
	}
}

// Issue 22 §5: --client-issuer-token-file's token goes to the issuer it is
// configured for, on that issuer's origin only: never to another issuer,
// nor to a jwks_uri that discovery places on another origin.
func TestClientIssuerTokenGoesToItsIssuerOnly(t *testing.T) {
	t.Parallel()
	var jwksFrom string // issuer A's own JWKS, which the other origin relays
	var elsewhereMu sync.Mutex
	var elsewhere []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhereMu.Lock()
		elsewhere = append(elsewhere, r.Header.Get("Authorization"))
		elsewhereMu.Unlock()
		resp, err := http.Get(jwksFrom)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		io.Copy(w, resp.Body)
	}))
	t.Cleanup(other.Close)
	issA := oidctest.New(t, oidctest.WithJWKSURI(other.URL+"/jwks"))
	jwksFrom = issA.JWKSURL()
	issB := oidctest.New(t)
	dir := t.TempDir()
	fileA, fileB := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	os.WriteFile(fileA, []byte("SENTINEL-token-for-A\n"), 0o600)
	os.WriteFile(fileB, []byte("SENTINEL-token-for-B\n"), 0o600)
	h := newHarness(t, "tok-upstream-1", func(o *Options) {
		o.ClientAuth = &ClientAuth{
			Issuers:    []string{issA.URL, issB.URL},
			Audiences:  []string{gwAudience},
			Subjects:   []string{"*"},
			TokenFiles: map[string]string{issA.URL: fileA, issB.URL: fileB},
		}
	})
	for _, iss := range []*oidctest.Issuer{issA, issB} {
		if resp, body := h.call(t, "GET", "/v1/models", iss.Mint(oidctest.Claims{Subject: teamA, Audience: []string{gwAudience}})); resp.StatusCode != 200 {
			t.Fatalf("client of %s: %d %s", iss.URL, resp.StatusCode, body)
		}
	}
	// A's JWKS request is the other origin relaying it, without a token.
	if got := issA.MetadataAuthorizations(); len(got) != 2 || got[0] != "Bearer SENTINEL-token-for-A" || got[1] != "" {
		t.Errorf("issuer A's discovery got %q, want its own token once (its JWKS is elsewhere)", got)
	}
	if got := issB.MetadataAuthorizations(); len(got) != 2 || got[0] != "Bearer SENTINEL-token-for-B" || got[1] != got[0] {
		t.Errorf("issuer B's discovery and JWKS got %q, want B's token on both", got)
	}
	elsewhereMu.Lock()
	defer elsewhereMu.Unlock()
	if len(elsewhere) != 1 || elsewhere[0] != "" {
		t.Errorf("the jwks_uri on another origin got Authorization %q, want none", elsewhere)
	}
}

// Issue 22 §5: a JWT client cannot take the gateway key's identity (a sub
// of "gateway-key") nor another issuer's subject: the access log and the
// rate-limit buckets are namespaced key:NAME and jwt:ISSUER#SUBJECT.
func TestClientIdentitiesAreNamespaced(t *testing.T) {
	t.Parallel()
	issA, issB := oidctest.New(t), oidctest.New(t)
	h := newHarness(t, "tok-upstream-1", func(o *Options) {
		o.ClientAuth = &ClientAuth{Issuers: []string{issA.URL, issB.URL}, Audiences: []string{gwAudience}, Subjects: []string{"*"}}
		o.Limits = ClientLimits{RPM: 1}
	})
	callers := []struct{ name, cred string }{
		{"gateway key", testKey},
		{"A as gateway-key", issA.Mint(oidctest.Claims{Subject: "gateway-key", Audience: []string{gwAudience}})},
		{"A as ci", issA.Mint(oidctest.Claims{Subject: "ci", Audience: []string{gwAudience}})},
		{"B as ci", issB.Mint(oidctest.Claims{Subject: "ci", Audience: []string{gwAudience}})},
	}
	for _, c := range callers {
		if resp, body := h.call(t, "GET", "/v1/models", c.cred); resp.StatusCode != 200 {
			t.Errorf("%s: %d %s (a bucket shared with an earlier client)", c.name, resp.StatusCode, body)
		}
	}
	// Each bucket is really spent: a second call of one client is limited.
	if resp, body := h.call(t, "GET", "/v1/models", callers[3].cred); resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "jwt:"+issB.URL+"#ci") {
		t.Errorf("B as ci again: %d %s, want 429 naming jwt:ISSUER#ci", resp.StatusCode, body)
	}
	log := h.log.String()
	for _, want := range []string{"client=key:gateway ", "client=jwt:" + issA.URL + "#gateway-key ", "client=jwt:" + issA.URL + "#ci ", "client=jwt:" + issB.URL + "#ci "} {
		if !strings.Contains(log, want) {
			t.Errorf("access log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "client=gateway-key") {
		t.Errorf("a JWT client was logged as the gateway key's holders:\n%s", log)
	}
}
