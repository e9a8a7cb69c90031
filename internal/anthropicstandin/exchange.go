package anthropicstandin

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// GrantTypeJWTBearer is the federation grant; the user-login grants are in oauth.go.
const GrantTypeJWTBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// Exchange records one call to /v1/oauth/token. It holds no secret.
type Exchange struct {
	Status int
	// Reason is "ok" or why the exchange was refused: jti_reused,
	// bad_signature, expired, wrong_audience, wrong_issuer, unknown_rule,
	// org_mismatch, service_account_mismatch, workspace_required,
	// workspace_mismatch, missing_claim, bad_alg, unknown_kid,
	// malformed_jwt, iat_in_future, not_yet_valid, jwks_unavailable; for 400s
	// missing_beta, bad_content_type, malformed_body, unsupported_grant_type,
	// missing_field, bad_format, assertion_too_large.
	Reason    string
	Detail    string // a human explanation, never a secret
	JTI       string
	Subject   string
	RuleID    string
	Workspace string // the workspace the token is scoped to (on success)
	ExpiresIn int    // seconds (on success)
	RequestID string
}

// Exchanges returns every token-endpoint call so far, in order.
func (s *Server) Exchanges() []Exchange {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Exchange(nil), s.exchanges...)
}

// CheckNoStampede is the soak's correctness check of the exchanges: no
// assertion was exchanged twice (a replay), at least one exchange
// happened, and no more than the first one, one per half-life window of
// the run's measured length and one per injected 401 (N clients share
// each refresh). It sets no lower bound from the run's length: a machine
// too loaded to send a request in every token life makes fewer exchanges,
// and that is not wrong (a request sent with an expired token would fail,
// which the soak counts). The gateway and ACP soaks share it.
func (s *Server) CheckNoStampede(elapsed time.Duration, injected int) error {
	var ok, reused int
	for _, e := range s.Exchanges() {
		switch e.Reason {
		case "ok":
			ok++
		case "jti_reused":
			reused++
		}
	}
	return checkNoStampede(ok, reused, elapsed, s.cfg.TokenTTL, injected)
}

func checkNoStampede(ok, reused int, elapsed, ttl time.Duration, injected int) error {
	if reused > 0 {
		return fmt.Errorf("%d assertions were sent twice", reused)
	}
	windows := int(elapsed / (ttl / 2))
	if hi := 2 + windows + injected; ok < 1 || ok > hi {
		return fmt.Errorf("%d exchanges in %v (%d refresh windows, %d injected 401s): want 1..%d", ok, elapsed.Round(time.Millisecond), windows, injected, hi)
	}
	return nil
}

// ExchangeCount is the number of successful exchanges.
func (s *Server) ExchangeCount() int {
	n := 0
	for _, e := range s.Exchanges() {
		if e.Reason == "ok" {
			n++
		}
	}
	return n
}

// ExpireTokens makes every token minted so far expired, for 401-retry tests.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.tokens {
		m.revoked = true
	}
}

// AccessTokens returns the tokens minted so far (secrets: for assertions only).
func (s *Server) AccessTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, v := range s.secrets {
		if _, ok := s.tokens[v]; ok {
			out = append(out, v)
		}
	}
	return out
}

type tokenRequest struct {
	GrantType        string `json:"grant_type"`
	Assertion        string `json:"assertion"`
	FederationRuleID string `json:"federation_rule_id"`
	OrganizationID   string `json:"organization_id"`
	ServiceAccountID string `json:"service_account_id"`
	WorkspaceID      string `json:"workspace_id"`
}

