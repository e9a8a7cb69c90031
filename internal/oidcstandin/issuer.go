// Package oidcstandin is an OIDC identity provider on loopback, in the style
// of net/http/httptest: an RSA-keyed issuer that serves discovery and JWKS,
// mints RS256 JWTs (and deliberately broken ones), and emulates the three
// workload token endpoints hermes reads from: the GitHub Actions ID-token
// request URL, the GCP metadata identity endpoint and Azure IMDS.
//
// It is part of the product: `hermes demo` runs it, so it imports neither
// testing nor net/http/httptest. Tests use oidctest.New, a thin wrapper that
// closes the issuer when the test ends; the demo and the standalone stand-in
// use Start.
package oidcstandin

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hermes-agent/hermes/internal/loopback"
)

// DefaultAudience is the audience minted when none is asked for: the one
// Anthropic federation rules usually expect.
const DefaultAudience = "https://api.anthropic.com"

// DefaultSubject is the sub claim of JWTs minted without one (a GitHub
// Actions style subject).
const DefaultSubject = "repo:hermes-agent/hermes:ref:refs/heads/main"

// DefaultTTL is the lifetime of a minted JWT unless Claims.TTL says otherwise
// (a GitHub Actions JWT lives about five minutes).
const DefaultTTL = 5 * time.Minute

// Issuer is a running OIDC issuer. Its URL is also the `iss` claim of every
// JWT it mints, so a federation rule names it byte for byte.
type Issuer struct {
	// URL is the base URL (http://127.0.0.1:PORT) and the iss claim.
	URL string

	srv          *loopback.Server
	key          *rsa.PrivateKey // the signing key; guarded by mu after RotateKey
	kid          string
	retired      []signingKey // keys rotated out, still published in the JWKS
	bits         int
	keys         KeySource
	released     sync.Once
	jwksRequests atomic.Int64
	requestToken string
	now          func() time.Time
	minted       atomic.Int64

	jwksURI string // published in discovery ("": the issuer's own)

	mu       sync.Mutex
	requests []EndpointRequest
	metaAuth []string
}

// EndpointRequest records one call to a workload token endpoint, for tests
// that assert what hermes asked for. It holds no secret.
type EndpointRequest struct {
	Route    string // "github-actions", "gcp-metadata", "azure-imds"
	Audience string
	Status   int
}

// Option configures an Issuer.
type Option func(*options)

type options struct {
	now          func() time.Time
	requestToken string
	kid          string
	bits         int
	keys         KeySource
	jwksURI      string
}

// WithClock makes the issuer read time from now (iat/exp of minted JWTs),
// for tests that drive a fake clock.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithRequestToken sets the GitHub Actions request token the issuer accepts
// (default: a random value, see GitHubActions).
func WithRequestToken(tok string) Option { return func(o *options) { o.requestToken = tok } }

// WithKeyID sets the kid of the signing key (default: random).
func WithKeyID(kid string) Option { return func(o *options) { o.kid = kid } }

// WithKeyBits sets the RSA modulus size (default 2048).
func WithKeyBits(bits int) Option { return func(o *options) { o.bits = bits } }

// WithJWKSURI makes discovery publish u as jwks_uri (default: the
// issuer's own JWKS), e.g. a server on another origin.
func WithJWKSURI(u string) Option { return func(o *options) { o.jwksURI = u } }

// KeySource supplies an issuer's RSA signing keys. The default generates a
// fresh key every time; tests share keys between issuers (oidctest),
// because generating a 2048-bit key costs tens of milliseconds of CPU.
type KeySource interface {
	// Key returns a key of bits bits that no open issuer signs with.
	Key(bits int) (*rsa.PrivateKey, error)
	// Release takes back every key of an issuer that has closed.
	Release(keys ...*rsa.PrivateKey)
}

// WithKeySource makes the issuer take its signing keys (the first and each
// RotateKey's) from src, and give them back to it on Close.
func WithKeySource(src KeySource) Option { return func(o *options) { o.keys = src } }

// freshKeys is the default KeySource.
type freshKeys struct{}

func (freshKeys) Key(bits int) (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, bits) }
func (freshKeys) Release(...*rsa.PrivateKey)            {}

