package anthropicstandin

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"time"
)

// The stand-in's authorization server: the user-login side of OAuth
// (authorization code with PKCE, refresh-token rotation) as Claude Code and
// `hermes auth add --type oauth` use it.
const (
	// DefaultOAuthClientID is the public client the authorization server
	// knows by default (Claude Code's).
	DefaultOAuthClientID = "9d1c250a-e61b-44d9-88ed-5944d1962f5e"
	// DefaultOAuthTokenTTL is an OAuth access token's lifetime by default.
	DefaultOAuthTokenTTL = 8 * time.Hour
	// OAuthAccountEmail is the account every login belongs to.
	OAuthAccountEmail = "dev@example.com"
	// OAuthOrgName is the organization every login belongs to.
	OAuthOrgName = "Example Org"
	// RefreshTokenPrefix starts every minted refresh token.
	RefreshTokenPrefix = "sk-ant-ort01-"
	// CodeCallbackPath is where a non-loopback redirect_uri shows the code.
	CodeCallbackPath = "/oauth/code/callback"
	// OAuthScopes is what a login is granted when it asks for nothing.
	OAuthScopes = "user:profile user:inference"
)

// Grant types of user logins.
const (
	GrantTypeAuthorizationCode = "authorization_code"
	GrantTypeRefreshToken      = "refresh_token"
)

// OAuthCall records one authorization or token-endpoint call of the user
// login flow. It holds no secret.
type OAuthCall struct {
	// Endpoint is "authorize" or "token".
	Endpoint string
	// Grant is the token request's grant_type ("" for authorize).
	Grant  string
	Status int
	// Reason is "ok" or why it was refused: unknown_client,
	// bad_response_type, bad_challenge_method, missing_field, bad_redirect,
	// code_reused, unknown_code, state_mismatch, pkce_mismatch,
	// redirect_mismatch, client_mismatch, refresh_reused, refresh_revoked,
	// unknown_refresh, missing_beta, bad_content_type, malformed_body.
	Reason    string
	RequestID string
}

type authCode struct {
	clientID, redirectURI, challenge, state, scope string
	used                                           bool
}

type refreshToken struct {
	family string
	used   bool
}

type oauthState struct {
	codes    map[string]*authCode
	refresh  map[string]*refreshToken
	families map[string]*family
	calls    []OAuthCall
	ttl      time.Duration
}

type family struct {
	revoked bool
	access  []string
}

func (s *Server) oauth() *oauthState {
	if s.oa == nil {
		s.oa = &oauthState{codes: map[string]*authCode{}, refresh: map[string]*refreshToken{}, families: map[string]*family{}}
	}
	return s.oa
}

// SetOAuthTokenTTL sets the lifetime of OAuth access tokens minted from now
// on (0: Config.OAuthTokenTTL, else DefaultOAuthTokenTTL), for refresh tests.
func (s *Server) SetOAuthTokenTTL(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oauth().ttl = d
}

func (s *Server) oauthTTL() time.Duration {
	switch {
	case s.oauth().ttl > 0:
		return s.oa.ttl
	case s.cfg.OAuthTokenTTL > 0:
		return s.cfg.OAuthTokenTTL
	}
	return DefaultOAuthTokenTTL
}

func (s *Server) oauthClientID() string {
	if s.cfg.OAuthClientID != "" {
		return s.cfg.OAuthClientID
	}
	return DefaultOAuthClientID
}

// OAuthCalls returns every call of the login flow so far, in order.
func (s *Server) OAuthCalls() []OAuthCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]OAuthCall(nil), s.oauth().calls...)
}

// OAuthGrants counts the successful token-endpoint calls of one grant type.
func (s *Server) OAuthGrants(grant string) int {
	n := 0
	for _, c := range s.OAuthCalls() {
		if c.Endpoint == "token" && c.Grant == grant && c.Reason == "ok" {
			n++
		}
	}
	return n
}

// RevokeRefreshTokens revokes every login family so far: their refresh
// tokens are refused with invalid_grant and their access tokens with 401.
func (s *Server) RevokeRefreshTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.oauth().families {
		s.revokeFamilyLocked(f)
	}
}

// IssueOAuthLogin mints a login without the browser dance (for tests that
// need a stored pair): an access token living ttl (0: the default) and its
// refresh token.
func (s *Server) IssueOAuthLogin(ttl time.Duration) (access, refresh string, expiry time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ttl <= 0 {
		ttl = s.oauthTTL()
	}
	fam := "fam_" + randomString(12)
	s.oauth().families[fam] = &family{}
	return s.issuePairLocked(fam, ttl)
}

