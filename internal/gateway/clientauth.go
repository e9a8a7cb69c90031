package gateway

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/fsutil"
)

// Defaults for ClientAuth.
const (
	DefaultClientSkew       = 60 * time.Second
	DefaultJWKSMinRefresh   = 30 * time.Second
	DefaultJWKSMaxAge       = time.Hour
	maxClientTokenBytes     = 16 << 10
	maxDiscoveryBodyBytes   = 1 << 20
	clientAuthFetchDeadline = 10 * time.Second
)

// clientAlgs are the only signature algorithms a client token may use:
// asymmetric ones, so a public key can never double as an HMAC secret.
var clientAlgs = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512, jose.ES256, jose.ES384, jose.ES512, jose.EdDSA,
}

// ClientAuth configures workload-identity client authentication: a client
// presents its own OIDC JWT (a Kubernetes projected service-account token,
// a GitHub Actions token) instead of the shared gateway key.
type ClientAuth struct {
	// Issuers are the accepted iss values; each is also where discovery
	// (ISSUER/.well-known/openid-configuration) is fetched.
	Issuers []string
	// Audiences: the token's aud must contain at least one of them.
	Audiences []string
	// Subjects are glob patterns ('*' any run of characters, '?' one); the
	// token's sub must match one.
	Subjects []string
	// CAFile, when set, holds the PEM roots the issuer's TLS certificate is
	// checked against (a cluster's own CA) instead of the system roots.
	CAFile string
	// TokenFiles maps an issuer to a file holding a bearer token sent with
	// that issuer's discovery and JWKS requests (a Kubernetes API server
	// serves its JWKS to authenticated service accounts only). Re-read at
	// each fetch. The token goes to that issuer's origin only: never to
	// another issuer, nor to a jwks_uri its discovery document places on
	// another origin.
	TokenFiles map[string]string
	// HTTPClient fetches discovery and JWKS (nil: built from CAFile).
	HTTPClient *http.Client
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Skew tolerated on exp/nbf/iat (0: DefaultClientSkew).
	Skew time.Duration
	// MinRefresh bounds how often an unknown kid makes the JWKS be fetched
	// again (0: DefaultJWKSMinRefresh): a flood of made-up kids must not
	// turn into a flood of requests to the issuer.
	MinRefresh time.Duration
	// MaxAge is how long fetched keys are used before they are fetched
	// again on the next request (0: DefaultJWKSMaxAge).
	MaxAge time.Duration
}

// Enabled reports whether any workload-identity client is accepted.
func (c *ClientAuth) Enabled() bool { return c != nil && len(c.Issuers) > 0 }

// Validate says what is missing from a configuration that names an issuer.
func (c *ClientAuth) Validate() error {
	if c == nil || (len(c.Issuers) == 0 && len(c.Audiences) == 0 && len(c.Subjects) == 0) {
		return nil
	}
	switch {
	case len(c.Issuers) == 0:
		return errors.New("--client-audience and --client-subject need --client-issuer (the URL of the issuer whose JWTs clients present)")
	case len(c.Audiences) == 0:
		return errors.New("--client-issuer needs --client-audience (the aud your clients' tokens are minted for, e.g. the gateway's URL)")
	case len(c.Subjects) == 0:
		return errors.New("--client-issuer needs --client-subject (a sub pattern such as 'system:serviceaccount:team-a:*'); use '*' deliberately to accept every subject of the issuer")
	}
	for _, iss := range c.Issuers {
		u, err := url.Parse(iss)
		if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopbackHost(u.Hostname()))) {
			return fmt.Errorf("--client-issuer %q is not an https URL (plain http only on loopback)", iss)
		}
	}
	for iss := range c.TokenFiles {
		if !slices.Contains(c.Issuers, iss) {
			return fmt.Errorf("--client-issuer-token-file names issuer %q, which is not a --client-issuer", iss)
		}
	}
	return nil
}

// ClientRefusal is why a client token was refused. Reason is one of a
// fixed set (a metrics label); Detail says which check failed and never
// contains the token.
type ClientRefusal struct {
	Reason string
	Detail string
}

