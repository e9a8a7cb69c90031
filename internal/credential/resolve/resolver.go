package resolve

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2/config"

	"github.com/hermes-agent/hermes/internal/authstore"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/credential/wif"
	"github.com/hermes-agent/hermes/internal/exitcode"
	"github.com/hermes-agent/hermes/internal/fsutil"
	"github.com/hermes-agent/hermes/internal/identity"
	"github.com/hermes-agent/hermes/internal/oauth"
	"github.com/hermes-agent/hermes/internal/secret"
)

// DefaultBaseURL is used when neither a flag, the environment nor the
// credential names one.
const DefaultBaseURL = "https://api.anthropic.com"

// Resolver is the one place that decides which credential hermes uses.
// Every path (chat, gateway, exec, cron, sub-agents) calls Resolve.
type Resolver struct {
	Home       string              // HERMES_HOME
	Getenv     func(string) string // environment lookup
	Stderr     io.Writer           // where shadowed sources are named
	BaseURL    string              // --base-url
	Credential string              // --credential TARGET
	Now        func() time.Time
	UserAgent  string
	Logger     *slog.Logger
	Verbose    bool // --verbose: repeat notices already given under HERMES_HOME

	// HTTPClient, when set, carries identity-token requests (github-actions,
	// gcp-metadata, azure-imds) and, through its Transport, the exchange.
	// nil: the defaults (the exchange never follows redirects either way).
	HTTPClient *http.Client

	// Pending is a WIF configuration not stored yet (`auth add --check`):
	// when set, it is the only candidate, resolved as --credential
	// anthropic-wif would be, so it is checked before anything is stored.
	Pending *authstore.WIF

	// Sources is what this process shares between resolutions (token
	// sources, notices given); the Factory creates one per process. nil:
	// nothing is shared.
	Sources *credential.Sources
}

// Sources is the process's shared token sources (see credential.Sources).
type Sources = credential.Sources

// NewSources returns an empty set of shared sources.
func NewSources() *Sources { return credential.NewSources() }

// Origins of a candidate, in precedence order.
const (
	OriginFlag       = "--credential"
	OriginWIF        = "configured WIF"
	OriginPool       = "credential pool"
	OriginEnv        = "environment" // variables: the SDK WIF set or one credential variable
	OriginSDKProfile = "SDK profile"
)

// candidate is one place a credential may come from, found during the
// walk of the precedence order. Unusable ones carry the reason (not set,
// incomplete, expired): they are listed by status and in the "nothing
// found" error, and skipped by Resolve.
type candidate struct {
	name    string // what the user calls it: anthropic-wif, ANTHROPIC_API_KEY, pool entry 2 (…)
	origin  string
	kind    credential.Kind
	mode    credential.Mode
	baseURL string // the credential's own base URL, if any
	secret  string // static credentials
	wif     *wif.Config
	oauth   *oauth.Found // OAuth logins: a refreshing oauth.Source
	problem string       // non-empty: not usable
	missing bool         // with problem: nothing there at all (not set, not configured)
	ambient bool         // from the environment or an SDK profile: named when shadowed
	poolID  string       // pool entries: the entry's id
}

func (c *candidate) usable() bool { return c.problem == "" }

// envWIFName is the name of the SDK WIF variables, a set of environment
// variables rather than one.
const envWIFName = "SDK WIF variables (ANTHROPIC_FEDERATION_RULE_ID, …)"

func (c *candidate) isEnvWIF() bool { return c.origin == OriginEnv && c.name == envWIFName }

// label names the candidate with where it comes from, for sentences such
// as "using X" and "shadowed by X". The SDK WIF variables' name already
// has parentheses; a second pair would read badly.
func (c *candidate) label() string {
	if c.isEnvWIF() {
		return c.name + " from the environment"
	}
	return c.name + " (" + c.origin + ")"
}

// nameAfterOrigin is sep+name, or "" when origin already says it ("pool"
// in "credential pool", "SDK profile" in "SDK profile"): lists that show a
// source's origin and name never say the same word twice.
func nameAfterOrigin(name, origin, sep string) string {
	if name == "" || strings.Contains(strings.ToLower(origin), strings.ToLower(name)) {
		return ""
	}
	return sep + name
}

