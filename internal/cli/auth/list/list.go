// Package list implements `hermes auth list`.
package list

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/authstore"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/iostreams"
	"github.com/hermes-agent/hermes/internal/oauth"
	"github.com/hermes-agent/hermes/internal/secret"
	"github.com/hermes-agent/hermes/internal/termtext"
)

// Options is everything `hermes auth list` needs.
type Options struct {
	IO       *iostreams.IOStreams
	Home     func() (string, error)
	Provider string
	JSON     bool
}

// NewCmd returns the `hermes auth list` command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	opts := &Options{IO: f.IO, Home: f.HermesHome}
	cmd := &cobra.Command{
		Use:   "list [anthropic]",
		Short: "List stored Anthropic credentials (secrets masked)",
		Long: `List the credentials stored in HERMES_HOME/auth.json, one numbered row each:
the Workload Identity Federation configuration first (as anthropic-wif), then
the pool entries in the order hermes tries them (priority, then age). The
number, the id or the label names a credential in 'hermes auth remove' and
--credential. '*' marks the one hermes would use among the stored ones (a
configured WIF wins over the pool); 'hermes auth status' also shows the
environment. Secrets are masked.

With --json, stdout is one object; fields may be added, none will change
meaning:

  {"credentials": [
    {"number": 1, "id": "anthropic-wif", "provider": "anthropic",
     "auth_type": "wif", "label": "ci",
     "federation_rule_id": "fdrl_…", "organization_id": "…",
     "service_account_id": "svac_…",   (if set)
     "workspace_id": "wrkspc_…",       (if set)
     "base_url": "https://…",          (if set)
     "token_source": "file /var/run/token",
     "added_at": "2025-01-01T00:00:00Z", "active": true},
    {"number": 2, "id": "cred_1a2b3c4d", "provider": "anthropic",
     "auth_type": "api_key" | "oauth", "label": "",
     "secret": "sk-ant-api03-abc…xyz",  (masked)
     "priority": 0, "source": "flag" | "prompt" | "stdin" | "oauth",
     "expires_at": "…",                (oauth, if known)
     "location": "hermes store" | "Claude Code" | "profile NAME",  (oauth)
     "file": "/home/me/.claude/.credentials.json",  (oauth used in place)
     "account": "me@example.com", "subscription_type": "max",  (oauth, if known)
     "refreshable": true, "needs_login": "…",  (oauth)
     "base_url": "https://…",          (if set)
     "added_at": "…", "active": false}]}

An empty store prints {"credentials": []}.

JSON output: see https://github.com/hermes-agent/hermes/blob/main/docs/JSON.md`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Provider = authstore.ProviderAnthropic
			if len(args) == 1 {
				opts.Provider = args[0]
			}
			return Run(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON (shape in the help above)")
	return cmdutil.MarkOffline(cmd)
}

// Row is one credential in `--json` output.
type Row struct {
	Number           int        `json:"number"`
	ID               string     `json:"id"`
	Provider         string     `json:"provider"`
	AuthType         string     `json:"auth_type"`
	Label            string     `json:"label"`
	FederationRuleID string     `json:"federation_rule_id,omitempty"`
	OrganizationID   string     `json:"organization_id,omitempty"`
	ServiceAccountID string     `json:"service_account_id,omitempty"`
	WorkspaceID      string     `json:"workspace_id,omitempty"`
	TokenSource      string     `json:"token_source,omitempty"`
	Secret           string     `json:"secret,omitempty"`
	Priority         *int       `json:"priority,omitempty"`
	Source           string     `json:"source,omitempty"`
	ExpiresAt        *time.Time `json:"expires_at,omitempty"`
	BaseURL          string     `json:"base_url,omitempty"`
	AddedAt          time.Time  `json:"added_at"`
	Active           bool       `json:"active"`
	// OAuth logins: where the pair lives ("hermes store", "Claude Code",
	// "profile NAME"), the file when used in place, the account.
	Location         string `json:"location,omitempty"`
	File             string `json:"file,omitempty"`
	Account          string `json:"account,omitempty"`
	SubscriptionType string `json:"subscription_type,omitempty"`
	Refreshable      *bool  `json:"refreshable,omitempty"`
	NeedsLogin       string `json:"needs_login,omitempty"`
}

// Run lists the stored credentials.
func Run(opts *Options) error {
	if opts.Provider != authstore.ProviderAnthropic {
		return cmdutil.FlagErrorf("unknown provider %q: hermes supports %q", opts.Provider, authstore.ProviderAnthropic)
	}
	home, err := opts.Home()
	if err != nil {
		return err
	}
	store := authstore.Open(home)
	f, err := store.Load()
	if err != nil {
		return err
	}
	if w := store.ReadableWarning(); w != "" {
		fmt.Fprintln(opts.IO.ErrOut, w)
	}
	rows := Rows(f)
	if opts.JSON {
		return cmdutil.WriteJSON(opts.IO.Out, struct {
			Credentials []Row `json:"credentials"`
		}{rows})
	}
	if len(rows) == 0 {
		fmt.Fprintln(opts.IO.ErrOut, "No Anthropic credentials are stored. Add one with `hermes auth add anthropic --type api-key` or `hermes auth add anthropic --type wif` (see `hermes auth add --help`).")
		return nil
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\t#\tID\tTYPE\tLABEL\tDETAILS")
	for _, r := range rows {
		mark := ""
		if r.Active {
			mark = "*"
		}
		// Labels, paths and URLs are the user's (or whoever wrote
		// auth.json): no escape sequence reaches the terminal.
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", mark, r.Number, termtext.Clean(r.ID), termtext.Clean(r.AuthType), termtext.Clean(r.Label), termtext.Clean(details(r)))
	}
	return tw.Flush()
}

// Rows turns the stored credentials into list rows, secrets masked.
func Rows(f *authstore.File) []Row {
	rows := []Row{}
	for _, t := range f.Targets() {
		r := Row{Number: t.Number, ID: t.ID, Provider: authstore.ProviderAnthropic, Label: t.Label, Active: t.Active}
		if w := t.WIF; w != nil {
			r.AuthType = "wif"
			r.FederationRuleID = w.FederationRuleID
			r.OrganizationID = w.OrganizationID
			r.ServiceAccountID = w.ServiceAccountID
			r.WorkspaceID = w.WorkspaceID
			r.TokenSource = w.IdentityToken.Describe()
			r.BaseURL = secret.URL(w.BaseURL)
			r.AddedAt = w.AddedAt
		} else {
			e := t.Entry
			r.AuthType = e.AuthType
			r.Secret = secret.Mask(e.Secret())
			r.Priority = &e.Priority
			r.Source = e.Source
			r.BaseURL = secret.URL(e.BaseURL)
			r.AddedAt = e.AddedAt
			if e.ExpiresAtMs > 0 {
				exp := time.UnixMilli(e.ExpiresAtMs).UTC()
				r.ExpiresAt = &exp
			}
			if e.AuthType == authstore.AuthTypeOAuth {
				oauthRow(&r, e)
			}
		}
		rows = append(rows, r)
	}
	return rows
}

// oauthRow fills where an OAuth login lives; a login used in place is
// read from its file (never a secret shown: masked).
func oauthRow(r *Row, e *authstore.Entry) {
	r.Location, r.Account, r.NeedsLogin = "hermes store", e.Account, e.NeedsLogin
	refreshable := e.RefreshToken != "" && e.NeedsLogin == ""
	switch e.Source {
	case authstore.SourceClaudeCode:
		r.Location, r.File = "Claude Code", e.File
		if l, err := oauth.ReadClaudeCode(e.File); err == nil {
			r.SubscriptionType, r.Secret = l.SubscriptionType, secret.Mask(l.AccessToken)
			refreshable = l.RefreshToken != ""
			if !l.Expiry.IsZero() {
				exp := l.Expiry.UTC()
				r.ExpiresAt = &exp
			}
		} else {
			r.NeedsLogin = err.Error()
		}
	case authstore.SourceSDKProfile:
		r.Location, r.File = "profile "+e.Profile, e.File
		if p, err := (oauth.ProfileStore{Path: e.File}).Load(); err == nil {
			r.Secret, refreshable = secret.Mask(p.AccessToken), p.RefreshToken != ""
			if !p.Expiry.IsZero() {
				exp := p.Expiry.UTC()
				r.ExpiresAt = &exp
			}
		}
	}
	r.Refreshable = &refreshable
}

func details(r Row) string {
	if r.Location == "Claude Code" {
		s := "claude-code (OAuth"
		if r.SubscriptionType != "" {
			s += ", " + r.SubscriptionType
		}
		s += ")  " + r.File
		if r.ExpiresAt != nil {
			s += "  expires " + r.ExpiresAt.Format(time.RFC3339)
		}
		if r.NeedsLogin != "" {
			s += "  PROBLEM: " + r.NeedsLogin
		}
		return s
	}
	if r.AuthType == "wif" {
		s := "rule " + r.FederationRuleID + "  org " + r.OrganizationID
		if r.ServiceAccountID != "" {
			s += "  service account " + r.ServiceAccountID
		}
		if r.WorkspaceID != "" {
			s += "  workspace " + r.WorkspaceID
		}
		s += "  token " + r.TokenSource
		if r.BaseURL != "" {
			s += "  " + r.BaseURL
		}
		return s
	}
	s := r.Secret
	if r.Priority != nil && *r.Priority != 0 {
		s += fmt.Sprintf("  priority %d", *r.Priority)
	}
	if r.ExpiresAt != nil {
		s += "  expires " + r.ExpiresAt.Format(time.RFC3339)
	}
	if r.BaseURL != "" {
		s += "  " + r.BaseURL
	}
	if r.Location != "" {
		s += "  " + r.Location
		if r.Account != "" {
			s += " (" + r.Account + ")"
		}
		if r.NeedsLogin != "" {
			s += "  needs a new login"
		} else if r.Refreshable != nil && *r.Refreshable {
			s += "  refreshable"
		}
	}
	return s
}
