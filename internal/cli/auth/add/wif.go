package add

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2/config"

	"github.com/hermes-agent/hermes/internal/authstore"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/credential/wif"
	"github.com/hermes-agent/hermes/internal/identity"
)

// mintingSources are the --identity-token-source kinds.
var mintingSources = []string{identity.SourceGitHubActions, identity.SourceGCPMetadata, identity.SourceAzureIMDS}

// addWIF validates and stores the WIF configuration (replacing any
// previous one), optionally writes an SDK profile and checks one exchange.
func addWIF(ctx context.Context, opts *Options) error {
	if opts.IO.CanPrompt() {
		if err := askMissingWIF(ctx, opts); err != nil {
			return err
		}
	}
	w, err := buildWIF(opts)
	if err != nil {
		return err
	}
	if opts.SaveProfile != "" {
		if err := checkProfile(opts.SaveProfile, w); err != nil {
			return err
		}
	}
	warnAboutToken(opts, w.IdentityToken)

	var checked credential.Token
	if opts.Check {
		if checked, err = check(ctx, opts, w); err != nil {
			return err
		}
	}
	store, err := openStore(opts)
	if err != nil {
		return err
	}
	var (
		previous *authstore.WIF
		pooled   int
	)
	err = store.Update(ctx, func(f *authstore.File) error {
		previous = f.SetWIF(w)
		pooled = len(f.Pool())
		return nil
	})
	if err != nil {
		return err
	}
	// Tokens minted for an earlier configuration must not outlive it; the
	// one the check just exchanged for this configuration is kept.
	if err := wif.ForgetCachedTokens(store.Home(), checked.Value); err != nil {
		fmt.Fprintf(opts.IO.ErrOut, "warning: %v\n", err)
	}
	printStored(opts, store, w, previous, pooled)

	if opts.SaveProfile != "" {
		if err := saveProfile(opts, w); err != nil {
			return fmt.Errorf("the WIF configuration was stored, but the SDK profile was not written: %w", err)
		}
	}
	if opts.Check {
		printChecked(opts, checked)
	}
	return nil
}

// buildWIF turns the flags into a configuration, or a usage error naming
// every problem. Nothing is stored when it fails.
func buildWIF(opts *Options) (*authstore.WIF, error) {
	wf := opts.WIF
	var missing []string
	if wf.RuleID == "" {
		missing = append(missing, "--federation-rule-id (fdrl_…)")
	}
	if wf.OrgID == "" {
		missing = append(missing, "--organization-id (UUID)")
	}
	if len(missing) > 0 {
		return nil, cmdutil.FlagErrorf("--type wif needs %s", strings.Join(missing, " and "))
	}
	if err := authstore.ValidateWIFIDs(wf.RuleID, wf.OrgID, wf.ServiceAccountID, wf.WorkspaceID); err != nil {
		return nil, &cmdutil.FlagError{Err: err}
	}
	src, err := tokenConfig(wf)
	if err != nil {
		return nil, err
	}
	return &authstore.WIF{
		FederationRuleID: wf.RuleID,
		OrganizationID:   wf.OrgID,
		ServiceAccountID: wf.ServiceAccountID,
		WorkspaceID:      wf.WorkspaceID,
		BaseURL:          opts.BaseURL,
		IdentityToken:    src,
		Label:            opts.Label,
		AddedAt:          opts.Now().UTC(),
	}, nil
}

// tokenConfig builds the identity token source from exactly one flag.
func tokenConfig(wf WIFFlags) (identity.Config, error) {
	var given []string
	var c identity.Config
	if wf.TokenFile != "" {
		given = append(given, "--identity-token-file")
		abs, err := filepath.Abs(wf.TokenFile)
		if err != nil {
			return c, cmdutil.FlagErrorf("--identity-token-file: %v", err)
		}
		c = identity.Config{Source: identity.SourceFile, Path: abs}
	}
	if wf.TokenEnv != "" {
		given = append(given, "--identity-token-env")
		c = identity.Config{Source: identity.SourceEnv, Env: wf.TokenEnv}
	}
	if wf.TokenSource != "" {
		given = append(given, "--identity-token-source")
		if !slices.Contains(mintingSources, wf.TokenSource) {
			return c, cmdutil.FlagErrorf("--identity-token-source %q is not known: use github-actions, gcp-metadata or azure-imds (or --identity-token-file / --identity-token-env / --identity-token-command)", wf.TokenSource)
		}
		c = identity.Config{Source: wf.TokenSource}
	}
	if wf.TokenCommand != "" {
		given = append(given, "--identity-token-command")
		c = identity.Config{Source: identity.SourceCommand, Command: wf.TokenCommand}
	}
	if len(given) > 1 {
		return c, cmdutil.FlagErrorf("choose one identity token source, not %s", strings.Join(given, " and "))
	}
	c.Audience = wf.Audience
	if err := c.Validate(); err != nil {
		return c, &cmdutil.FlagError{Err: err}
	}
	return c, nil
}

