// Package anthropicstandin is a stand-in for the Anthropic API on loopback,
// in the style of net/http/httptest. It implements the WIF token exchange
// (POST /v1/oauth/token) exactly as the spec's wire contract says, the
// Messages API (JSON and SSE streaming, scripted replies with tool_use),
// count_tokens and the model list; it records every request for assertions
// and injects faults per route.
//
// It is part of the product: `hermes demo` runs it, so it imports neither
// testing nor net/http/httptest. Tests use anthropictest.New, a thin wrapper
// that closes the server when the test ends; the demo uses Start;
// `go run ./internal/anthropicstandin/cmd/stand-in` runs it by hand.
package anthropicstandin

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hermes-agent/hermes/internal/loopback"
	"github.com/hermes-agent/hermes/internal/oidcstandin"
)

const (
	// DefaultOrgID is the organization every default configuration uses.
	DefaultOrgID = "8c2b8f3e-6a55-4f0e-9a43-2d6e1c7b9f10"
	// DefaultRuleID is the federation rule of the default configuration.
	DefaultRuleID = "fdrl_01HermesTestRule0000000001"
	// DefaultAudience is the audience the default rule requires.
	DefaultAudience = "https://api.anthropic.com"
	// DefaultRuleLifetime is a rule's token lifetime when Rule.Lifetime is 0.
	DefaultRuleLifetime = time.Hour
	// MinTokenLifetime is the floor of the SPEC lifetime formula.
	MinTokenLifetime = 60 * time.Second
	// ClockSkew is how far exp/iat/nbf may be off.
	ClockSkew = 30 * time.Second
	// MaxAssertionBytes is the largest assertion the token endpoint accepts.
	MaxAssertionBytes = 16 << 10

	// FederationBeta must be in anthropic-beta on a jwt-bearer exchange.
	FederationBeta = "oidc-federation-2026-04-01"
	// OAuthBeta must be in anthropic-beta on API calls with a bearer token.
	OAuthBeta = "oauth-2025-04-20"
	// AccessTokenPrefix starts every minted access token.
	AccessTokenPrefix = "sk-ant-oat01-"
	// Scope is the scope of minted tokens.
	Scope = "user:inference"
)

// Config says whom the stand-in trusts. Zero fields take defaults.
type Config struct {
	// Issuer is the trusted OIDC issuer; the default rule trusts its URL and
	// keys are always fetched from the rule issuer's discovery document.
	Issuer *oidcstandin.Issuer
	// OrganizationID defaults to DefaultOrgID.
	OrganizationID string
	// Rules default to one rule DefaultRuleID for Issuer, audience DefaultAudience.
	Rules []Rule
	// APIKeys are the accepted x-api-key values.
	APIKeys []string
	// TokenTTL, when set, is the lifetime of minted tokens for rules without
	// a Lifetime, honoured exactly (2*time.Second gives expires_in 2) for
	// expiry tests. Otherwise the SPEC formula applies:
	// min(rule lifetime, 2 × the JWT's remaining life), at least 60 s.
	TokenTTL time.Duration
	// Now is the server's clock (default time.Now), for fake-clock tests.
	Now func() time.Time
	// OAuthClientID is the login client the authorization server knows
	// (default DefaultOAuthClientID).
	OAuthClientID string
	// OAuthTokenTTL is the lifetime of OAuth access tokens (default
	// DefaultOAuthTokenTTL); SetOAuthTokenTTL changes it on a running server.
	OAuthTokenTTL time.Duration
	// ContextWindow, when set, is the largest prompt (in EstimateTokens)
	// /v1/messages accepts; SetContextWindow changes it on a running
	// server. See cache.go.
	ContextWindow int
	// MinCacheTokens is the shortest prefix the prompt cache writes
	// (default DefaultMinCacheTokens).
	MinCacheTokens int
}

// Rule is a federation rule.
type Rule struct {
	ID       string // fdrl_…
	Issuer   string // compared byte for byte with the JWT's iss
	Audience string // must be one of the JWT's aud values
	// ServiceAccountID, when set, is the svac_… the request must name; when
	// empty, the request must name none.
	ServiceAccountID string
	// Workspaces the rule covers (wrkspc_… or "default"); empty means the
	// organization's default workspace. With more than one, workspace_id is
	// required.
	Workspaces []string
	// Lifetime is the rule's maximum token lifetime (default DefaultRuleLifetime).
	Lifetime time.Duration
}

// Server is a running stand-in.
type Server struct {
	// URL is the base URL, e.g. http://127.0.0.1:PORT (no trailing slash).
	URL string

	cfg    Config
	srv    *loopback.Server
	client *http.Client // fetches issuers' discovery documents and JWKS

	mu         sync.Mutex
	requests   []*Request
	exchanges  []Exchange
	messages   []MessagesRequest
	usedJTIs   map[string]bool
	tokens     map[string]*minted
	secrets    []string
	secretSet  map[string]bool
	script     []Reply
	faults     map[string]*Fault
	refused    map[string]string      // model → "404" or "400": see RefuseModel
	modelPage  int                    // largest models page served; 0: the API's 1000
	oa         *oauthState            // the login flow's codes and refresh tokens (oauth.go)
	cache      map[[32]byte]time.Time // prompt-cache prefix hash → expiry (cache.go)
	cacheStats CacheStats
	usages     []Usage // each answered messages request's usage, in order
	autoTool   *autoTool
	closed     chan struct{} // closed by Close: ends handlers held by a Hold fault
	closeOnce  sync.Once
}

type minted struct {
	expiry  time.Time
	revoked bool
}

