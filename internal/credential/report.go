package credential

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/hermes-agent/hermes/internal/fsutil"
	"github.com/hermes-agent/hermes/internal/identity"
)

// Source states in a Report.
const (
	StateUsed     = "used"
	StateShadowed = "shadowed"
	StateNotSet   = "not set"
	StateUnusable = "unusable"
)

// Report is what `hermes auth status` shows: every credential source in
// precedence order, which wins and why, which are shadowed. It never holds
// a secret (static credentials appear masked).
type Report struct {
	Sources []SourceStatus `json:"sources"`
	// Using is the winner's index in Sources, -1 when nothing resolves.
	Using       int    `json:"using"`
	BaseURL     string `json:"base_url,omitempty"`
	BaseURLFrom string `json:"base_url_from,omitempty"`
	// Summary says in plain words which credential is used and why.
	Summary string `json:"summary"`
	// Err is why nothing resolves (exit 4), nil otherwise.
	Err error `json:"-"`
}

// SourceStatus is one source in a Report.
type SourceStatus struct {
	Name    string     `json:"name"`
	Origin  string     `json:"origin"`
	State   string     `json:"state"`
	Detail  string     `json:"detail,omitempty"` // the problem, or what shadows it
	Kind    Kind       `json:"kind,omitempty"`
	Mode    Mode       `json:"mode,omitempty"`
	Masked  string     `json:"masked,omitempty"`
	BaseURL string     `json:"base_url,omitempty"` // the credential's own
	WIF     *WIFStatus `json:"wif,omitempty"`
	// OAuth describes an OAuth login: where it lives, expiry, refreshability.
	OAuth *OAuthStatus `json:"oauth,omitempty"`
}

// WIFStatus describes a WIF source without exchanging.
type WIFStatus struct {
	FederationRuleID string             `json:"federation_rule_id"`
	OrganizationID   string             `json:"organization_id"`
	ServiceAccountID string             `json:"service_account_id,omitempty"`
	WorkspaceID      string             `json:"workspace_id,omitempty"`
	TokenSource      string             `json:"token_source"`
	Mints            bool               `json:"mints"`
	Claims           *identity.Claims   `json:"claims,omitempty"`
	Findings         []identity.Finding `json:"findings,omitempty"`
	// Note explains missing claims (a minting source is asked only at exchange time).
	Note string `json:"note,omitempty"`
	// Spent: the identity token there now was already exchanged.
	Spent bool `json:"spent,omitempty"`
	// Cached is the exchanged token held in memory or the shared cache.
	Cached *CachedStatus `json:"cached_token,omitempty"`
}