func (r *ClientRefusal) Error() string { return r.Reason + ": " + r.Detail }

// Refusal reasons.
const (
	RefuseMalformed   = "malformed"
	RefuseAlg         = "alg"
	RefuseIssuer      = "issuer"
	RefuseKid         = "kid"
	RefuseSignature   = "signature"
	RefuseExpired     = "expired"
	RefuseNotYetValid = "not_yet_valid"
	RefuseAudience    = "audience"
	RefuseSubject     = "subject"
	RefuseJWKS        = "jwks_unavailable"
	RefuseKey         = "gateway_key"
)

// refusalReasons lists every reason, so the metric starts at zero for each.
var refusalReasons = []string{RefuseMalformed, RefuseAlg, RefuseIssuer, RefuseKid, RefuseSignature,
	RefuseExpired, RefuseNotYetValid, RefuseAudience, RefuseSubject, RefuseJWKS, RefuseKey}

func refuse(reason, format string, args ...any) *ClientRefusal {
	return &ClientRefusal{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// clientIdentity is an accepted client: its issuer and sub (empty for the
// gateway key's holders) and the allow-list pattern it matched (the bounded
// label per-subject metrics use).
type clientIdentity struct {
	Issuer  string
	Subject string
	Pattern string
}

// keyIdentity is every holder of the gateway key.
var keyIdentity = clientIdentity{Pattern: keySubject}

// Name is the client's identity in the access log and its rate-limit
// bucket: key:gateway for the key's holders, jwt:ISSUER#SUBJECT for a token.
// The namespaces keep a token whose sub is "gateway", or the same sub from
// another issuer, from sharing anyone else's name or bucket.
func (id clientIdentity) Name() string {
	if id.Issuer == "" {
		return "key:gateway"
	}
	return "jwt:" + id.Issuer + "#" + id.Subject
}

// clientVerifier checks client JWTs against the configured issuers' keys.
type clientVerifier struct {
	cfg     ClientAuth
	client  *http.Client
	issuers map[string]*issuerKeys

	// accepted remembers verified tokens by hash, so a client sending the
	// same JWT on every request costs a map lookup, not an RSA
	// verification. Entries live until the token's exp (+skew) but at most
	// acceptedTTL, so a key the issuer withdrew stops working soon.
	acceptedMu sync.Mutex
	accepted   map[[32]byte]acceptedToken
}

type acceptedToken struct {
	id    clientIdentity
	until time.Time
}

const (
	acceptedTTL = 5 * time.Minute
	acceptedMax = 10000
)

// issuerKeys is one issuer's cached JWKS.
type issuerKeys struct {
	issuer  string
	fetchMu sync.Mutex // one fetch at a time

	mu          sync.RWMutex
	keys        jose.JSONWebKeySet
	fetched     time.Time // when keys were last fetched successfully
	lastAttempt time.Time
}

func newClientVerifier(cfg ClientAuth) (*clientVerifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Skew <= 0 {
		cfg.Skew = DefaultClientSkew
	}
	if cfg.MinRefresh <= 0 {
		cfg.MinRefresh = DefaultJWKSMinRefresh
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = DefaultJWKSMaxAge
	}
	client := cfg.HTTPClient
	if client == nil {
		var err error
		if client, err = issuerHTTPClient(cfg.CAFile); err != nil {
			return nil, err
		}
	}
	v := &clientVerifier{cfg: cfg, client: client, issuers: map[string]*issuerKeys{}, accepted: map[[32]byte]acceptedToken{}}
	for _, iss := range cfg.Issuers {
		v.issuers[iss] = &issuerKeys{issuer: iss}
	}
	return v, nil
}

// issuerHTTPClient trusts caFile's roots when given, else the system's.
func issuerHTTPClient(caFile string) (*http.Client, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	if caFile != "" {
		pem, err := fsutil.ReadFileLimited(caFile, 1<<20)
		if err != nil {
			return nil, fmt.Errorf("--client-issuer-ca-file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--client-issuer-ca-file %s holds no PEM certificate", caFile)
		}
		t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{
		Transport: t,
		Timeout:   clientAuthFetchDeadline,
		// Discovery must not be bounced elsewhere with our bearer token.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, nil
}

// Verify checks a presented JWT: shape, algorithm, issuer, key, signature,
// time, audience, subject — in that order, so the reason names the first
// check that failed.
func (v *clientVerifier) Verify(ctx context.Context, raw string) (clientIdentity, *ClientRefusal) {
	if len(raw) > maxClientTokenBytes {
		return clientIdentity{}, refuse(RefuseMalformed, "the client token is larger than %d bytes", maxClientTokenBytes)
	}
	sum := sha256.Sum256([]byte(raw))
	now := v.cfg.Now()
	v.acceptedMu.Lock()
	a, ok := v.accepted[sum]
	v.acceptedMu.Unlock()
	if ok && now.Before(a.until) {
		return a.id, nil
	}
	id, exp, refusal := v.verify(ctx, raw)
	if refusal == nil {
		until := exp.Add(v.cfg.Skew)
		if limit := now.Add(acceptedTTL); limit.Before(until) {
			until = limit
		}
		v.acceptedMu.Lock()
		if len(v.accepted) >= acceptedMax {
			clear(v.accepted)
		}
		v.accepted[sum] = acceptedToken{id, until}
		v.acceptedMu.Unlock()
	}
	return id, refusal
}

// verify is Verify without the cache: shape, algorithm, issuer, key,
// signature, time, audience, subject, in that order. It also returns the
// token's exp.
func (v *clientVerifier) verify(ctx context.Context, raw string) (clientIdentity, time.Time, *ClientRefusal) {
	alg, kid, ok := peekJOSEHeader(raw)
	if !ok {
		return clientIdentity{}, time.Time{}, refuse(RefuseMalformed, "the client token is not a compact JWT")
	}
	if !allowedAlg(alg) {
		return clientIdentity{}, time.Time{}, refuse(RefuseAlg, "signature algorithm %q is not accepted (want RS*, PS*, ES* or EdDSA)", truncate(alg, 16))
	}
	tok, err := jwt.ParseSigned(raw, clientAlgs)
	if err != nil {
		return clientIdentity{}, time.Time{}, refuse(RefuseMalformed, "the client token is not a compact JWT")
	}
	var unverified jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		return clientIdentity{}, time.Time{}, refuse(RefuseMalformed, "the client token's claims are not valid JSON claims")
	}
	keys, ok := v.issuers[unverified.Issuer]
	if !ok {
		return clientIdentity{}, time.Time{}, refuse(RefuseIssuer, "iss %q is not a --client-issuer", truncate(unverified.Issuer, 200))
	}
	if kid == "" {
		return clientIdentity{}, time.Time{}, refuse(RefuseKid, "the client token's header has no kid")
	}
	key, refusal := v.key(ctx, keys, kid)
	if refusal != nil {
		return clientIdentity{}, time.Time{}, refusal
	}
	var claims jwt.Claims
	if err := tok.Claims(key.Key, &claims); err != nil {
		return clientIdentity{}, time.Time{}, refuse(RefuseSignature, "the signature does not verify with the issuer's key %q", truncate(kid, 100))
	}
	if r := v.checkTime(claims); r != nil {
		return clientIdentity{}, time.Time{}, r
	}
	if !intersects(claims.Audience, v.cfg.Audiences) {
		return clientIdentity{}, time.Time{}, refuse(RefuseAudience, "aud %q contains no --client-audience", truncate(strings.Join(claims.Audience, ","), 200))
	}
	if claims.Subject == "" {
		return clientIdentity{}, time.Time{}, refuse(RefuseSubject, "the token has no sub")
	}
	for _, p := range v.cfg.Subjects {
		if globMatch(p, claims.Subject) {
			return clientIdentity{Issuer: unverified.Issuer, Subject: claims.Subject, Pattern: p}, claims.Expiry.Time(), nil
		}
	}
	return clientIdentity{}, time.Time{}, refuse(RefuseSubject, "sub %q matches no --client-subject pattern", truncate(claims.Subject, 200))
}

func (v *clientVerifier) checkTime(c jwt.Claims) *ClientRefusal {
	now := v.cfg.Now()
	switch {
	case c.Expiry == nil:
		return refuse(RefuseExpired, "the token has no exp")
	case !now.Before(c.Expiry.Time().Add(v.cfg.Skew)):
		return refuse(RefuseExpired, "exp is past (%s skew allowed)", v.cfg.Skew)
	case c.NotBefore != nil && c.NotBefore.Time().After(now.Add(v.cfg.Skew)):
		return refuse(RefuseNotYetValid, "nbf is in the future (%s skew allowed)", v.cfg.Skew)
	case c.IssuedAt != nil && c.IssuedAt.Time().After(now.Add(v.cfg.Skew)):
		return refuse(RefuseNotYetValid, "iat is in the future (%s skew allowed)", v.cfg.Skew)
	}
	return nil
}

// key finds kid in the issuer's cached keys, fetching them when none are
// held, when they are older than MaxAge, or — at most once per MinRefresh —
// when kid is unknown (the issuer rotated its keys).
func (v *clientVerifier) key(ctx context.Context, ik *issuerKeys, kid string) (*jose.JSONWebKey, *ClientRefusal) {
	now := v.cfg.Now()
	ik.mu.RLock()
	found := ik.keys.Key(kid)
	stale := ik.fetched.IsZero() || now.Sub(ik.fetched) > v.cfg.MaxAge
	ik.mu.RUnlock()
	if len(found) > 0 && !stale {
		return &found[0], nil
	}
	fetchErr := v.refresh(ctx, ik, len(found) == 0)
	ik.mu.RLock()
	found = ik.keys.Key(kid)
	ik.mu.RUnlock()
	switch {
	case len(found) > 0:
		return &found[0], nil
	case fetchErr != nil:
		return nil, refuse(RefuseJWKS, "the issuer's keys could not be fetched: %v", fetchErr)
	}
	return nil, refuse(RefuseKid, "kid %q is not in the issuer's JWKS", truncate(kid, 100))
}

// refresh fetches the issuer's JWKS unless another fetch just happened.
// unknownKid refreshes are rate-limited by MinRefresh; a stale cache is
// refreshed regardless (but still one fetch at a time).
func (v *clientVerifier) refresh(ctx context.Context, ik *issuerKeys, unknownKid bool) error {
	ik.fetchMu.Lock()
	defer ik.fetchMu.Unlock()
	now := v.cfg.Now()
	ik.mu.RLock()
	recent := !ik.lastAttempt.IsZero() && now.Sub(ik.lastAttempt) < v.cfg.MinRefresh
	fresh := !ik.fetched.IsZero() && now.Sub(ik.fetched) <= v.cfg.MaxAge
	ik.mu.RUnlock()
	if recent && (unknownKid || fresh) {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, clientAuthFetchDeadline)
	defer cancel()
	keys, err := v.fetchJWKS(ctx, ik.issuer)
	ik.mu.Lock()
	defer ik.mu.Unlock()
	ik.lastAttempt = now
	if err != nil {
		return err
	}
	ik.keys, ik.fetched = keys, now
	return nil
}

// fetchJWKS does OIDC discovery for issuer and fetches its key set.
func (v *clientVerifier) fetchJWKS(ctx context.Context, issuer string) (jose.JSONWebKeySet, error) {
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := v.getJSON(ctx, issuer, strings.TrimRight(issuer, "/")+"/.well-known/openid-configuration", &doc); err != nil {
		return jose.JSONWebKeySet{}, err
	}
	if doc.Issuer != issuer {
		return jose.JSONWebKeySet{}, fmt.Errorf("discovery document names issuer %q, not %q", truncate(doc.Issuer, 200), issuer)
	}
	u, err := url.Parse(doc.JWKSURI)
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopbackHost(u.Hostname()))) {
		return jose.JSONWebKeySet{}, fmt.Errorf("discovery document's jwks_uri %q is not an https URL", truncate(doc.JWKSURI, 200))
	}
	var set jose.JSONWebKeySet
	if err := v.getJSON(ctx, issuer, doc.JWKSURI, &set); err != nil {
		if v.cfg.TokenFiles[issuer] != "" && !sameOrigin(issuer, doc.JWKSURI) {
			err = fmt.Errorf("%w (the --client-issuer-token-file token is sent only to the issuer's own origin, and this jwks_uri is on another)", err)
		}
		return jose.JSONWebKeySet{}, err
	}
	// Only public signing keys: a JWKS that publishes a symmetric or
	// private key is misconfigured, and such a key must not verify anything.
	var pub jose.JSONWebKeySet
	for _, k := range set.Keys {
		if k.Valid() && k.IsPublic() && (k.Use == "" || k.Use == "sig") {
			pub.Keys = append(pub.Keys, k)
		}
	}
	if len(pub.Keys) == 0 {
		return jose.JSONWebKeySet{}, errors.New("the JWKS holds no public signing key")
	}
	return pub, nil
}

// getJSON fetches u for issuer's verification. The issuer's token, if one
// is configured, goes along only when u is on the issuer's own origin.
func (v *clientVerifier) getJSON(ctx context.Context, issuer, u string, dst any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if file := v.cfg.TokenFiles[issuer]; file != "" && sameOrigin(issuer, u) {
		tok, err := fsutil.ReadFileLimited(file, maxClientTokenBytes)
		if err != nil {
			return fmt.Errorf("--client-issuer-token-file: %w", err)
		}
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
	}
	resp, err := v.client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", u, errors.Unwrap(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d", u, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDiscoveryBodyBytes+1))
	if err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	if len(body) > maxDiscoveryBodyBytes {
		return fmt.Errorf("GET %s: body larger than %d bytes", u, maxDiscoveryBodyBytes)
	}
	if err := json.Unmarshal(body, dst); err != nil {
		return fmt.Errorf("GET %s: not the expected JSON: %w", u, err)
	}
	return nil
}