// Start starts a stand-in on a loopback port. The caller must Close it.
func Start(cfg Config) (*Server, error) {
	if cfg.OrganizationID == "" {
		cfg.OrganizationID = DefaultOrgID
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if len(cfg.Rules) == 0 {
		if cfg.Issuer == nil {
			return nil, fmt.Errorf("config has neither an Issuer nor Rules: nothing to trust")
		}
		cfg.Rules = []Rule{{ID: DefaultRuleID, Issuer: cfg.Issuer.URL, Audience: DefaultAudience}}
	}
	s := &Server{
		cfg:       cfg,
		client:    &http.Client{Timeout: 10 * time.Second},
		usedJTIs:  map[string]bool{},
		tokens:    map[string]*minted{},
		secretSet: map[string]bool{},
		faults:    map[string]*Fault{},
		refused:   map[string]string{},
		closed:    make(chan struct{}),
	}
	for _, k := range cfg.APIKeys {
		s.addSecret(k)
	}
	srv, err := loopback.Start(s.handler())
	if err != nil {
		return nil, err
	}
	s.srv = srv
	s.URL = s.srv.URL
	return s, nil
}

// Close shuts the stand-in down. It is safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closed) })
	s.srv.CloseClientConnections() // ends handlers held by a Latency fault
	s.srv.Close()
	s.client.CloseIdleConnections()
}

// Config returns the effective configuration (defaults filled in).
func (s *Server) Config() Config { return s.cfg }

// Request is one recorded HTTP request. It holds no secret: the credential
// appears only as CredentialHash.
type Request struct {
	Method string
	Path   string
	// AuthScheme is "x-api-key", "bearer", "none" or "other" (another
	// Authorization scheme, or both headers at once).
	AuthScheme string
	// CredentialHash is HashCredential of the credential presented: the
	// API key or bearer token, or on /v1/oauth/token the assertion.
	CredentialHash  string
	Beta            string // anthropic-beta
	Version         string // anthropic-version
	WorkspaceHeader string // anthropic-workspace-id
	UserAgent       string
	Status          int
	RequestID       string
	At              time.Time // arrival, by the server's clock (Config.Now)
}

// HashCredential is how a credential appears in the request log: the first
// 16 hex digits of its SHA-256 ("" for none).
func HashCredential(v string) string {
	if v == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:8])
}

// Requests returns every request so far, in arrival order. A request's
// Status is final as soon as its client has the response headers.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = *r
	}
	return out
}

// Secrets returns every secret the stand-in has been configured with, seen
// or minted: API keys, assertions, access tokens. Sentinel tests check that
// none of them appears in hermes's output.
func (s *Server) Secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.secrets...)
}

func (s *Server) addSecret(v string) {
	if v == "" || s.secretSet[v] {
		return
	}
	s.secretSet[v] = true
	s.secrets = append(s.secrets, v)
}

func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/oauth/token", s.serveToken)
	mux.HandleFunc("GET /oauth/authorize", s.serveAuthorize)
	mux.HandleFunc("GET "+CodeCallbackPath, s.serveCodeCallback)
	mux.HandleFunc("POST /v1/messages", s.serveMessages)
	mux.HandleFunc("POST /v1/messages/count_tokens", s.serveCountTokens)
	mux.HandleFunc("GET /v1/models", s.serveModels)
	mux.HandleFunc("GET /v1/models/{id}", s.serveModel)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found_error", "Not found: "+r.Method+" "+r.URL.Path)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := s.begin(r)
		w.Header().Set("request-id", rec.RequestID)
		rw := &recordingWriter{ResponseWriter: w, s: s, rec: rec}
		r, done := s.applyFrontFault(rw, r)
		if done {
			return
		}
		mux.ServeHTTP(rw, r)
	})
}

// begin records a request before it is handled, so a test that reads
// Requests() after its client returns never misses it.
func (s *Server) begin(r *http.Request) *Request {
	scheme, cred := authOf(r)
	if r.URL.Path == "/v1/oauth/token" {
		cred = "" // filled in from the body by the token handler
	}
	rec := &Request{
		Method:          r.Method,
		Path:            r.URL.Path,
		AuthScheme:      scheme,
		CredentialHash:  HashCredential(cred),
		Beta:            strings.Join(r.Header.Values("anthropic-beta"), ","),
		Version:         r.Header.Get("anthropic-version"),
		WorkspaceHeader: r.Header.Get("anthropic-workspace-id"),
		UserAgent:       r.UserAgent(),
		RequestID:       "req_" + randomString(24),
		At:              s.cfg.Now(),
	}
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	s.addSecret(cred)
	s.mu.Unlock()
	return rec
}

// authOf classifies the credential a request presents.
func authOf(r *http.Request) (scheme, cred string) {
	key := r.Header.Get("x-api-key")
	authz := r.Header.Get("Authorization")
	switch {
	case key != "" && authz != "":
		return "other", key
	case key != "":
		return "x-api-key", key
	case authz == "":
		return "none", ""
	}
	if s, tok, ok := strings.Cut(authz, " "); ok && strings.EqualFold(s, "bearer") {
		return "bearer", strings.TrimSpace(tok)
	}
	_, tok, _ := strings.Cut(authz, " ")
	return "other", strings.TrimSpace(tok)
}

// recordingWriter sets the recorded status when the header is written.
type recordingWriter struct {
	http.ResponseWriter
	s           *Server
	rec         *Request
	wroteHeader bool
}

func (w *recordingWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.wroteHeader = true
		w.s.mu.Lock()
		w.rec.Status = code
		w.s.mu.Unlock()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *recordingWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *recordingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
