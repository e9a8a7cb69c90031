package anthropictest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

const fedBeta = "oauth-2025-04-20,oidc-federation-2026-04-01"

type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func do(t *testing.T, method, url string, header map[string]string, body string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := response{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

func exchangeBody(fields map[string]any) string {
	b, _ := json.Marshal(fields)
	return string(b)
}

func defaultFields(assertion string) map[string]any {
	return map[string]any{
		"grant_type":         anthropictest.GrantTypeJWTBearer,
		"assertion":          assertion,
		"federation_rule_id": anthropictest.DefaultRuleID,
		"organization_id":    anthropictest.DefaultOrgID,
	}
}

func exchange(t *testing.T, srv *anthropictest.Server, fields map[string]any) response {
	t.Helper()
	return do(t, http.MethodPost, srv.URL+"/v1/oauth/token",
		map[string]string{"Content-Type": "application/json", "anthropic-beta": fedBeta}, exchangeBody(fields))
}

func lastExchange(t *testing.T, srv *anthropictest.Server) anthropictest.Exchange {
	t.Helper()
	ex := srv.Exchanges()
	if len(ex) == 0 {
		t.Fatal("no exchange recorded")
	}
	return ex[len(ex)-1]
}

func TestExchangeSuccess(t *testing.T) {
	iss := oidctest.New(t)
	srv := anthropictest.New(t, anthropictest.Config{Issuer: iss})
	jwt := iss.Mint(oidctest.Claims{Subject: "ci", JTI: "jti-1"})
	r := exchange(t, srv, defaultFields(jwt))
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	tok, _ := r.body["access_token"].(string)
	if !strings.HasPrefix(tok, "sk-ant-oat01-") || r.body["token_type"] != "Bearer" || r.body["scope"] == nil {
		t.Errorf("response = %s", r.raw)
	}
	// SPEC: min(1h rule lifetime, 2 × ~5 min left) = ~600 s.
	if exp, _ := r.body["expires_in"].(float64); exp < 590 || exp > 600 {
		t.Errorf("expires_in = %v, want about 600", r.body["expires_in"])
	}
	if r.header.Get("request-id") == "" {
		t.Error("no request-id header")
	}
	e := lastExchange(t, srv)
	if e.Reason != "ok" || e.JTI != "jti-1" || e.Subject != "ci" || e.RequestID != r.header.Get("request-id") || e.Workspace != "default" {
		t.Errorf("exchange = %+v", e)
	}
	if srv.ExchangeCount() != 1 {
		t.Errorf("ExchangeCount = %d", srv.ExchangeCount())
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Status != 200 || reqs[0].CredentialHash != anthropictest.HashCredential(jwt) || reqs[0].Beta != fedBeta || reqs[0].AuthScheme != "none" {
		t.Errorf("requests = %+v", reqs)
	}
	secrets := strings.Join(srv.Secrets(), " ")
	if !strings.Contains(secrets, jwt) || !strings.Contains(secrets, tok) {
		t.Error("Secrets() misses the assertion or the minted token")
	}
}

func TestExchangeDenials(t *testing.T) {
	iss := oidctest.New(t)
	other := oidctest.New(t, oidctest.WithKeyID(iss.KeyID())) // same kid, another key
	srv := anthropictest.New(t, anthropictest.Config{
		Issuer: iss,
		Rules: []anthropictest.Rule{
			{ID: anthropictest.DefaultRuleID, Issuer: iss.URL, Audience: "https://api.anthropic.com"},
			{ID: "fdrl_svac", Issuer: iss.URL, Audience: "https://api.anthropic.com", ServiceAccountID: "svac_1"},
			{ID: "fdrl_multi", Issuer: iss.URL, Audience: "https://api.anthropic.com", Workspaces: []string{"wrkspc_a", "wrkspc_b"}},
		},
	})
	with := func(jwt string, kv ...any) map[string]any {
		f := defaultFields(jwt)
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(f, kv[i].(string))
			} else {
				f[kv[i].(string)] = kv[i+1]
			}
		}
		return f
	}
	good := func() string { return iss.Mint(oidctest.Claims{}) }
	broken := func(k oidctest.Broken) string { return iss.MintBroken(k, oidctest.Claims{}) }
	tests := []struct {
		name   string
		fields map[string]any
		status int
		reason string
	}{
		{"expired", with(broken(oidctest.Expired)), 401, "expired"},
		{"wrong audience", with(broken(oidctest.WrongAudience)), 401, "wrong_audience"},
		{"wrong issuer", with(broken(oidctest.WrongIssuer)), 401, "wrong_issuer"},
		{"alg none", with(broken(oidctest.AlgNone)), 401, "bad_alg"},
		{"hs256", with(broken(oidctest.HS256)), 401, "bad_alg"},
		{"missing exp", with(broken(oidctest.MissingExp)), 401, "missing_claim"},
		{"missing iat", with(broken(oidctest.MissingIat)), 401, "missing_claim"},
		{"missing sub", with(broken(oidctest.MissingSub)), 401, "missing_claim"},
		{"unknown kid", with(broken(oidctest.UnknownKid)), 401, "unknown_kid"},
		{"no kid", with(broken(oidctest.NoKid)), 401, "unknown_kid"},
		{"bad signature", with(broken(oidctest.BadSignature)), 401, "bad_signature"},
		{"other issuer's key", with(other.Mint(oidctest.Claims{Issuer: iss.URL})), 401, "bad_signature"},
		{"oversized", with(broken(oidctest.Oversized)), 400, "assertion_too_large"},
		{"not a JWT", with("not-a-jwt"), 401, "malformed_jwt"},
		{"future iat", with(iss.Mint(oidctest.Claims{IssuedAt: time.Now().Add(time.Hour)})), 401, "iat_in_future"},
		{"expired within skew is fine", with(iss.Mint(oidctest.Claims{IssuedAt: time.Now().Add(-time.Minute), TTL: time.Minute - 10*time.Second})), 200, "ok"},
		{"unknown rule", with(good(), "federation_rule_id", "fdrl_nope"), 401, "unknown_rule"},
		{"org mismatch", with(good(), "organization_id", "00000000-0000-0000-0000-000000000000"), 401, "org_mismatch"},
		{"service account required", with(good(), "federation_rule_id", "fdrl_svac"), 401, "service_account_mismatch"},
		{"service account ok", with(good(), "federation_rule_id", "fdrl_svac", "service_account_id", "svac_1"), 200, "ok"},
		{"service account not in rule", with(good(), "service_account_id", "svac_2"), 401, "service_account_mismatch"},
		{"workspace required", with(good(), "federation_rule_id", "fdrl_multi"), 401, "workspace_required"},
		{"workspace chosen", with(good(), "federation_rule_id", "fdrl_multi", "workspace_id", "wrkspc_b"), 200, "ok"},
		{"workspace not covered", with(good(), "workspace_id", "wrkspc_zzz"), 401, "workspace_mismatch"},
		{"default workspace", with(good(), "workspace_id", "default"), 200, "ok"},
		{"bad grant", with(good(), "grant_type", "client_credentials"), 400, "unsupported_grant_type"},
		{"missing assertion", with("", "assertion", nil), 400, "missing_field"},
		{"missing rule", with(good(), "federation_rule_id", nil), 400, "missing_field"},
		{"missing org", with(good(), "organization_id", nil), 400, "missing_field"},
		{"bad rule format", with(good(), "federation_rule_id", "rule_1"), 400, "bad_format"},
		{"bad org format", with(good(), "organization_id", "org_1"), 400, "bad_format"},
		{"bad svac format", with(good(), "service_account_id", "sa_1"), 400, "bad_format"},
		{"bad workspace format", with(good(), "workspace_id", "ws_1"), 400, "bad_format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := exchange(t, srv, tt.fields)
			if r.status != tt.status {
				t.Fatalf("status = %d, want %d: %s", r.status, tt.status, r.raw)
			}
			if e := lastExchange(t, srv); e.Reason != tt.reason || e.Status != tt.status {
				t.Errorf("exchange = %+v, want reason %s", e, tt.reason)
			}
			switch tt.status {
			case 401:
				if strings.TrimSpace(r.raw) != `{"error":{"message":"Authentication failed","type":"authentication_error"},"type":"error"}` {
					t.Errorf("401 body is not the fixed one: %s", r.raw)
				}
			case 400:
				if errType(r) != "invalid_request_error" {
					t.Errorf("400 body: %s", r.raw)
				}
				if a, _ := tt.fields["assertion"].(string); a != "" && strings.Contains(r.raw, a) {
					t.Error("400 body echoes the assertion")
				}
			}
		})
	}
}

