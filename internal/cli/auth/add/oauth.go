package add

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/anthropics/anthropic-sdk-go/v2/config"

	"github.com/hermes-agent/hermes/internal/authstore"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/oauth"
	"github.com/hermes-agent/hermes/internal/prompt"
)

// OAuthFlags are the `--type oauth` flags. The endpoint flags override the
// HERMES_OAUTH_* variables of the same names.
type OAuthFlags struct {
	NoBrowser      bool
	FromClaudeCode bool
	AuthorizeURL   string
	TokenURL       string
	ClientID       string
	RedirectURI    string
	Scopes         string
}

func (o *Options) oauthConfig() oauth.Config {
	c := oauth.FromEnv(o.Getenv)
	for _, f := range []struct{ flag, dst *string }{
		{&o.OAuth.AuthorizeURL, &c.AuthorizeURL}, {&o.OAuth.TokenURL, &c.TokenURL}, {&o.OAuth.ClientID, &c.ClientID},
		{&o.OAuth.RedirectURI, &c.RedirectURI}, {&o.OAuth.Scopes, &c.Scopes},
	} {
		if v := strings.TrimSpace(*f.flag); v != "" {
			*f.dst = v
		}
	}
	return c
}

// addOAuth logs in (browser or paste) and stores the login: in the pool,
// or, with --save-profile, in the SDK profile that hermes then uses in place.
func addOAuth(ctx context.Context, opts *Options) error {
	if opts.OAuth.FromClaudeCode {
		return addClaudeCode(ctx, opts)
	}
	cfg := opts.oauthConfig()
	for _, u := range []struct{ name, v string }{{"authorize URL", cfg.AuthorizeURL}, {"token URL", cfg.TokenURL}} {
		if config.RequireSecureTokenEndpoint(u.v) != nil || !strings.Contains(u.v, "://") {
			return cmdutil.FlagErrorf("OAuth %s %q: must be https (http only on loopback)", u.name, u.v)
		}
	}
	var profileBase string
	if opts.SaveProfile != "" {
		b, err := profileBaseURL(opts, cfg)
		if err != nil {
			return err
		}
		profileBase = b
	}
	store, err := openStore(opts)
	if err != nil {
		return err
	}
	l := &oauth.Login{
		Config: cfg,
		Client: &oauth.Client{UserAgent: "hermes/" + cmdutil.BuildVersion(), Now: opts.Now},
		Stderr: opts.IO.ErrOut,
		Paste:  func(ctx context.Context) (string, error) { return readPaste(ctx, opts) },
	}
	if !opts.OAuth.NoBrowser {
		l.Open = opts.OpenBrowser
		if l.Open == nil {
			var extra []string
			if opts.SecretEnv != nil {
				extra = opts.SecretEnv()
			}
			l.Open = oauth.BrowserOpener(opts.Getenv, extra...)
		}
	}
	tok, err := l.Run(ctx)
	if err != nil {
		return err
	}
	if opts.SaveProfile != "" {
		return saveOAuthProfile(ctx, opts, store, cfg, profileBase, tok)
	}
	label := opts.Label
	if label == "" {
		label = tok.AccountEmail
	}
	e := authstore.Entry{
		Label: label, AuthType: authstore.AuthTypeOAuth, Source: "oauth",
		AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken,
		BaseURL: opts.BaseURL, AddedAt: opts.Now().UTC(),
		ClientID: cfg.ClientID, TokenURL: cfg.TokenURL, Scopes: firstNonEmpty(tok.Scope, cfg.Scopes), Account: tok.AccountEmail,
	}
	if !tok.Expiry.IsZero() {
		e.ExpiresAtMs = tok.Expiry.UnixMilli()
	}
	if !tok.Obtained.IsZero() {
		e.ObtainedAtMs = tok.Obtained.UnixMilli()
	}
	var replaced bool
	err = store.Update(ctx, func(f *authstore.File) error {
		// A new login of the same account replaces the old one (which may
		// need a new login): its refresh token is spent or about to be.
		pool := f.CredentialPool[authstore.ProviderAnthropic]
		for i := range pool {
			p := &pool[i]
			if p.AuthType == authstore.AuthTypeOAuth && !p.InPlace() && e.Account != "" && p.Account == e.Account && p.TokenURL == e.TokenURL {
				e.ID, e.Priority = p.ID, p.Priority
				if opts.Label == "" {
					e.Label = p.Label
				}
				e.Extra = p.Extra
				*p, replaced = e, true
				return nil
			}
		}
		var aerr error
		e, aerr = f.AddEntry(e)
		return aerr
	})
	if err != nil {
		return err
	}
	verb := "Added"
	if replaced {
		verb = "Replaced"
	}
	who := e.Account
	if who == "" {
		who = "your account"
	}
	fmt.Fprintf(opts.IO.Out, "%s the OAuth login of %s (%s) in %s\n", verb, who, e.ID, store.Path())
	return nil
}

// readPaste reads CODE#STATE: a prompt on a terminal, else one stdin line.
func readPaste(ctx context.Context, opts *Options) (string, error) {
	if opts.IO.IsStdinTTY() {
		return opts.Prompter.Input(ctx, "Paste the code (CODE#STATE): ")
	}
	s, err := prompt.ReadLineContext(ctx, opts.IO.In)
	if errors.Is(err, prompt.ErrNoInput) {
		return "", &cmdutil.FlagError{Err: errors.New("no code given: paste the CODE#STATE the login page shows, on stdin or at the prompt")}
	}
	return s, err
}