// description is Runtime.Source: which credential won, in plain words.
func (c *candidate) description() string {
	if c.isEnvWIF() && c.wif != nil {
		return "SDK WIF environment variables, identity token from " + c.wif.Identity.Describe()
	}
	if c.origin == OriginPool && strings.HasPrefix(c.name, "pool entry ") {
		// "pool entry 1 (cred_…)" says where it is: "(credential pool)"
		// after it would say pool twice.
		return c.name
	}
	s := c.name + " (" + c.origin
	if c.wif != nil {
		s += ", " + c.wif.Identity.Describe()
	}
	return s + ")"
}

// id is Runtime.ID: the candidate's stable machine-readable name.
func (c *candidate) id() string {
	switch {
	case c.name == authstore.WIFTarget:
		return authstore.WIFTarget
	case c.isEnvWIF():
		return "env-wif"
	case c.poolID != "":
		return "pool:" + c.poolID
	case strings.HasPrefix(c.name, "env:"), strings.HasPrefix(c.name, "profile:"):
		return c.name
	case c.origin == OriginEnv:
		return "env:" + c.name
	case c.origin == OriginSDKProfile:
		return "profile:" + strings.TrimPrefix(c.name, "profile ")
	}
	return c.name
}

// walk lists every candidate in precedence order; the --credential one,
// when given, comes first. This is the only implementation of the
// precedence: Resolve takes the first usable candidate, Report shows them all.
func (r *Resolver) walk() (cands []*candidate, storeErr error) {
	if w := r.Pending; w != nil {
		c := wifCandidate(w, authstore.WIFTarget, OriginFlag)
		c.problem = w.IdentityToken.NotUsableHere(r.getenv)
		return []*candidate{c}, nil
	}
	file, storeErr := &authstore.File{}, error(nil)
	if r.Home != "" { // never read a relative auth.json
		file, storeErr = authstore.Open(r.Home).Load()
	}
	if r.Credential != "" {
		cands = append(cands, r.target(r.Credential, file, storeErr))
	}
	cands = append(cands, r.stored(file, storeErr)...)
	cands = append(cands, r.envWIF(), r.envStatic("ANTHROPIC_AUTH_TOKEN", credential.ModeBearer, credential.KindAuthToken),
		r.envStatic("ANTHROPIC_API_KEY", credential.ModeAPIKey, credential.KindAPIKey), r.profile(""))
	// Every credential value read is in play: outside text that echoes
	// one (a shadowed key too) is redacted by value, whatever its shape.
	for _, c := range cands {
		secret.Remember(c.secret)
	}
	return cands, storeErr
}

// stored: the configured WIF, then the pool by priority.
func (r *Resolver) stored(file *authstore.File, storeErr error) []*candidate {
	path := filepath.Join(r.Home, authstore.FileName)
	if storeErr != nil {
		return []*candidate{{name: "auth.json", origin: OriginWIF, problem: storeErr.Error()}}
	}
	var out []*candidate
	if w := file.WIF(); w != nil {
		c := wifCandidate(w, authstore.WIFTarget, OriginWIF)
		c.problem = w.IdentityToken.NotUsableHere(r.getenv)
		out = append(out, c)
	} else {
		out = append(out, &candidate{name: authstore.WIFTarget, origin: OriginWIF, problem: "not configured in " + path, missing: true})
	}
	pool := file.Targets()
	n := 0
	for _, t := range pool {
		if t.Entry != nil {
			out = append(out, poolCandidate(t, r.now()))
			n++
		}
	}
	if n == 0 {
		out = append(out, &candidate{name: "pool", origin: OriginPool, problem: "no API key or OAuth entries in " + path, missing: true})
	}
	return out
}