func (s *Server) recordOAuth(c OAuthCall) {
	s.mu.Lock()
	s.oauth().calls = append(s.oauth().calls, c)
	s.mu.Unlock()
}

// serveAuthorize approves at once: the stand-in's user is always logged in
// and always consents.
func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	rec := w.(*recordingWriter).rec
	q := r.URL.Query()
	call := OAuthCall{Endpoint: "authorize", RequestID: rec.RequestID}
	fail := func(status int, reason, msg string) {
		call.Status, call.Reason = status, reason
		s.recordOAuth(call)
		http.Error(w, msg, status)
	}
	for _, k := range []string{"client_id", "response_type", "redirect_uri", "code_challenge", "code_challenge_method", "state"} {
		if q.Get(k) == "" {
			fail(http.StatusBadRequest, "missing_field", "missing parameter "+k)
			return
		}
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	switch {
	case q.Get("client_id") != s.oauthClientID():
		fail(http.StatusBadRequest, "unknown_client", "unknown client_id")
		return
	case q.Get("response_type") != "code":
		fail(http.StatusBadRequest, "bad_response_type", "response_type must be code")
		return
	case q.Get("code_challenge_method") != "S256":
		fail(http.StatusBadRequest, "bad_challenge_method", "code_challenge_method must be S256")
		return
	case err != nil || redirect.Host == "" || (redirect.Scheme != "https" && !isLoopbackURL(redirect)):
		fail(http.StatusBadRequest, "bad_redirect", "redirect_uri must be https or a loopback http URL")
		return
	}
	scope := q.Get("scope")
	if scope == "" {
		scope = OAuthScopes
	}
	code := randomString(40)
	s.mu.Lock()
	s.oauth().codes[code] = &authCode{clientID: q.Get("client_id"), redirectURI: q.Get("redirect_uri"), challenge: q.Get("code_challenge"), state: q.Get("state"), scope: scope}
	s.addSecret(code)
	s.mu.Unlock()
	call.Status, call.Reason = http.StatusOK, "ok"
	if isLoopbackURL(redirect) {
		call.Status = http.StatusFound
		s.recordOAuth(call)
		v := redirect.Query()
		v.Set("code", code)
		v.Set("state", q.Get("state"))
		redirect.RawQuery = v.Encode()
		http.Redirect(w, r, redirect.String(), http.StatusFound)
		return
	}
	// The paste flow: the page the user copies the code from.
	s.recordOAuth(call)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "Authentication code (paste it into your terminal):\n%s#%s\n", code, q.Get("state"))
}

func isLoopbackURL(u *url.URL) bool {
	if u.Scheme != "http" {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// serveCodeCallback is the default paste redirect target's stand-in.
func (s *Server) serveCodeCallback(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "%s#%s\n", r.URL.Query().Get("code"), r.URL.Query().Get("state"))
}

type userTokenRequest struct {
	GrantType    string `json:"grant_type"`
	Code         string `json:"code"`
	State        string `json:"state"`
	CodeVerifier string `json:"code_verifier"`
	ClientID     string `json:"client_id"`
	RedirectURI  string `json:"redirect_uri"`
	RefreshToken string `json:"refresh_token"`
}

// userGrant reads the grant_type of a token request without consuming the
// body; ok is true for the user-login grants.
func userGrant(r *http.Request) (grant string, ok bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 256<<10))
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return "", false
	}
	var peek struct {
		GrantType string `json:"grant_type"`
	}
	_ = json.Unmarshal(body, &peek)
	return peek.GrantType, peek.GrantType == GrantTypeAuthorizationCode || peek.GrantType == GrantTypeRefreshToken
}

// oauthError is an RFC 6749 token-endpoint error.
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]any{"error": code, "error_description": desc})
}

func (s *Server) serveUserToken(w http.ResponseWriter, r *http.Request, grant string) {
	rec := w.(*recordingWriter).rec
	call := OAuthCall{Endpoint: "token", Grant: grant, RequestID: rec.RequestID}
	fail := func(status int, reason, code, desc string) {
		call.Status, call.Reason = status, reason
		s.recordOAuth(call)
		oauthError(w, status, code, desc)
	}
	if !betaHas(r, OAuthBeta) {
		fail(http.StatusBadRequest, "missing_beta", "invalid_request", "anthropic-beta must include "+OAuthBeta)
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		fail(http.StatusBadRequest, "bad_content_type", "invalid_request", "Content-Type must be application/json")
		return
	}
	var req userTokenRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		fail(http.StatusBadRequest, "malformed_body", "invalid_request", "request body is not a JSON object")
		return
	}
	if req.ClientID != s.oauthClientID() {
		fail(http.StatusUnauthorized, "client_mismatch", "invalid_client", "unknown client_id")
		return
	}
	s.mu.Lock()
	var (
		resp   map[string]any
		reason string
		desc   string
	)
	if grant == GrantTypeAuthorizationCode {
		resp, reason, desc = s.redeemCodeLocked(&req)
	} else {
		resp, reason, desc = s.rotateLocked(&req)
	}
	s.mu.Unlock()
	if reason != "ok" {
		code := "invalid_grant"
		if reason == "missing_field" {
			code = "invalid_request"
		}
		fail(http.StatusBadRequest, reason, code, desc)
		return
	}
	call.Status, call.Reason = http.StatusOK, "ok"
	s.recordOAuth(call)
	writeResult(w, r, resp)
}