// profileBaseURL is the base_url of a user_oauth profile: the SDK refreshes
// such a profile at base_url + /v1/oauth/token, so the login's token URL
// must be exactly that; a profile cannot say anything else.
func profileBaseURL(opts *Options, cfg oauth.Config) (string, error) {
	if err := checkProfileName(opts.SaveProfile); err != nil {
		return "", err
	}
	base := strings.TrimRight(opts.BaseURL, "/")
	if base == "" {
		base = strings.TrimRight(opts.Getenv("ANTHROPIC_BASE_URL"), "/")
	}
	want := strings.TrimSuffix(cfg.TokenURL, "/v1/oauth/token")
	switch {
	case want == cfg.TokenURL:
		return "", cmdutil.FlagErrorf("--save-profile: an SDK profile refreshes at BASE_URL/v1/oauth/token, and the token URL %s is not of that form", cfg.TokenURL)
	case base == "" && cfg.TokenURL == oauth.DefaultTokenURL:
		return "", nil // the SDK's default base URL serves the token endpoint too
	case base != want:
		return "", cmdutil.FlagErrorf("--save-profile: an SDK profile refreshes at its base URL + /v1/oauth/token; the token URL %s needs --base-url %s", cfg.TokenURL, want)
	}
	return base, nil
}

func checkProfileName(name string) error {
	if name == "." || name == ".." || !profileName().MatchString(name) {
		return cmdutil.FlagErrorf("--save-profile %q is not a valid profile name (letters, digits, '_', '.', '-')", name)
	}
	return nil
}

// ConfigDir is ANTHROPIC_CONFIG_DIR, else the SDK's default.
func configDir(getenv func(string) string) (string, error) {
	dir := getenv("ANTHROPIC_CONFIG_DIR")
	if dir == "" {
		dir = config.DefaultDir()
	}
	if dir == "" {
		return "", fmt.Errorf("cannot find the Anthropic config directory: set ANTHROPIC_CONFIG_DIR")
	}
	return dir, nil
}

// saveOAuthProfile writes configs/NAME.json (user_oauth) and
// credentials/NAME.json with the SDK's writers, and adds a pool entry that
// uses the profile in place: one copy of a single-use refresh token.
func saveOAuthProfile(ctx context.Context, opts *Options, store *authstore.Store, cfg oauth.Config, base string, tok *oauth.Tokens) error {
	dir, err := configDir(opts.Getenv)
	if err != nil {
		return err
	}
	auth := config.NewUserOAuthAuthentication(cfg.ClientID)
	auth.UserOAuth.Scope = firstNonEmpty(tok.Scope, cfg.Scopes)
	if err := config.SaveProfile(dir, opts.SaveProfile, &config.Config{AuthenticationInfo: auth, BaseURL: base}); err != nil {
		return err
	}
	creds := config.Credentials{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, Scope: auth.UserOAuth.Scope,
		AccountEmail: tok.AccountEmail, OrganizationUUID: tok.OrgUUID, OrganizationName: tok.OrgName}
	if !tok.Expiry.IsZero() {
		exp := tok.Expiry
		creds.ExpiresAt = &exp
	}
	path := config.ProfileCredentialsPath(dir, opts.SaveProfile)
	if err := config.WriteCredentials(path, creds); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.Out, "Wrote SDK profile %q to %s (credentials in %s)\n", opts.SaveProfile, config.ProfilePath(dir, opts.SaveProfile), path)
	e, err := store.AddInPlace(ctx, authstore.Entry{
		Label: firstNonEmpty(opts.Label, "profile:"+opts.SaveProfile), Source: authstore.SourceSDKProfile,
		Profile: opts.SaveProfile, File: path, ClientID: cfg.ClientID, TokenURL: cfg.TokenURL,
		Account: tok.AccountEmail, BaseURL: base, AddedAt: opts.Now().UTC(),
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.Out, "hermes uses it in place as %s (the SDK and hermes share one refresh token, never two copies)\n", e.ID)
	return nil
}

// addClaudeCode registers Claude Code's login, used in place.
func addClaudeCode(ctx context.Context, opts *Options) error {
	if opts.SaveProfile != "" {
		return cmdutil.FlagErrorf("--save-profile cannot be used with --from-claude-code: a profile would be a second copy of Claude Code's single-use refresh token, and one of the two would break")
	}
	path := oauth.ClaudeCodePath(opts.Getenv)
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	login, err := oauth.ReadClaudeCode(path)
	if err != nil {
		return &cmdutil.AuthError{Err: err}
	}
	store, err := openStore(opts)
	if err != nil {
		return err
	}
	cfg := opts.oauthConfig()
	e, err := store.AddInPlace(ctx, authstore.Entry{
		Label: firstNonEmpty(opts.Label, authstore.SourceClaudeCode), Source: authstore.SourceClaudeCode, File: path,
		ClientID: cfg.ClientID, TokenURL: cfg.TokenURL, Scopes: strings.Join(login.Scopes, " "),
		BaseURL: opts.BaseURL, AddedAt: opts.Now().UTC(),
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.Out, "Using Claude Code's login in place (%s, %s): hermes reads it at each use and writes refreshed tokens back there.\n", e.ID, path)
	return nil
}

// claudeCodeAvailable reports whether Claude Code's credentials file
// exists (for the menu's fourth line).
func claudeCodeAvailable(getenv func(string) string) bool {
	_, err := os.Stat(oauth.ClaudeCodePath(getenv))
	return err == nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