func errType(r response) string {
	e, _ := r.body["error"].(map[string]any)
	s, _ := e["type"].(string)
	return s
}

func TestExchangeJTIIsSingleUse(t *testing.T) {
	iss := oidctest.New(t)
	srv := anthropictest.New(t, anthropictest.Config{Issuer: iss})
	jwt := iss.Mint(oidctest.Claims{})
	if r := exchange(t, srv, defaultFields(jwt)); r.status != 200 {
		t.Fatalf("first exchange: %d %s", r.status, r.raw)
	}
	if r := exchange(t, srv, defaultFields(jwt)); r.status != 401 {
		t.Fatalf("replay: status %d, want 401", r.status)
	}
	if e := lastExchange(t, srv); e.Reason != "jti_reused" {
		t.Errorf("replay reason = %s", e.Reason)
	}
	// Without a jti the assertion itself is single-use.
	nojti := iss.Mint(oidctest.Claims{Extra: map[string]any{"jti": nil}})
	exchange(t, srv, defaultFields(nojti))
	if r := exchange(t, srv, defaultFields(nojti)); r.status != 401 || lastExchange(t, srv).Reason != "jti_reused" {
		t.Errorf("replay without jti: %d %s", r.status, lastExchange(t, srv).Reason)
	}
	// A failed exchange does not spend the assertion.
	fresh := iss.Mint(oidctest.Claims{})
	f := defaultFields(fresh)
	f["federation_rule_id"] = "fdrl_other"
	exchange(t, srv, f)
	if r := exchange(t, srv, defaultFields(fresh)); r.status != 200 {
		t.Errorf("assertion spent by a failed exchange: %d", r.status)
	}
	if srv.ExchangeCount() != 3 {
		t.Errorf("ExchangeCount = %d, want 3", srv.ExchangeCount())
	}
}