var (
	ruleIDPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^fdrl_[A-Za-z0-9]+$`) })
	svacPattern   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^svac_[A-Za-z0-9]+$`) })
	wrkspcPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^wrkspc_[A-Za-z0-9]+$`) })
	uuidPattern   = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	})
	authFailedBody = map[string]any{"type": "error", "error": map[string]any{"type": "authentication_error", "message": "Authentication failed"}}
)

func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	if grant, ok := userGrant(r); ok {
		s.serveUserToken(w, r, grant)
		return
	}
	rec := w.(*recordingWriter).rec
	req, d := s.readTokenRequest(r, rec)
	if d == nil {
		d = s.exchange(req)
	}
	e := Exchange{RequestID: rec.RequestID}
	if req != nil {
		if a, perr := parseAssertion(req.Assertion); perr == nil {
			e.JTI, e.Subject = a.JTI, a.Subject
		}
		e.RuleID = req.FederationRuleID
	}
	if d != nil {
		e.Status, e.Reason, e.Detail = d.status, d.reason, d.detail
		s.mu.Lock()
		s.exchanges = append(s.exchanges, e)
		s.mu.Unlock()
		if d.status == http.StatusBadRequest {
			writeError(w, d.status, "invalid_request_error", d.detail)
		} else {
			writeJSON(w, http.StatusUnauthorized, authFailedBody)
		}
		return
	}
	s.mint(w, r, req, e)
}

func badRequest(reason, format string, args ...any) *denial {
	d := deny(reason, format, args...)
	d.status = http.StatusBadRequest
	return d
}

// readTokenRequest checks everything that makes a request malformed (400).
func (s *Server) readTokenRequest(r *http.Request, rec *Request) (*tokenRequest, *denial) {
	if !betaHas(r, FederationBeta) {
		return nil, badRequest("missing_beta", "anthropic-beta must include %s", FederationBeta)
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return nil, badRequest("bad_content_type", "Content-Type must be application/json")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 256<<10))
	if err != nil {
		return nil, badRequest("malformed_body", "could not read the request body")
	}
	var req tokenRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, badRequest("malformed_body", "request body is not a JSON object")
	}
	s.mu.Lock()
	rec.CredentialHash = HashCredential(req.Assertion)
	s.addSecret(req.Assertion)
	s.mu.Unlock()
	for _, f := range []struct{ name, v string }{
		{"grant_type", req.GrantType}, {"assertion", req.Assertion},
		{"federation_rule_id", req.FederationRuleID}, {"organization_id", req.OrganizationID},
	} {
		if f.v == "" {
			return &req, badRequest("missing_field", "%s: Field required", f.name)
		}
	}
	switch {
	case req.GrantType != GrantTypeJWTBearer:
		return &req, badRequest("unsupported_grant_type", "grant_type: must be %s", GrantTypeJWTBearer)
	case len(req.Assertion) > MaxAssertionBytes:
		return &req, badRequest("assertion_too_large", "assertion: at most %d bytes", MaxAssertionBytes)
	case !ruleIDPattern().MatchString(req.FederationRuleID):
		return &req, badRequest("bad_format", "federation_rule_id: must be an fdrl_ ID")
	case !uuidPattern().MatchString(req.OrganizationID):
		return &req, badRequest("bad_format", "organization_id: must be an organization UUID")
	case req.ServiceAccountID != "" && !svacPattern().MatchString(req.ServiceAccountID):
		return &req, badRequest("bad_format", "service_account_id: must be an svac_ ID")
	case req.WorkspaceID != "" && req.WorkspaceID != "default" && !wrkspcPattern().MatchString(req.WorkspaceID):
		return &req, badRequest("bad_format", "workspace_id: must be a wrkspc_ ID or \"default\"")
	}
	return &req, nil
}

// exchange decides a well-formed request: rule, signature, claims, jti.
func (s *Server) exchange(req *tokenRequest) *denial {
	rule, ok := s.rule(req.FederationRuleID)
	switch {
	case !ok:
		return deny("unknown_rule", "no federation rule %s", req.FederationRuleID)
	case req.OrganizationID != s.cfg.OrganizationID:
		return deny("org_mismatch", "organization_id is not the rule's organization")
	}
	a, d := parseAssertion(req.Assertion)
	if d != nil {
		return d
	}
	if d := checkAlg(a.Alg); d != nil {
		return d
	}
	keys, err := s.fetchKeys(rule.Issuer)
	if err != nil {
		return deny("jwks_unavailable", "could not fetch the issuer's JWKS: %v", err)
	}
	if d := verifySignature(req.Assertion, a, keys); d != nil {
		return d
	}
	if d := checkClaims(a, rule, s.cfg.Now()); d != nil {
		return d
	}
	if req.ServiceAccountID != rule.ServiceAccountID {
		return deny("service_account_mismatch", "service_account_id does not match the rule")
	}
	if _, d := pickWorkspace(rule, req.WorkspaceID); d != nil {
		return d
	}
	// Spend the assertion last, so only a successful exchange burns it. A
	// JWT without a jti is single-use too, by its own hash.
	key := a.Issuer + "\x00" + a.JTI
	if a.JTI == "" {
		key = "sha256:" + HashCredential(req.Assertion)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.usedJTIs[key] {
		return deny("jti_reused", "this assertion was already exchanged")
	}
	s.usedJTIs[key] = true
	return nil
}

func (s *Server) rule(id string) (Rule, bool) {
	for _, r := range s.cfg.Rules {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}

// pickWorkspace is the workspace a token is scoped to: the one asked for
// if the rule covers it, else the rule's only one.
func pickWorkspace(rule Rule, asked string) (string, *denial) {
	covered := rule.Workspaces
	if len(covered) == 0 {
		covered = []string{"default"}
	}
	switch {
	case asked != "" && !slices.Contains(covered, asked):
		return "", deny("workspace_mismatch", "the rule does not cover workspace %s", asked)
	case asked != "":
		return asked, nil
	case len(covered) > 1:
		return "", deny("workspace_required", "the rule covers %d workspaces: workspace_id is required", len(covered))
	}
	return covered[0], nil
}

// mint issues an access token for an accepted exchange.
func (s *Server) mint(w http.ResponseWriter, r *http.Request, req *tokenRequest, e Exchange) {
	rule, _ := s.rule(req.FederationRuleID)
	a, _ := parseAssertion(req.Assertion)
	now := s.cfg.Now()
	ttl := s.tokenTTL(rule, a.Expiry.Sub(now))
	tok := AccessTokenPrefix + randomString(86) + "-" + randomString(8) + "AA"
	e.Status, e.Reason = http.StatusOK, "ok"
	e.Workspace, _ = pickWorkspace(rule, req.WorkspaceID)
	e.ExpiresIn = int((ttl + time.Second - 1) / time.Second)
	s.mu.Lock()
	s.tokens[tok] = &minted{expiry: now.Add(ttl)}
	s.addSecret(tok)
	s.exchanges = append(s.exchanges, e)
	s.mu.Unlock()
	writeResult(w, r, map[string]any{
		"access_token": tok,
		"token_type":   "Bearer",
		"expires_in":   e.ExpiresIn,
		"scope":        Scope,
	})
}

// tokenTTL is the minted token's lifetime: a rule's Lifetime or the
// default under the SPEC formula, or Config.TokenTTL honoured exactly.
func (s *Server) tokenTTL(rule Rule, jwtLeft time.Duration) time.Duration {
	if rule.Lifetime == 0 && s.cfg.TokenTTL > 0 {
		return s.cfg.TokenTTL
	}
	lifetime := rule.Lifetime
	if lifetime == 0 {
		lifetime = DefaultRuleLifetime
	}
	return max(min(lifetime, 2*jwtLeft), MinTokenLifetime)
}

// betaHas reports whether the comma-separated anthropic-beta header(s)
// contain want.
func betaHas(r *http.Request, want string) bool {
	for _, h := range r.Header.Values("anthropic-beta") {
		for _, v := range strings.Split(h, ",") {
			if strings.TrimSpace(v) == want {
				return true
			}
		}
	}
	return false
}