// redeemCodeLocked spends an authorization code: whatever the outcome, a
// code is tried once.
func (s *Server) redeemCodeLocked(req *userTokenRequest) (map[string]any, string, string) {
	if req.Code == "" || req.CodeVerifier == "" || req.RedirectURI == "" {
		return nil, "missing_field", "code, code_verifier and redirect_uri are required"
	}
	s.addSecret(req.CodeVerifier)
	c := s.oauth().codes[req.Code]
	switch {
	case c == nil:
		return nil, "unknown_code", "Invalid authorization code"
	case c.used:
		return nil, "code_reused", "Authorization code already used"
	}
	c.used = true
	sum := sha256.Sum256([]byte(req.CodeVerifier))
	switch {
	case req.State != c.state:
		return nil, "state_mismatch", "state does not match the authorization request"
	case base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge:
		return nil, "pkce_mismatch", "code_verifier does not match the code_challenge"
	case req.RedirectURI != c.redirectURI:
		return nil, "redirect_mismatch", "redirect_uri does not match the authorization request"
	case req.ClientID != c.clientID:
		return nil, "client_mismatch", "client_id does not match the authorization request"
	}
	fam := "fam_" + randomString(12)
	s.oauth().families[fam] = &family{}
	return s.tokenResponseLocked(fam, c.scope), "ok", ""
}

// rotateLocked spends a refresh token. A refresh token presented twice
// means it leaked (or two clients share it): the whole family is revoked.
func (s *Server) rotateLocked(req *userTokenRequest) (map[string]any, string, string) {
	if req.RefreshToken == "" {
		return nil, "missing_field", "refresh_token is required"
	}
	s.addSecret(req.RefreshToken)
	rt := s.oauth().refresh[req.RefreshToken]
	if rt == nil {
		return nil, "unknown_refresh", "Invalid refresh token"
	}
	fam := s.oa.families[rt.family]
	switch {
	case fam.revoked:
		return nil, "refresh_revoked", "Refresh token has been revoked"
	case rt.used:
		s.revokeFamilyLocked(fam)
		return nil, "refresh_reused", "Refresh token already used; the login has been revoked"
	}
	rt.used = true
	return s.tokenResponseLocked(rt.family, OAuthScopes), "ok", ""
}

func (s *Server) revokeFamilyLocked(f *family) {
	f.revoked = true
	for _, a := range f.access {
		if m := s.tokens[a]; m != nil {
			m.revoked = true
		}
	}
}

func (s *Server) issuePairLocked(fam string, ttl time.Duration) (access, refresh string, expiry time.Time) {
	access = AccessTokenPrefix + randomString(86) + "-" + randomString(8) + "AA"
	refresh = RefreshTokenPrefix + randomString(86) + "-" + randomString(8) + "AA"
	expiry = s.cfg.Now().Add(ttl)
	s.tokens[access] = &minted{expiry: expiry}
	s.oauth().refresh[refresh] = &refreshToken{family: fam}
	f := s.oa.families[fam]
	f.access = append(f.access, access)
	s.addSecret(access)
	s.addSecret(refresh)
	return access, refresh, expiry
}

func (s *Server) tokenResponseLocked(fam, scope string) map[string]any {
	ttl := s.oauthTTL()
	access, refresh, _ := s.issuePairLocked(fam, ttl)
	return map[string]any{
		"access_token":  access,
		"refresh_token": refresh,
		"token_type":    "Bearer",
		"expires_in":    int((ttl + time.Second - 1) / time.Second),
		"scope":         scope,
		"account":       map[string]any{"uuid": "acct_" + fam, "email_address": OAuthAccountEmail},
		"organization":  map[string]any{"uuid": s.cfg.OrganizationID, "name": OAuthOrgName},
	}
}