// CachedStatus is an exchanged token's lifetime, never its value.
type CachedStatus struct {
	ObtainedAt time.Time `json:"obtained_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	Expired    bool      `json:"expired"`
	RequestID  string    `json:"request_id,omitempty"`
}

// Report walks the same precedence as Resolve (the same walk, not a copy
// of it) and describes every source. It does not exchange. The returned
// error is for failures to build the report; "nothing resolves" is
// Report.Err.
func (r *Resolver) Report(ctx context.Context) (*Report, error) {
	cands, storeErr := r.walk()
	rep := &Report{Using: -1}
	win, werr := r.winner(cands, storeErr)
	if werr != nil {
		rep.Err = werr
	}
	for _, c := range cands {
		st := SourceStatus{Name: c.name, Origin: c.origin, Kind: c.kind, Mode: c.mode, BaseURL: c.baseURL}
		switch {
		case c == win:
			st.State = StateUsed
			rep.Using = len(rep.Sources)
		case c.usable() && win != nil:
			st.State, st.Detail = StateShadowed, "shadowed by "+win.label()+", which comes first"
		case c.usable():
			st.State = StateUnusable
		case c.problem == "not set" || strings.HasPrefix(c.problem, "not configured") || strings.HasPrefix(c.problem, "no API key") || strings.HasPrefix(c.problem, "none "):
			st.State, st.Detail = StateNotSet, c.problem
		default:
			st.State, st.Detail = StateUnusable, c.problem
		}
		if c.secret != "" {
			st.Masked = mask(c.secret)
		}
		if c.wif != nil {
			st.WIF = r.wifStatus(c)
		}
		if c.oauth != nil {
			st.OAuth = r.oauthStatus(c)
		}
		rep.Sources = append(rep.Sources, st)
	}
	if win != nil {
		base, from, err := r.baseURL(win.baseURL)
		if err != nil {
			rep.Err = err
		}
		rep.BaseURL, rep.BaseURLFrom = base, from
	}
	rep.Summary = r.summary(win, rep)
	return rep, nil
}

func (r *Resolver) wifStatus(c *candidate) *WIFStatus {
	cfg := *c.wif
	base, _, _ := r.baseURL(c.baseURL)
	cfg.BaseURL = base
	ws := &WIFStatus{
		FederationRuleID: cfg.FederationRuleID, OrganizationID: cfg.OrganizationID,
		ServiceAccountID: cfg.ServiceAccountID, WorkspaceID: cfg.WorkspaceID,
		TokenSource: cfg.Identity.Describe(),
	}
	now := r.now()
	var raw []byte
	switch cfg.Identity.Source {
	case identity.SourceFile:
		ws.Findings = identity.CheckFile(cfg.Identity.Path, now)
		raw, _ = fsutil.ReadFileLimited(cfg.Identity.Path, 4*identity.MaxTokenBytes)
	case identity.SourceEnv:
		raw = []byte(r.getenv(cfg.Identity.Env))
		ws.Findings = identity.Check(raw, cfg.Identity.Describe(), now)
	default:
		ws.Mints = true
		ws.Note = "a fresh identity token is requested at each exchange; its claims are not known before"
	}
	if len(raw) > 0 && len(raw) <= 4*identity.MaxTokenBytes {
		tok := strings.TrimSpace(string(raw))
		if cl, err := identity.Inspect(tok); err == nil {
			ws.Claims = cl
		}
		if disk := newDiskCache(r.Home); disk != nil {
			ws.Spent = disk.isSpent(identity.Fingerprint(tok), now)
		}
	}
	var ct *cachedToken
	if s := r.lookupWIF(cfg); s != nil {
		ct, _ = s.cached()
	} else if disk := newDiskCache(r.Home); disk != nil {
		if e := disk.load(cfg.Key()); e != nil {
			ct = newCachedToken(e.token(), e.ObtainedAt, e.RequestID)
		}
	}
	if ct != nil {
		ws.Cached = &CachedStatus{ObtainedAt: ct.obtained, ExpiresAt: ct.tok.Expiry, Expired: !now.Before(ct.tok.Expiry), RequestID: ct.requestID}
	}
	return ws
}

// summary tells a new user in plain words what will happen.
func (r *Resolver) summary(win *candidate, rep *Report) string {
	if win == nil {
		return "No credential will be used: none of the sources below is set. " + fixHint
	}
	var why string
	switch {
	case win.origin == OriginFlag:
		why = "you chose it with --credential"
	case win.origin == OriginWIF:
		why = "a Workload Identity Federation configuration stored with `hermes auth add` comes before every other source"
	case win.origin == OriginPool:
		why = "it is the first stored credential by priority, and no WIF is configured"
	case win.isEnvWIF():
		why = "nothing is stored with `hermes auth add`, and the SDK WIF variables are set"
	case win.origin == OriginEnv:
		why = "nothing is stored with `hermes auth add`, and " + win.name + " is set in the environment"
	case win.origin == OriginSDKProfile:
		why = "nothing is stored and no credential variable is set, so the active SDK profile is used"
	}
	how := "sent as x-api-key"
	switch {
	case win.wif != nil:
		how = "the identity token from " + win.wif.Identity.Describe() + " is exchanged for a short-lived access token, sent as Authorization: Bearer"
	case win.mode == ModeBearer:
		how = "sent as Authorization: Bearer"
	}
	s := fmt.Sprintf("hermes will use %s because %s; %s, to %s (%s).", win.name, why, how, rep.BaseURL, rep.BaseURLFrom)
	var shadowed []string
	for _, st := range rep.Sources {
		if st.State == StateShadowed {
			shadowed = append(shadowed, st.Name)
		}
	}
	if len(shadowed) > 0 {
		s += " Also set but not used: " + strings.Join(shadowed, ", ") + "."
	}
	return s
}

const fixHint = "Add one with `hermes auth add anthropic --type wif …` or `hermes auth add anthropic --type api-key`, or set ANTHROPIC_API_KEY or the SDK WIF variables."

// CheckResult is the outcome of a live check: one exchange if needed,
// then one authenticated API call.
type CheckResult struct {
	OK bool `json:"ok"`
	// ExchangeRequestID is the request-id of the exchange that minted the
	// token used (WIF only; may be from an earlier, cached exchange).
	ExchangeRequestID string    `json:"exchange_request_id,omitempty"`
	TokenExpiresAt    time.Time `json:"token_expires_at,omitzero"`
	APIStatus         int       `json:"api_status,omitempty"`
	APIRequestID      string    `json:"api_request_id,omitempty"`
	Error             string    `json:"error,omitempty"`
	err               error
}

// Err is the failure, for exit codes.
func (c *CheckResult) Err() error { return c.err }

// Check gets a token (exchanging if needed) and lists models with it.
func (rt *Runtime) Check(ctx context.Context) *CheckResult {
	res := &CheckResult{}
	fail := func(err error) *CheckResult {
		res.err, res.Error = err, err.Error()
		return res
	}
	tok, err := rt.Tokens.Token(ctx)
	if err != nil {
		return fail(err)
	}
	res.TokenExpiresAt = tok.Expiry
	if s, ok := rt.Tokens.(*wifSource); ok {
		res.ExchangeRequestID = s.LastRequestID()
	}
	var resp *http.Response
	client := rt.NewClient(option.WithMaxRetries(0))
	_, err = client.Models.List(ctx, anthropic.ModelListParams{}, option.WithResponseInto(&resp))
	if resp != nil {
		res.APIStatus = resp.StatusCode
		res.APIRequestID = resp.Header.Get("Request-Id")
	}
	if err != nil {
		var ae *anthropic.Error
		if errors.As(err, &ae) {
			msg := fmt.Sprintf("GET /v1/models: status %d", ae.StatusCode)
			if res.APIRequestID != "" {
				msg += " (request-id " + res.APIRequestID + ")"
			}
			e := errors.New(msg)
			if ae.StatusCode == http.StatusUnauthorized || ae.StatusCode == http.StatusForbidden {
				e = &authRefused{msg}
			}
			return fail(e)
		}
		return fail(err)
	}
	res.OK = true
	return res
}

type authRefused struct{ msg string }

func (e *authRefused) Error() string { return e.msg }
func (e *authRefused) ExitCode() int { return exitAuth }