func wifCandidate(w *authstore.WIF, name, origin string) *candidate {
	return &candidate{
		name: name, origin: origin, kind: credential.KindWIF, mode: credential.ModeBearer, baseURL: w.BaseURL,
		wif: &wif.Config{
			FederationRuleID: w.FederationRuleID,
			OrganizationID:   w.OrganizationID,
			ServiceAccountID: w.ServiceAccountID,
			WorkspaceID:      w.WorkspaceID,
			Identity:         w.IdentityToken,
		},
	}
}

func poolCandidate(t authstore.Target, now time.Time) *candidate {
	e := t.Entry
	c := &candidate{name: "pool entry " + t.Describe(), origin: OriginPool, baseURL: e.BaseURL, secret: e.Secret(), poolID: e.ID}
	switch e.AuthType {
	case authstore.AuthTypeOAuth:
		c.kind, c.mode = credential.KindOAuth, credential.ModeBearer
		c.oauth = &oauth.Found{Entry: e}
		switch {
		case e.NeedsLogin != "":
			c.problem = "needs a new login (" + e.NeedsLogin + "); run: " + reloginCommand(e)
		case e.InPlace():
			c.secret = "" // the pair lives in e.File, read at each use
			return c
		case e.ExpiresAtMs > 0 && !now.Before(time.UnixMilli(e.ExpiresAtMs)) && e.RefreshToken == "":
			c.problem = "OAuth token expired at " + time.UnixMilli(e.ExpiresAtMs).UTC().Format(time.RFC3339) + " and cannot be refreshed; log in again with `hermes auth add anthropic --type oauth`"
		}
	default:
		c.kind, c.mode = credential.KindAPIKey, credential.ModeAPIKey
	}
	if c.secret == "" && c.problem == "" {
		c.problem = "the entry holds no secret"
	}
	return c
}

// envWIF: the SDK's WIF variables, all or nothing.
func (r *Resolver) envWIF() *candidate {
	c := &candidate{name: envWIFName, origin: OriginEnv, kind: credential.KindWIF, mode: credential.ModeBearer, ambient: true}
	rule, org := r.getenv("ANTHROPIC_FEDERATION_RULE_ID"), r.getenv("ANTHROPIC_ORGANIZATION_ID")
	file, tok := r.getenv("ANTHROPIC_IDENTITY_TOKEN_FILE"), r.getenv("ANTHROPIC_IDENTITY_TOKEN")
	if rule == "" && org == "" && file == "" && tok == "" {
		c.problem, c.missing = "not set", true
		return c
	}
	var missing []string
	if rule == "" {
		missing = append(missing, "ANTHROPIC_FEDERATION_RULE_ID")
	}
	if org == "" {
		missing = append(missing, "ANTHROPIC_ORGANIZATION_ID")
	}
	if file == "" && tok == "" {
		missing = append(missing, "ANTHROPIC_IDENTITY_TOKEN_FILE (or ANTHROPIC_IDENTITY_TOKEN)")
	}
	if len(missing) > 0 {
		c.problem = "incomplete: " + strings.Join(missing, ", ") + " not set"
		return c
	}
	id := identity.Config{Source: identity.SourceFile, Path: file}
	if file == "" {
		id = identity.Config{Source: identity.SourceEnv, Env: "ANTHROPIC_IDENTITY_TOKEN"}
	}
	c.wif = &wif.Config{
		FederationRuleID: rule,
		OrganizationID:   org,
		ServiceAccountID: r.getenv("ANTHROPIC_SERVICE_ACCOUNT_ID"),
		WorkspaceID:      r.getenv("ANTHROPIC_WORKSPACE_ID"),
		Identity:         id,
	}
	return c
}

func (r *Resolver) envStatic(name string, mode credential.Mode, kind credential.Kind) *candidate {
	c := &candidate{name: name, origin: OriginEnv, kind: kind, mode: mode, ambient: true, secret: r.getenv(name)}
	if c.secret == "" {
		c.problem, c.missing = "not set", true
	}
	return c
}