// peekJOSEHeader reads alg and kid from a compact JWS header without
// trusting anything, so the refusal can name a bad algorithm precisely.
func peekJOSEHeader(raw string) (alg, kid string, ok bool) {
	head, rest, found := strings.Cut(raw, ".")
	if !found || strings.Count(rest, ".") != 1 {
		return "", "", false
	}
	var h struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	b, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil || json.Unmarshal(b, &h) != nil {
		return "", "", false
	}
	return h.Alg, h.Kid, true
}

func allowedAlg(alg string) bool {
	for _, a := range clientAlgs {
		if string(a) == alg {
			return true
		}
	}
	return false
}

// looksLikeJWT tells a client JWT from a gateway key without parsing it.
func looksLikeJWT(v string) bool {
	return strings.HasPrefix(v, "eyJ") && strings.Count(v, ".") == 2
}

func intersects(have, want []string) bool {
	for _, h := range have {
		for _, w := range want {
			if h == w {
				return true
			}
		}
	}
	return false
}

// globMatch matches s against pattern where '*' is any run of characters
// (':' and '/' included: subjects are not paths) and '?' is one character.
func globMatch(pattern, s string) bool {
	px, sx := 0, 0
	starP, starS := -1, 0
	for sx < len(s) {
		switch {
		case px < len(pattern) && (pattern[px] == '?' || pattern[px] == s[sx]):
			px++
			sx++
		case px < len(pattern) && pattern[px] == '*':
			starP, starS = px, sx
			px++
		case starP >= 0:
			starS++
			px, sx = starP+1, starS
		default:
			return false
		}
	}
	for px < len(pattern) && pattern[px] == '*' {
		px++
	}
	return px == len(pattern)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// sameOrigin reports whether a and b have the same scheme, host and port
// (default ports made explicit).
func sameOrigin(a, b string) bool {
	ua, errA := url.Parse(a)
	ub, errB := url.Parse(b)
	if errA != nil || errB != nil {
		return false
	}
	return strings.EqualFold(ua.Scheme, ub.Scheme) && strings.EqualFold(credential.CanonicalHost(ua), credential.CanonicalHost(ub))
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
