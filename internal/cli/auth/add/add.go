// Package add implements `hermes auth add`.
package add

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2/config"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hermes-agent/hermes/internal/authstore"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/credential/resolve"
	"github.com/hermes-agent/hermes/internal/iostreams"
	"github.com/hermes-agent/hermes/internal/prompt"
)

// Credential types `--type` accepts.
const (
	TypeAPIKey = "api-key"
	TypeOAuth  = "oauth"
	TypeWIF    = "wif"

	// typeClaudeCode is the menu's fourth line: --type oauth --from-claude-code.
	typeClaudeCode = "claude-code"
)

// menu is the choice offered when --type is missing on a terminal; the
// order is the spec's.
// built false keeps an entry out of the menu until its flow exists.
var menu = []struct {
	typ, label string
	built      bool
}{
	{TypeAPIKey, "API key", true},
	{TypeOAuth, "OAuth login", true},
	{TypeWIF, "Workload Identity Federation (OIDC / short-lived workload tokens)", true},
}

// Options is everything `hermes auth add` needs; run uses nothing else.
type Options struct {
	IO       *iostreams.IOStreams
	Prompter prompt.Prompter
	Home     func() (string, error)
	Getenv   func(string) string
	Now      func() time.Time
	// CheckWIF performs one live exchange with w, before it is stored.
	CheckWIF func(ctx context.Context, w *authstore.WIF) (credential.Token, error)

	Provider string
	Type     string
	Label    string
	BaseURL  string // the global --base-url: stored with the credential

	APIKey string
	Force  bool // store a key that does not look like an Anthropic key
	// CheckAPIKey performs one cheap API call (GET /v1/models) with key at
	// baseURL; nil error: the API accepted it.
	CheckAPIKey func(ctx context.Context, baseURL, key string) error

	WIF         WIFFlags
	Check       bool
	SaveProfile string

	OAuth OAuthFlags
	// OpenBrowser opens the login URL; nil: $BROWSER, xdg-open or open.
	OpenBrowser func(url string) error
	// SecretEnv names the variables the browser helper must not inherit
	// beyond the credential layer's list (--credential env:VAR, ...).
	SecretEnv func() []string

	// setFlags names the flags given on the command line, to refuse those
	// that do not apply to the chosen type.
	setFlags []string
}

// WIFFlags are the `--type wif` flags.
type WIFFlags struct {
	RuleID, OrgID, ServiceAccountID, WorkspaceID   string
	TokenFile, TokenEnv, TokenSource, TokenCommand string
	Audience                                       string
}