// profile loads an SDK profile: name, else ANTHROPIC_PROFILE, else
// active_config in ANTHROPIC_CONFIG_DIR (else "default" if it exists).
func (r *Resolver) profile(name string) *candidate {
	dir := r.configDir()
	c := &candidate{origin: OriginSDKProfile, kind: credential.KindWIF, mode: credential.ModeBearer, ambient: name == ""}
	if name == "" {
		name = r.getenv("ANTHROPIC_PROFILE")
	}
	if name == "" {
		data, err := fsutil.ReadPrivateFileUnder(dir, config.ActiveConfigPath(dir), 4096)
		if errors.Is(err, fsutil.ErrNotPrivate) {
			// Whoever can write it chooses the profile: refuse, naming the fix.
			c.name, c.problem = "SDK profile", err.Error()
			return c
		}
		if err == nil {
			name = strings.TrimSpace(string(data))
		}
	}
	if name == "" {
		if _, err := os.Stat(config.ProfilePath(dir, "default")); err == nil {
			name = "default"
		}
	}
	c.name = "profile " + name
	if name == "" {
		c.name = "SDK profile"
		c.problem, c.missing = "none (ANTHROPIC_PROFILE unset and no active_config in "+dir+")", true
		return c
	}
	cfg, err := r.loadProfile(dir, name)
	if err != nil {
		c.problem = err.Error()
		return c
	}
	c.baseURL = cfg.BaseURL
	fed := cfg.AuthenticationInfo.OIDCFederation
	switch {
	case cfg.AuthenticationInfo.Type == config.AuthenticationTypeUserOAuth && cfg.AuthenticationInfo.UserOAuth != nil:
		c.kind = credential.KindOAuth
		c.oauth = &oauth.Found{ProfileDir: dir, ProfileName: name, Profile: cfg}
	case cfg.AuthenticationInfo.Type != config.AuthenticationTypeOIDCFederation || fed == nil:
		c.problem = fmt.Sprintf("authentication type %q is not supported by hermes (only oidc_federation profiles with a file identity token)", cfg.AuthenticationInfo.Type)
	case fed.IdentityToken == nil || fed.IdentityToken.Source != config.IdentityTokenSourceFile || fed.IdentityToken.Path == "":
		c.problem = "oidc_federation profile without a file identity token (identity_token {\"source\":\"file\",\"path\":…})"
	default:
		c.wif = &wif.Config{
			FederationRuleID: fed.FederationRuleID,
			OrganizationID:   cfg.OrganizationID,
			ServiceAccountID: fed.ServiceAccountID,
			WorkspaceID:      cfg.WorkspaceID,
			Identity:         identity.Config{Source: identity.SourceFile, Path: fed.IdentityToken.Path},
		}
	}
	return c
}

func (r *Resolver) configDir() string {
	if d := r.getenv("ANTHROPIC_CONFIG_DIR"); d != "" {
		return d
	}
	if x := r.getenv("XDG_CONFIG_HOME"); x != "" {
		return filepath.Join(x, "anthropic")
	}
	home := r.getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return filepath.Join(home, ".config", "anthropic")
}

// target resolves --credential TARGET.
func (r *Resolver) target(t string, file *authstore.File, storeErr error) *candidate {
	fail := func(reason string) *candidate {
		return &candidate{name: t, origin: OriginFlag, problem: reason}
	}
	switch {
	case strings.HasPrefix(t, "env:"):
		name := strings.TrimPrefix(t, "env:")
		v := r.getenv(name)
		if name == "" || v == "" {
			return fail("environment variable " + name + " is not set")
		}
		c := &candidate{name: t, origin: OriginFlag, kind: credential.KindAPIKey, mode: credential.ModeAPIKey, secret: v}
		if name == "ANTHROPIC_AUTH_TOKEN" || strings.HasPrefix(v, "sk-ant-oat") {
			c.kind, c.mode = credential.KindAuthToken, credential.ModeBearer
		}
		return c
	case strings.HasPrefix(t, "profile:"):
		c := r.profile(strings.TrimPrefix(t, "profile:"))
		c.name, c.origin = t, OriginFlag
		return c
	}
	if storeErr != nil {
		return fail(storeErr.Error())
	}
	found, err := file.Find(t)
	if err != nil {
		return fail(err.Error())
	}
	if found.IsWIF() {
		c := wifCandidate(found.WIF, authstore.WIFTarget, OriginFlag)
		return c
	}
	c := poolCandidate(found, r.now())
	c.origin = OriginFlag
	return c
}