func TestExchangeWireChecks(t *testing.T) {
	iss := oidctest.New(t)
	srv := anthropictest.New(t, anthropictest.Config{Issuer: iss})
	body := exchangeBody(defaultFields(iss.Mint(oidctest.Claims{})))
	cases := []struct {
		name   string
		header map[string]string
		body   string
		reason string
	}{
		{"no federation beta", map[string]string{"Content-Type": "application/json", "anthropic-beta": "oauth-2025-04-20"}, body, "missing_beta"},
		{"form encoded", map[string]string{"Content-Type": "application/x-www-form-urlencoded", "anthropic-beta": fedBeta}, "grant_type=x", "bad_content_type"},
		{"not JSON", map[string]string{"Content-Type": "application/json", "anthropic-beta": fedBeta}, "{", "malformed_body"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := do(t, http.MethodPost, srv.URL+"/v1/oauth/token", c.header, c.body)
			if r.status != 400 || errType(r) != "invalid_request_error" || lastExchange(t, srv).Reason != c.reason {
				t.Errorf("status %d reason %s body %s", r.status, lastExchange(t, srv).Reason, r.raw)
			}
		})
	}
}

func TestTokenLifetime(t *testing.T) {
	iss := oidctest.New(t)
	now := time.Now().Truncate(time.Second) // JWT times are whole seconds
	clock := func() time.Time { return now }
	tests := []struct {
		name string
		cfg  anthropictest.Config
		ttl  time.Duration // JWT's remaining life
		want int
	}{
		{"formula: twice the JWT life", anthropictest.Config{}, 5 * time.Minute, 600},
		{"formula: floor of 60s", anthropictest.Config{}, 10 * time.Second, 60},
		{"formula: rule lifetime caps", anthropictest.Config{Rules: []anthropictest.Rule{{ID: anthropictest.DefaultRuleID, Issuer: iss.URL, Audience: "https://api.anthropic.com", Lifetime: 2 * time.Minute}}}, time.Hour, 120},
		{"TokenTTL honoured exactly", anthropictest.Config{TokenTTL: 2 * time.Second}, 5 * time.Minute, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Issuer, tt.cfg.Now = iss, clock
			srv := anthropictest.New(t, tt.cfg)
			r := exchange(t, srv, defaultFields(iss.Mint(oidctest.Claims{IssuedAt: now, TTL: tt.ttl})))
			if got, _ := r.body["expires_in"].(float64); int(got) != tt.want {
				t.Errorf("expires_in = %v, want %d (%s)", r.body["expires_in"], tt.want, r.raw)
			}
		})
	}
}

func TestStartNeedsSomethingToTrust(t *testing.T) {
	if _, err := anthropictest.Start(anthropictest.Config{}); err == nil {
		t.Error("Start with neither Issuer nor Rules succeeded")
	}
}
