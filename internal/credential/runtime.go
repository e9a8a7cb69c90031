// Package credential resolves which Anthropic credential hermes uses and
// turns it into something every HTTP client can use: a Runtime with a
// TokenSource and an http.RoundTripper that sets the headers per request.
//
// It reads like golang.org/x/oauth2: small interfaces composed, caching as
// a wrapper. Data flows one way: command → resolver → transport → network.
package credential

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/hermes-agent/hermes/internal/secret"
)

// Mode is how a credential is presented to the Anthropic API.
type Mode string

const (
	// ModeAPIKey sends the secret as x-api-key and nothing else.
	ModeAPIKey Mode = "api_key"
	// ModeBearer sends Authorization: Bearer and merges oauth-2025-04-20
	// into anthropic-beta. Used by WIF, OAuth and ANTHROPIC_AUTH_TOKEN.
	ModeBearer Mode = "bearer"
)

// Kind names where a credential comes from, for status output and logs.
type Kind string

const (
	KindWIF       Kind = "wif"        // exchanged federation token
	KindAPIKey    Kind = "api_key"    // static API key
	KindOAuth     Kind = "oauth"      // OAuth login token
	KindAuthToken Kind = "auth_token" // ANTHROPIC_AUTH_TOKEN or similar static bearer
)

// OAuthBeta is the anthropic-beta value bearer requests must carry.
const OAuthBeta = "oauth-2025-04-20"

// Token is one credential value and when it stops being valid.
type Token struct {
	Value  string
	Expiry time.Time // zero: no known expiry (API keys)
}

// ExpiresWithin reports whether the token expires within d of now.
// Tokens without an expiry never do.
func (t Token) ExpiresWithin(now time.Time, d time.Duration) bool {
	return !t.Expiry.IsZero() && !now.Add(d).Before(t.Expiry)
}

// TokenSource yields the credential to use for one request. Long-running
// callers ask for it per request; implementations cache.
type TokenSource interface {
	Token(ctx context.Context) (Token, error)
}

// Invalidator is implemented by token sources that cache: after the API
// answered 401 to a request that used value, that exact token is dropped
// (and only that one: a newer token another goroutine fetched survives).
type Invalidator interface {
	Invalidate(value string)
}

// Peeker is implemented by token sources that can show the token they
// hold without fetching one. ok is false when there is none yet. Callers
// that must not cause an exchange (the gateway's /healthz, status output)
// use it instead of Token.
type Peeker interface {
	Peek() (tok Token, ok bool)
}

// Runtime is what the resolver returns: everything a client needs to talk
// to the Anthropic API with the resolved credential.
type Runtime struct {
	// BaseURL is the API base URL (scheme://host[:port][/path]), no trailing slash.
	BaseURL string
	Mode    Mode
	Kind    Kind
	// Source describes in plain words which credential won, e.g.
	// "anthropic-wif (configured WIF, file /var/run/token)". Never a secret.
	Source string
	// ID names the winning source in a stable, machine-readable form for
	// JSON output: anthropic-wif, env-wif, pool:ID, env:VAR, profile:NAME.
	// Never a secret.
	ID     string
	Tokens TokenSource
}

// StaticSource is a TokenSource for a fixed secret (API key, static bearer).
type StaticSource Token

func (s StaticSource) Token(context.Context) (Token, error) { return Token(s), nil }

// Peek implements Peeker: a static secret is always held.
func (s StaticSource) Peek() (Token, bool) { return Token(s), true }

// NewStaticRuntime is a Runtime for a fixed secret. Tests and the
// environment/pool resolution paths use it.
func NewStaticRuntime(baseURL string, mode Mode, kind Kind, source, value string) *Runtime {
	// The value is in play from now on: every redaction masks it.
	secret.Remember(value)
	return &Runtime{
		BaseURL: strings.TrimRight(baseURL, "/"),
		Mode:    mode,
		Kind:    kind,
		Source:  source,
		Tokens:  StaticSource{Value: value},
	}
}

// HTTPClient returns a client whose every request carries the credential.
// It never follows redirects: a redirect could carry the credential to
// another origin, and the Anthropic API does not redirect.
func (rt *Runtime) HTTPClient() *http.Client {
	return &http.Client{
		Transport: rt.Transport(nil),
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