// Resolve returns the runtime for the winning credential source.
func (r *Resolver) Resolve(ctx context.Context) (*credential.Runtime, error) {
	cands, storeErr := r.walk()
	var (
		win *candidate
		rt  *credential.Runtime
		err error
	)
	for {
		win, err = r.winner(cands, storeErr)
		if err != nil {
			return nil, err
		}
		rt, err = r.runtime(win)
		if err != nil {
			return nil, err
		}
		if win.oauth == nil {
			break
		}
		if err = r.checkOAuth(ctx, win, rt); err == nil {
			break
		} else if err != errSkip {
			return nil, err
		}
	}
	r.warnShadowed(win, cands)
	r.warnLoosePermissions()
	return rt, nil
}

// warnLoosePermissions says, once per process, when auth.json can be read
// by others (a file copied in or restored from a backup). hermes does not
// silently chmod what it did not write. (A looser HERMES_HOME alone leaks
// nothing: every file hermes writes there is 0600.)
func (r *Resolver) warnLoosePermissions() {
	if r.Stderr == nil || r.Home == "" {
		return
	}
	if w := authstore.Open(r.Home).ReadableWarning(); w != "" {
		r.warnOnce(w + "\n")
	}
}

// winner is the first usable candidate. --credential never falls through;
// an unreadable auth.json is an error, not a silent fallback to whatever
// the environment holds.
func (r *Resolver) winner(cands []*candidate, storeErr error) (*candidate, error) {
	if r.Credential != "" || r.Pending != nil {
		if c := cands[0]; !c.usable() {
			return nil, &TargetError{Target: cmp.Or(r.Credential, authstore.WIFTarget), Reason: c.problem}
		}
		return cands[0], nil
	}
	if storeErr != nil {
		return nil, storeErr
	}
	var checked []string
	for _, c := range cands {
		if c.usable() {
			return c, nil
		}
		checked = append(checked, c.origin+nameAfterOrigin(c.name, c.origin, ": ")+": "+c.problem)
	}
	return nil, &NoCredentialError{Checked: checked}
}

// baseURL applies --base-url, then ANTHROPIC_BASE_URL, then the
// credential's own, then the default; from says which.
func (r *Resolver) baseURL(own string) (u, from string, err error) {
	switch {
	case r.BaseURL != "":
		u, from = r.BaseURL, "--base-url"
	case r.getenv("ANTHROPIC_BASE_URL") != "":
		u, from = r.getenv("ANTHROPIC_BASE_URL"), "ANTHROPIC_BASE_URL"
	case own != "":
		u, from = own, "the credential's own base_url"
	default:
		u, from = DefaultBaseURL, "default"
	}
	u = strings.TrimRight(u, "/")
	shown := secret.URL(u) // never userinfo in a message
	p, perr := url.Parse(u)
	if perr != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
		return "", from, &BaseURLError{From: from, Err: fmt.Errorf("invalid base URL %q (from %s): want https://host[:port][/path]", shown, from)}
	}
	// The same rule as the token endpoint's: a key or token never travels
	// in clear text, except to loopback (tests, a local gateway).
	if config.RequireSecureTokenEndpoint(u) != nil {
		return "", from, &BaseURLError{From: from, Err: fmt.Errorf("base URL %q (from %s) uses http: credentials are only sent over https (http is allowed on loopback only)", shown, from)}
	}
	return u, from, nil
}

