package oauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2/config"

	"github.com/hermes-agent/hermes/internal/secret"
)

// maxBody bounds what hermes reads from a token endpoint.
const maxBody = 1 << 20

// Tokens is a token endpoint's answer: a login's pair and what it says
// about the account. Secrets: never print them.
type Tokens struct {
	AccessToken  string
	RefreshToken string
	Expiry       time.Time // zero: the endpoint gave no expires_in
	// Obtained is when the answer arrived (with Expiry: the lifetime).
	Obtained     time.Time
	Scope        string
	AccountEmail string
	AccountUUID  string
	OrgUUID      string
	OrgName      string
	RequestID    string
}

// Client sends token requests: JSON bodies, anthropic-beta oauth-2025-04-20,
// https only (http on loopback), no redirects, at most 1 MiB read.
type Client struct {
	// HTTP carries the requests; nil: a 30 s client. Redirects are never
	// followed either way.
	HTTP      *http.Client
	UserAgent string
	Now       func() time.Time
}

// TokenError is a refused or failed token request. It never holds a secret.
type TokenError struct {
	Endpoint    string
	Grant       string
	Status      int    // 0: no answer (network)
	Code        string // RFC 6749 error code, e.g. invalid_grant
	Description string // error_description, redacted
	RequestID   string
	Err         error // the network error, when Status is 0

	// unknown: the request was sent and no usable answer came back (the
	// connection broke or timed out after the request was written, or a
	// 200 could not be read): the server may have acted on it.
	unknown bool
}

func (e *TokenError) Error() string {
	what := "OAuth " + strings.ReplaceAll(e.Grant, "_", " ") + " request to " + e.Endpoint
	switch {
	case e.Status == 0:
		return what + " failed: " + e.Err.Error()
	case e.Code != "":
		s := fmt.Sprintf("%s refused (HTTP %d, %s", what, e.Status, e.Code)
		if e.Description != "" {
			s += ": " + e.Description
		}
		if e.RequestID != "" {
			s += ", request-id " + e.RequestID
		}
		return s + ")"
	}
	s := fmt.Sprintf("%s failed with HTTP %d", what, e.Status)
	if e.RequestID != "" {
		s += " (request-id " + e.RequestID + ")"
	}
	return s
}

func (e *TokenError) Unwrap() error { return e.Err }

// ExitCode: a refusal means authentication is refused (4); a server or
// network failure is an ordinary error (1).
func (e *TokenError) ExitCode() int {
	if e.Status >= 400 && e.Status < 500 {
		return 4
	}
	return 1
}

// InvalidGrant reports whether err is the token endpoint refusing the
// grant itself (a spent, revoked or expired refresh token or code): only a
// new login helps.
func InvalidGrant(err error) bool {
	var te *TokenError
	return errors.As(err, &te) && te.Code == "invalid_grant"
}

// OutcomeUnknown reports whether err is a token request that was sent but
// got no usable answer: the server may have spent the grant (rotated a
// refresh token), so the same grant must not be sent again.
func OutcomeUnknown(err error) bool {
	var te *TokenError
	return errors.As(err, &te) && te.unknown
}

// Exchange redeems an authorization code.
func (c *Client) Exchange(ctx context.Context, cfg Config, code, state, verifier, redirectURI string) (*Tokens, error) {
	body := map[string]string{
		"grant_type":    "authorization_code",
		"code":          code,
		"state":         state,
		"code_verifier": verifier,
		"client_id":     cfg.ClientID,
		"redirect_uri":  redirectURI,
	}
	return c.post(ctx, cfg.TokenURL, "authorization_code", body, code, verifier)
}