// NewCmd returns the `hermes auth add` command; newResolver builds the
// resolver for the current settings (wired by the root), through which
// --check exchanges.
func NewCmd(f *cmdutil.Factory, newResolver func() *resolve.Resolver) *cobra.Command {
	opts := &Options{
		IO:       f.IO,
		Prompter: prompt.New(f.IO),
		Home:     f.HermesHome,
		Getenv:   f.Getenv,
		Now:      f.Now,
	}
	opts.CheckWIF = func(ctx context.Context, w *authstore.WIF) (credential.Token, error) {
		// The check goes through the one resolver, pinned to the
		// configuration about to be stored.
		r := newResolver()
		r.Credential, r.Pending = "", w
		rt, err := r.Resolve(ctx)
		if err != nil {
			return credential.Token{}, err
		}
		return rt.Tokens.Token(ctx)
	}
	opts.CheckAPIKey = checkAPIKeyLive
	opts.SecretEnv = func() []string {
		if f.SecretEnv == nil {
			return nil
		}
		return f.SecretEnv()
	}
	cmd := &cobra.Command{
		Use:   "add [anthropic]",
		Short: "Add an Anthropic credential (API key, OAuth login or WIF)",
		Long: `Add an Anthropic credential to HERMES_HOME/auth.json.

  --type api-key   an API key, from --api-key, else a hidden prompt on a
                   terminal, else one line of stdin. Keys go to the credential
                   pool; several may be stored.
  --type wif       Workload Identity Federation: hermes exchanges a short-lived
                   OIDC identity token of the workload for a short-lived
                   Anthropic token, so no static secret is stored. Needs
                   --federation-rule-id, --organization-id and one identity
                   token source. There is one WIF configuration; adding it
                   again replaces it. A configured WIF is used before any
                   pool entry.
  --type oauth     OAuth login with your Claude account (authorization code
                   with PKCE): in a browser when one can be opened (the answer
                   comes back to a loopback port), else paste the CODE#STATE
                   the page shows (--no-browser, or no browser). The login
                   refreshes itself. --from-claude-code uses Claude Code's
                   login (~/.claude/.credentials.json, CLAUDE_CONFIG_DIR) in
                   place instead; --save-profile NAME keeps the login in an
                   SDK profile (ANTHROPIC_CONFIG_DIR) that hermes uses in place.
                   Endpoints: --oauth-authorize-url, --oauth-token-url,
                   --oauth-client-id, --oauth-redirect-uri, --oauth-scopes, or
                   the HERMES_OAUTH_* variables of the same names.

Without --type on a terminal, hermes asks. The global --base-url is stored
with the credential (https, or http on loopback).

Identity token sources (exactly one):
  --identity-token-file PATH          a file the platform keeps fresh (e.g. a
                                      Kubernetes projected token); re-read for
                                      each exchange
  --identity-token-env VAR            an environment variable holding the JWT
  --identity-token-source KIND        fetched on demand: github-actions,
                                      gcp-metadata or azure-imds (--audience,
                                      default https://api.anthropic.com)
  --identity-token-command 'CMD ARGS' a command that prints the JWT

Problems with the token file (missing, empty, expired, not a JWT, ...) are
warnings here, because CI often writes it only at run time; they are errors
before an exchange.`,
		Example: `  hermes auth add anthropic --type api-key --label work < key.txt
  hermes auth add anthropic --type wif \
    --federation-rule-id fdrl_01AbCd --organization-id 12345678-90ab-cdef-1234-567890abcdef \
    --identity-token-file /var/run/secrets/anthropic/token --check
  hermes auth add anthropic --type wif --federation-rule-id fdrl_01AbCd \
    --organization-id 12345678-90ab-cdef-1234-567890abcdef --identity-token-source github-actions`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Provider = authstore.ProviderAnthropic
			if len(args) == 1 {
				opts.Provider = args[0]
			}
			opts.BaseURL = f.BaseURL
			cmd.Flags().Visit(func(fl *pflag.Flag) { opts.setFlags = append(opts.setFlags, fl.Name) })
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Type, "type", "", "credential type: api-key, oauth or wif")
	fl.StringVar(&opts.Label, "label", "", "a name for the credential, usable as TARGET in remove and --credential")
	fl.StringVar(&opts.APIKey, "api-key", "", "the API key (api-key; visible in your shell history: prefer the prompt or stdin)")
	fl.StringVar(&opts.WIF.RuleID, "federation-rule-id", "", "federation rule ID, fdrl_… (wif)")
	fl.StringVar(&opts.WIF.OrgID, "organization-id", "", "organization UUID (wif)")
	fl.StringVar(&opts.WIF.ServiceAccountID, "service-account-id", "", "service account ID, svac_… (wif, optional)")
	fl.StringVar(&opts.WIF.WorkspaceID, "workspace-id", "", "workspace ID, wrkspc_… or default (wif, optional)")
	fl.StringVar(&opts.WIF.TokenFile, "identity-token-file", "", "read the OIDC identity token from this file for each exchange (wif)")
	fl.StringVar(&opts.WIF.TokenEnv, "identity-token-env", "", "read the OIDC identity token from this environment variable (wif)")
	fl.StringVar(&opts.WIF.TokenSource, "identity-token-source", "", "fetch the OIDC identity token: github-actions, gcp-metadata or azure-imds (wif)")
	fl.StringVar(&opts.WIF.TokenCommand, "identity-token-command", "", "run this command to print the OIDC identity token (wif)")
	fl.StringVar(&opts.WIF.Audience, "audience", "", "audience to request with --identity-token-source (default https://api.anthropic.com)")
	fl.BoolVar(&opts.Check, "check", false, "check the credential with one live call before storing it (wif: a token exchange, api-key: GET /v1/models); nothing is stored when the check fails")
	fl.BoolVar(&opts.Force, "force", false, "store an API key that does not look like an Anthropic key (sk-ant-…) (api-key)")
	_ = cmd.RegisterFlagCompletionFunc("type", cmdutil.CompleteFixed(TypeAPIKey, TypeWIF, TypeOAuth))
	_ = cmd.RegisterFlagCompletionFunc("identity-token-source", cmdutil.CompleteFixed("github-actions", "gcp-metadata", "azure-imds"))
	fl.StringVar(&opts.SaveProfile, "save-profile", "", "also write an Anthropic SDK profile NAME to ANTHROPIC_CONFIG_DIR (wif with a file source; oauth)")
	fl.BoolVar(&opts.OAuth.NoBrowser, "no-browser", false, "print the login URL and read the pasted CODE#STATE instead of opening a browser (oauth)")
	fl.BoolVar(&opts.OAuth.FromClaudeCode, "from-claude-code", false, "use Claude Code's login in place (oauth)")
	fl.StringVar(&opts.OAuth.AuthorizeURL, "oauth-authorize-url", "", "authorization endpoint (oauth; env HERMES_OAUTH_AUTHORIZE_URL)")
	fl.StringVar(&opts.OAuth.TokenURL, "oauth-token-url", "", "token endpoint (oauth; env HERMES_OAUTH_TOKEN_URL)")
	fl.StringVar(&opts.OAuth.ClientID, "oauth-client-id", "", "OAuth client ID (oauth; env HERMES_OAUTH_CLIENT_ID)")
	fl.StringVar(&opts.OAuth.RedirectURI, "oauth-redirect-uri", "", "redirect URI of the paste flow (oauth; env HERMES_OAUTH_REDIRECT_URI)")
	fl.StringVar(&opts.OAuth.Scopes, "oauth-scopes", "", "space-separated scopes (oauth; env HERMES_OAUTH_SCOPES)")
	return cmd
}