// warnAboutToken inspects the identity token that can be seen now. Every
// problem is a warning at this point: CI often writes the token file, or
// sets the variable, only when the job runs.
func warnAboutToken(opts *Options, c identity.Config) {
	var findings []identity.Finding
	switch c.Source {
	case identity.SourceFile:
		findings = identity.CheckFile(c.Path, opts.Now())
	case identity.SourceEnv:
		findings = identity.Check([]byte(opts.Getenv(c.Env)), c.Describe(), opts.Now())
	default:
		// Minted on demand: nothing to look at before the first exchange,
		// but github-actions cannot work outside a job at all.
		if why := c.NotUsableHere(opts.Getenv); why != "" {
			fmt.Fprintf(opts.IO.ErrOut, "warning: identity token %s: %s; stored anyway for use in the workflow, 'hermes auth status' shows it as not usable here\n", c.Describe(), why)
		}
		return
	}
	for _, fnd := range findings {
		fmt.Fprintf(opts.IO.ErrOut, "warning: identity token %s: %s\n", c.Describe(), fnd.Message)
	}
}

func printStored(opts *Options, store *authstore.Store, w, previous *authstore.WIF, pooled int) {
	out := opts.IO.Out
	fmt.Fprintf(out, "Stored Workload Identity Federation for anthropic (%s) in %s\n", authstore.WIFTarget, store.Path())
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(out, "  %-18s %s\n", k, v)
		}
	}
	row("federation rule", w.FederationRuleID)
	row("organization", w.OrganizationID)
	row("service account", w.ServiceAccountID)
	row("workspace", w.WorkspaceID)
	row("identity token", w.IdentityToken.Describe())
	row("base URL", w.BaseURL)
	row("label", w.Label)
	if previous != nil {
		fmt.Fprintf(out, "replaced the previous WIF configuration (%s)\n", previous.Describe())
	}
	if pooled > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "note: WIF is now used before the %d stored pool credential(s); pass --credential to pick one\n", pooled)
	}
}

// check performs one live exchange through the resolver with w, before
// anything is stored: a failed check stores nothing (the rule of every
// --check), and says how to store the configuration anyway.
func check(ctx context.Context, opts *Options, w *authstore.WIF) (credential.Token, error) {
	tok, err := opts.CheckWIF(ctx, w)
	if err != nil && ctx.Err() != nil {
		// Ctrl-C: exit 130 and say so, not "check failed: … context canceled".
		return tok, fmt.Errorf("the check was %w; nothing stored", cmdutil.ErrCancel)
	}
	if err != nil {
		// Exit 4 whatever the cause: the credential does not work (yet).
		return tok, &cmdutil.ExitCodeError{Code: cmdutil.ExitAuth, Err: fmt.Errorf("the check failed, so the WIF configuration was not stored: %w\n%s", err, storeAnyway)}
	}
	return tok, nil
}

// storeAnyway is how to store a configuration whose check failed.
const storeAnyway = "to store it anyway (e.g. the token exists only in CI), run the same command without --check"

func printChecked(opts *Options, tok credential.Token) {
	msg := "✓ exchange ok"
	if !tok.Expiry.IsZero() {
		msg += ", token expires in " + tok.Expiry.Sub(opts.Now()).Round(time.Second).String()
	}
	fmt.Fprintln(opts.IO.Out, msg)
}

// profileName mirrors the SDK's rule, so a bad name is a usage error
// before anything is stored.
var profileName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_.-]+$`) })

func checkProfile(name string, w *authstore.WIF) error {
	if w.IdentityToken.Source != identity.SourceFile {
		return cmdutil.FlagErrorf("--save-profile needs --identity-token-file: SDK profiles read the identity token from a file only")
	}
	if name == "." || name == ".." || !profileName().MatchString(name) {
		return cmdutil.FlagErrorf("--save-profile %q is not a valid profile name (letters, digits, '_', '.', '-')", name)
	}
	return nil
}

// saveProfile writes the configuration as an SDK profile, readable by the
// Anthropic SDKs and Claude Code, into ANTHROPIC_CONFIG_DIR.
func saveProfile(opts *Options, w *authstore.WIF) error {
	dir := opts.Getenv("ANTHROPIC_CONFIG_DIR")
	if dir == "" {
		dir = config.DefaultDir()
	}
	if dir == "" {
		return fmt.Errorf("cannot find the Anthropic config directory: set ANTHROPIC_CONFIG_DIR")
	}
	cfg := &config.Config{
		AuthenticationInfo: config.NewOIDCFederationAuthentication(config.OIDCFederation{
			FederationRuleID: w.FederationRuleID,
			ServiceAccountID: w.ServiceAccountID,
			IdentityToken: &config.IdentityTokenConfig{
				Source: config.IdentityTokenSourceFile,
				Path:   w.IdentityToken.Path,
			},
		}),
		BaseURL:        w.BaseURL,
		OrganizationID: w.OrganizationID,
		WorkspaceID:    w.WorkspaceID,
	}
	if err := config.SaveProfile(dir, opts.SaveProfile, cfg); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.Out, "Wrote SDK profile %q to %s\n", opts.SaveProfile, config.ProfilePath(dir, opts.SaveProfile))
	return nil
}
