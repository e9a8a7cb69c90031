package resolve

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/credential/wif"
	"github.com/hermes-agent/hermes/internal/fsutil"
	"github.com/hermes-agent/hermes/internal/identity"
	"github.com/hermes-agent/hermes/internal/oauth"
	"github.com/hermes-agent/hermes/internal/secret"
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
	Name    string          `json:"name"`
	Origin  string          `json:"origin"`
	State   string          `json:"state"`
	Detail  string          `json:"detail,omitempty"` // the problem, or what shadows it
	Kind    credential.Kind `json:"kind,omitempty"`
	Mode    credential.Mode `json:"mode,omitempty"`
	Masked  string          `json:"masked,omitempty"`
	BaseURL string          `json:"base_url,omitempty"` // the credential's own
	WIF     *WIFStatus      `json:"wif,omitempty"`
	// OAuth describes an OAuth login: where it lives, expiry, refreshability.
	OAuth *oauth.Status `json:"oauth,omitempty"`
}

// Heading names the source for a list: "NAME [ORIGIN]", or the origin
// alone when it already says the name ("credential pool", "SDK profile").
func (s SourceStatus) Heading() string {
	if nameAfterOrigin(s.Name, s.Origin, " ") == "" {
		return s.Origin
	}
	return s.Name + " [" + s.Origin + "]"
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
		st := SourceStatus{Name: c.name, Origin: c.origin, Kind: c.kind, Mode: c.mode, BaseURL: secret.URL(c.baseURL)}
		switch {
		case c == win:
			st.State = StateUsed
			rep.Using = len(rep.Sources)
		case c.usable() && win != nil:
			st.State, st.Detail = StateShadowed, "shadowed by "+win.label()+", which comes first"
		case c.usable() && storeErr != nil:
			st.State, st.Detail = StateUnusable, "set, but not used: hermes stops at the unusable auth.json above rather than skip it"
		case c.usable():
			st.State = StateUnusable
		case c.missing:
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
		if c == win {
			// The winner whose next exchange is refused before it is sent
			// (a missing token file, say) is not used: `auth token` fails
			// with the same words, and hermes does not fall back past it.
			err := refusedIdentity(c, st.WIF)
			if err == nil && c.wif != nil {
				err = r.wifBlocked(ctx, c)
			}
			if err != nil {
				st.State, st.Detail = StateUnusable, err.Error()
				rep.Using = -1
				rep.Err = err
			}
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
		rep.BaseURL, rep.BaseURLFrom = secret.URL(base), from
	}
	rep.Summary = r.summary(win, rep)
	return rep, nil
}

// refusedIdentity is the error the next use of a WIF source will meet
// before any exchange: its identity token (a file or a variable) has
// error-level findings and no exchanged token is held that is still
// valid. nil for every other source.
func refusedIdentity(c *candidate, ws *WIFStatus) error {
	if ws == nil || ws.Mints || (ws.Cached != nil && !ws.Cached.Expired) {
		return nil
	}
	errs := identity.Errors(ws.Findings)
	if len(errs) == 0 {
		return nil
	}
	return &identity.TokenError{Source: c.wif.Identity.Describe(), Findings: errs}
}

// wifBlocked is what the next use of c's WIF source meets before any
// exchange, decided by the source itself (wif.Source.Blocked: the same
// decision `auth token` runs), so status and auth token cannot disagree:
// an assertion already exchanged, with no valid token held, is refused by
// both. It never exchanges.
func (r *Resolver) wifBlocked(ctx context.Context, c *candidate) error {
	type blocker interface{ Blocked(context.Context) error }
	if s, ok := r.statusWIF(c).(blocker); ok {
		return s.Blocked(ctx)
	}
	return nil
}

// statusWIF is c's WIF token source in this process (built if needed,
// which exchanges nothing), nil when its configuration cannot build one.
func (r *Resolver) statusWIF(c *candidate) credential.TokenSource {
	cfg := *c.wif
	cfg.BaseURL, _, _ = r.baseURL(c.baseURL)
	ts, err := r.sharedWIF(cfg)
	if err != nil {
		return nil
	}
	return ts
}

// cachedTokener is implemented by token sources that can describe the
// token they hold (wif.Source).
type cachedTokener interface {
	Cached() (wif.Cached, bool)
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
		ws.Spent = wif.Spent(r.Home, tok, now)
	}
	var ct wif.Cached
	var ok bool
	if s, held := r.statusWIF(c).(cachedTokener); held {
		ct, ok = s.Cached()
	}
	if ok {
		ws.Cached = &CachedStatus{ObtainedAt: ct.ObtainedAt, ExpiresAt: ct.Token.Expiry, Expired: !now.Before(ct.Token.Expiry), RequestID: ct.RequestID}
	}
	return ws
}

// summary tells a new user in plain words what will happen.
func (r *Resolver) summary(win *candidate, rep *Report) string {
	var none *NoCredentialError
	var target *TargetError
	if win == nil && rep.Err != nil && !errors.As(rep.Err, &none) && !errors.As(rep.Err, &target) {
		// A source that is there but broken (a corrupt or unreadable
		// auth.json): say that, with its path and fix, not "none is set".
		return "No credential will be used: " + rep.Err.Error()
	}
	if win == nil {
		// A source that is set but cannot be used here (github-actions
		// outside a job, an expired login) is not "not set": name it.
		var unusable []string
		for _, st := range rep.Sources {
			if st.State == StateUnusable {
				u := st.Name
				if st.Detail != "" {
					u += " (" + strings.TrimSuffix(strings.TrimPrefix(st.Detail, "not usable here: "), ".") + ")"
				}
				unusable = append(unusable, u)
			}
		}
		if len(unusable) > 0 {
			return "No credential will be used: set but not usable here: " + strings.Join(unusable, "; ") + ". " + fixHint
		}
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
	case win.mode == credential.ModeBearer:
		how = "sent as Authorization: Bearer"
	}
	if rep.Using < 0 && rep.Err != nil {
		var refused *identity.TokenError
		what := rep.Err.Error()
		if errors.As(rep.Err, &refused) {
			what = "the " + refused.Error()
		}
		return fmt.Sprintf("hermes would use %s because %s, but %s. hermes does not fall back to the sources after it: fix it, or choose another source with --credential.", win.name, why, strings.TrimSuffix(what, "."))
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