// Start starts an issuer on a loopback port. The caller must Close it.
func Start(opts ...Option) (*Issuer, error) {
	o := options{now: time.Now, bits: 2048, keys: freshKeys{}}
	for _, opt := range opts {
		opt(&o)
	}
	key, err := o.keys.Key(o.bits)
	if err != nil {
		return nil, fmt.Errorf("generate RSA key: %w", err)
	}
	if o.kid == "" {
		o.kid = "kid-" + randomHex(8)
	}
	if o.requestToken == "" {
		o.requestToken = "ghs_oidctest_" + randomHex(16)
	}
	i := &Issuer{key: key, kid: o.kid, bits: o.bits, keys: o.keys, requestToken: o.requestToken, now: o.now, jwksURI: o.jwksURI}
	srv, err := loopback.Start(i.handler())
	if err != nil {
		return nil, err
	}
	i.srv = srv
	i.URL = i.srv.URL
	return i, nil
}

// Close shuts the issuer down. It is safe to call more than once.
func (i *Issuer) Close() {
	i.srv.Close()
	i.released.Do(func() {
		var keys []*rsa.PrivateKey
		for _, k := range i.published() {
			keys = append(keys, k.key)
		}
		i.keys.Release(keys...)
	})
}

// KeyID is the kid of the signing key, as published in the JWKS.
func (i *Issuer) KeyID() string { return i.current().kid }

// signingKey is one RSA key and its kid.
type signingKey struct {
	key *rsa.PrivateKey
	kid string
}

func (i *Issuer) current() signingKey {
	i.mu.Lock()
	defer i.mu.Unlock()
	return signingKey{i.key, i.kid}
}

// published is every key in the JWKS: the current one first, then the
// rotated-out ones.
func (i *Issuer) published() []signingKey {
	i.mu.Lock()
	defer i.mu.Unlock()
	return append([]signingKey{{i.key, i.kid}}, i.retired...)
}

// RotateKey makes a fresh key (with a new kid) the signing key, as an
// issuer rotating its keys does; the old key stays in the JWKS. It returns
// the new kid. Verifiers that cached the JWKS see an unknown kid.
func (i *Issuer) RotateKey() (string, error) {
	key, err := i.keys.Key(i.bits)
	if err != nil {
		return "", fmt.Errorf("generate RSA key: %w", err)
	}
	kid := "kid-" + randomHex(8)
	i.mu.Lock()
	defer i.mu.Unlock()
	i.retired = append([]signingKey{{i.key, i.kid}}, i.retired...)
	i.key, i.kid = key, kid
	return kid, nil
}

// JWKSRequests is how many times the JWKS was fetched.
func (i *Issuer) JWKSRequests() int { return int(i.jwksRequests.Load()) }

// JWKSURL is where the issuer publishes its keys.
func (i *Issuer) JWKSURL() string { return i.URL + jwksPath }

// GitHubActions returns the values for ACTIONS_ID_TOKEN_REQUEST_URL and
// ACTIONS_ID_TOKEN_REQUEST_TOKEN. Like GitHub's, the URL already has a query
// string, so a client appends "&audience=AUD".
func (i *Issuer) GitHubActions() (requestURL, requestToken string) {
	return i.URL + ghaPath + "?api-version=2.0", i.requestToken
}

// GCEMetadataHost returns host:port for GCE_METADATA_HOST.
func (i *Issuer) GCEMetadataHost() string { return strings.TrimPrefix(i.URL, "http://") }

// AzureIMDSEndpoint returns the base URL for HERMES_AZURE_IMDS_ENDPOINT; a
// client requests BASE/metadata/identity/oauth2/token?api-version=2018-02-01&resource=AUD.
func (i *Issuer) AzureIMDSEndpoint() string { return i.URL }

// Minted is the number of JWTs minted so far, by Mint, MintBroken or any
// endpoint.
func (i *Issuer) Minted() int { return int(i.minted.Load()) }

// EndpointRequests returns every call made to the workload token endpoints.
func (i *Issuer) EndpointRequests() []EndpointRequest {
	i.mu.Lock()
	defer i.mu.Unlock()
	return append([]EndpointRequest(nil), i.requests...)
}

// MetadataAuthorizations returns the Authorization header of every
// discovery and JWKS request, in order ("" when none was sent), for tests
// that check who was handed a token.
func (i *Issuer) MetadataAuthorizations() []string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return append([]string(nil), i.metaAuth...)
}

func (i *Issuer) recordMetadata(r *http.Request) {
	i.mu.Lock()
	i.metaAuth = append(i.metaAuth, r.Header.Get("Authorization"))
	i.mu.Unlock()
}

func (i *Issuer) record(r EndpointRequest) {
	i.mu.Lock()
	i.requests = append(i.requests, r)
	i.mu.Unlock()
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}