// Refresh spends refreshToken for a new pair. Refresh tokens are
// single-use: the caller must store the answer's RefreshToken.
func (c *Client) Refresh(ctx context.Context, tokenURL, clientID, refreshToken string) (*Tokens, error) {
	body := map[string]string{
		"grant_type":    "refresh_token",
		"refresh_token": refreshToken,
		"client_id":     clientID,
	}
	t, err := c.post(ctx, tokenURL, "refresh_token", body, refreshToken)
	if err == nil && t.RefreshToken == "" {
		t.RefreshToken = refreshToken // the server kept it (no rotation)
	}
	return t, err
}

func (c *Client) post(ctx context.Context, endpoint, grant string, body map[string]string, secrets ...string) (*Tokens, error) {
	var wrote atomic.Bool
	fail := func(err error) (*Tokens, error) {
		return nil, &TokenError{Endpoint: endpoint, Grant: grant, Err: errors.New(secret.Redact(err.Error(), secrets...)), unknown: wrote.Load()}
	}
	if err := config.RequireSecureTokenEndpoint(endpoint); err != nil || !strings.Contains(endpoint, "://") {
		return nil, fmt.Errorf("OAuth token URL %q: must be https (http only on loopback)", endpoint)
	}
	data, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("OAuth token URL %q: %v", endpoint, err)
	}
	req = req.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(httptrace.WroteRequestInfo) { wrote.Store(true) },
	}))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("anthropic-beta", Beta)
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return fail(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return fail(err)
	}
	rid := resp.Header.Get("Request-Id")
	if resp.StatusCode != http.StatusOK {
		te := &TokenError{Endpoint: endpoint, Grant: grant, Status: resp.StatusCode, RequestID: rid}
		var e struct {
			Error       any    `json:"error"` // a string (RFC 6749) or the API's error object
			Description string `json:"error_description"`
		}
		if json.Unmarshal([]byte(config.RedactOAuthErrorBody(string(raw))), &e) == nil {
			if s, ok := e.Error.(string); ok {
				te.Code = s
			}
			te.Description = secret.RedactShapes(e.Description, secrets...)
		}
		return nil, te
	}
	if len(raw) > maxBody {
		return nil, &TokenError{Endpoint: endpoint, Grant: grant, Status: resp.StatusCode, RequestID: rid, Code: "response_too_large", Description: "more than 1 MiB", unknown: true}
	}
	var ans struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		TokenType    string `json:"token_type"`
		ExpiresIn    *int64 `json:"expires_in"`
		Scope        string `json:"scope"`
		Account      struct {
			UUID  string `json:"uuid"`
			Email string `json:"email_address"`
		} `json:"account"`
		Organization struct {
			UUID string `json:"uuid"`
			Name string `json:"name"`
		} `json:"organization"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil || ans.AccessToken == "" {
		return nil, &TokenError{Endpoint: endpoint, Grant: grant, Status: resp.StatusCode, RequestID: rid, Code: "malformed_response", Description: "the answer is not a JSON object with an access_token", unknown: true}
	}
	if ans.TokenType != "" && !strings.EqualFold(ans.TokenType, "bearer") {
		return nil, &TokenError{Endpoint: endpoint, Grant: grant, Status: resp.StatusCode, RequestID: rid, Code: "malformed_response", Description: fmt.Sprintf("token_type %q, want Bearer", ans.TokenType), unknown: true}
	}
	t := &Tokens{
		AccessToken: ans.AccessToken, RefreshToken: ans.RefreshToken, Scope: ans.Scope,
		AccountEmail: ans.Account.Email, AccountUUID: ans.Account.UUID,
		OrgUUID: ans.Organization.UUID, OrgName: ans.Organization.Name, RequestID: rid,
	}
	if ans.ExpiresIn != nil {
		t.Obtained = c.now()
		t.Expiry = t.Obtained.Add(time.Duration(*ans.ExpiresIn) * time.Second)
	}
	return t, nil
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return config.WithoutRedirects(c.HTTP)
	}
	return config.NewTokenHTTPClient()
}

func (c *Client) now() time.Time {
	if c.Now == nil {
		return time.Now()
	}
	return c.Now()
}