func (r *Resolver) runtime(c *candidate) (*credential.Runtime, error) {
	base, _, err := r.baseURL(c.baseURL)
	if err != nil {
		return nil, err
	}
	if c.oauth != nil {
		src, err := r.oauthSource(c, base)
		if err != nil {
			return nil, &configError{what: c.description(), err: err}
		}
		return &credential.Runtime{BaseURL: base, Mode: credential.ModeBearer, Kind: credential.KindOAuth, Source: c.description(), ID: c.id(), Tokens: src}, nil
	}
	if c.wif == nil {
		rt := credential.NewStaticRuntime(base, c.mode, c.kind, c.description(), c.secret)
		rt.ID = c.id()
		return rt, nil
	}
	cfg := *c.wif
	cfg.BaseURL = base
	if err := authstore.ValidateWIFIDs(cfg.FederationRuleID, cfg.OrganizationID, cfg.ServiceAccountID, cfg.WorkspaceID); err != nil {
		return nil, &configError{what: c.description(), err: err}
	}
	src, err := r.sharedWIF(cfg)
	if err != nil {
		return nil, &configError{what: c.description(), err: err}
	}
	return &credential.Runtime{BaseURL: base, Mode: credential.ModeBearer, Kind: credential.KindWIF, Source: c.description(), ID: c.id(), Tokens: src}, nil
}

// configError: the WIF configuration cannot be used as it stands (exit 4:
// authentication is missing).
type configError struct {
	what string
	err  error
}

func (e *configError) Error() string { return e.what + ": " + e.err.Error() }
func (e *configError) Unwrap() error { return e.err }
func (e *configError) ExitCode() int { return exitcode.Auth }

// sharedWIF is the one token source of cfg in this process (see Sources).
func (r *Resolver) sharedWIF(cfg wif.Config) (credential.TokenSource, error) {
	return r.Sources.Shared(r.wifKey(cfg), func() (credential.TokenSource, error) {
		return wif.New(cfg, wif.Options{Home: r.Home, Getenv: r.Getenv, Now: r.Now, UserAgent: r.UserAgent, Logger: r.logger(), HTTPClient: r.HTTPClient})
	})
}

// wifKey: one source per HERMES_HOME (its disk cache) and configuration.
func (r *Resolver) wifKey(cfg wif.Config) string { return "wif\x00" + r.Home + "\x00" + cfg.Key() }

// warnShadowed names, once per process and HERMES_HOME, the ambient sources (environment,
// SDK profile) that the winner hides: a stray ANTHROPIC_API_KEY must not
// silently lose, nor silently win. Never a value.
func (r *Resolver) warnShadowed(win *candidate, cands []*candidate) {
	if r.Stderr == nil || win.origin == OriginFlag { // an explicit choice needs no warning
		return
	}
	var names []string
	var shadowed []*candidate
	for _, c := range cands {
		if c != win && c.usable() && c.ambient && c.name != win.name {
			names = append(names, shadowName(c))
			shadowed = append(shadowed, c)
		}
	}
	if len(names) == 0 {
		return
	}
	line := fmt.Sprintf("hermes: using %s; ignoring %s\n", win.label(), strings.Join(names, ", "))
	if !r.Sources.FirstNotice(line) {
		return
	}
	// Once per HERMES_HOME and values, not on every run (`auth token` runs
	// per request); --verbose always says it.
	if !r.Verbose && r.noticeSeen(shadowFingerprint(line, shadowed)) {
		return
	}
	io.WriteString(r.Stderr, line)
}

// warnOnce writes line to Stderr once per Sources (per process).
func (r *Resolver) warnOnce(line string) {
	if r.Sources.FirstNotice(line) {
		io.WriteString(r.Stderr, line)
	}
}

func shadowName(c *candidate) string {
	switch {
	case c.isEnvWIF():
		return "the " + c.label()
	case c.origin == OriginEnv:
		return c.name + " from the environment"
	}
	return "SDK " + c.name
}

func (r *Resolver) getenv(k string) string {
	if r.Getenv == nil {
		return os.Getenv(k)
	}
	return r.Getenv(k)
}

func (r *Resolver) now() time.Time {
	if r.Now == nil {
		return time.Now()
	}
	return r.Now()
}

func (r *Resolver) logger() *slog.Logger {
	if r.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Logger
}

// Mask shows a secret the only way hermes shows one.
func mask(v string) string { return secret.Mask(v) }