// flagsFor says which type-specific flags apply to which type.
var flagsFor = map[string][]string{
	TypeAPIKey: {"api-key", "check", "force"},
	TypeWIF: {"federation-rule-id", "organization-id", "service-account-id", "workspace-id",
		"identity-token-file", "identity-token-env", "identity-token-source", "identity-token-command",
		"audience", "check", "save-profile"},
	TypeOAuth: {"no-browser", "from-claude-code", "oauth-authorize-url", "oauth-token-url", "oauth-client-id",
		"oauth-redirect-uri", "oauth-scopes", "save-profile"},
}

// Run adds the credential opts describe.
func Run(ctx context.Context, opts *Options) error {
	if opts.Provider != authstore.ProviderAnthropic {
		return cmdutil.FlagErrorf("unknown provider %q: hermes supports %q", opts.Provider, authstore.ProviderAnthropic)
	}
	typ, err := chooseType(ctx, opts)
	if err != nil {
		return err
	}
	if err := refuseForeignFlags(typ, opts.setFlags); err != nil {
		return err
	}
	if opts.BaseURL != "" {
		if err := checkBaseURL(opts.BaseURL); err != nil {
			return err
		}
	}
	switch typ {
	case TypeAPIKey:
		return addAPIKey(ctx, opts)
	case TypeWIF:
		return addWIF(ctx, opts)
	case typeClaudeCode:
		opts.OAuth.FromClaudeCode = true
		return addOAuth(ctx, opts)
	default: // TypeOAuth
		return addOAuth(ctx, opts)
	}
}

// chooseType normalises --type, or asks on a terminal.
func chooseType(ctx context.Context, opts *Options) (string, error) {
	if opts.Type != "" {
		switch t := strings.ToLower(opts.Type); t {
		case TypeAPIKey, "api_key", "apikey", "key":
			return TypeAPIKey, nil
		case TypeOAuth, TypeWIF:
			return t, nil
		}
		return "", cmdutil.FlagErrorf("unknown --type %q: use api-key, oauth or wif", opts.Type)
	}
	// Flags of one type imply it: WIF flags mean --type wif, --api-key
	// means --type api-key.
	for _, n := range opts.setFlags {
		if n != "check" && slices.Contains(flagsFor[TypeWIF], n) {
			return TypeWIF, nil
		}
	}
	if slices.Contains(opts.setFlags, "api-key") {
		return TypeAPIKey, nil
	}
	if !opts.IO.CanPrompt() {
		return "", cmdutil.FlagErrorf("--type is required when hermes cannot prompt (not on a terminal): pass --type api-key, --type wif or --type oauth")
	}
	var labels, types []string
	for _, m := range menu {
		if m.built {
			labels, types = append(labels, m.label), append(types, m.typ)
		}
	}
	if claudeCodeAvailable(opts.Getenv) {
		labels, types = append(labels, "Claude Code's login (used in place)"), append(types, typeClaudeCode)
	}
	i, err := opts.Prompter.Select(ctx, "How do you want to authenticate to Anthropic?", labels)
	if err != nil {
		return "", err
	}
	return types[i], nil
}

func refuseForeignFlags(typ string, set []string) error {
	for other, names := range flagsFor {
		if other == typ {
			continue
		}
		for _, n := range names {
			if slices.Contains(set, n) && !slices.Contains(flagsFor[typ], n) {
				return cmdutil.FlagErrorf("--%s does not apply to --type %s", n, typ)
			}
		}
	}
	return nil
}

// checkBaseURL refuses a base URL a credential must never be sent to:
// https only, except http on loopback (tests, local gateways).
func checkBaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return cmdutil.FlagErrorf("--base-url %q is not a URL: expected https://host[:port][/path]", raw)
	}
	if config.RequireSecureTokenEndpoint(raw) != nil { // the resolver's and the exchange's rule
		return cmdutil.FlagErrorf("--base-url %q uses http: credentials are only sent over https (http is allowed on loopback only)", raw)
	}
	return nil
}

func openStore(opts *Options) (*authstore.Store, error) {
	home, err := opts.Home()
	if err != nil {
		return nil, err
	}
	return authstore.Open(home), nil
}

// errNoInput is the usage error for an API key that never came.
var errNoInput = errors.New("no API key given: pass --api-key KEY, type it at the prompt, or pipe it on stdin")
