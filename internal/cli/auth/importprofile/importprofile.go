// Package importprofile implements `hermes auth import-profile NAME`.
package importprofile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2/config"
	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/authstore"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/credential/wif"
	"github.com/hermes-agent/hermes/internal/fsutil"
	"github.com/hermes-agent/hermes/internal/identity"
	"github.com/hermes-agent/hermes/internal/iostreams"
)

// Options is everything the command needs.
type Options struct {
	IO     *iostreams.IOStreams
	Home   func() (string, error)
	Getenv func(string) string
	Now    func() time.Time
	Name   string
}

// NewCmd returns the command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	opts := &Options{IO: f.IO, Home: f.HermesHome, Getenv: f.Getenv, Now: f.Now}
	return &cobra.Command{
		Use:   "import-profile NAME",
		Short: "Use an Anthropic SDK profile as hermes's own credential",
		Long: `Turn the SDK profile NAME (ANTHROPIC_CONFIG_DIR, default ~/.config/anthropic)
into hermes's own credential:

  oidc_federation (file identity token)  becomes the WIF configuration
                                         (replacing any previous one)
  user_oauth                             becomes an OAuth pool entry that uses
                                         the profile's credentials file in
                                         place: hermes and the SDK share one
                                         single-use refresh token, never two copies`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			return Run(cmd.Context(), opts)
		},
	}
}

// checkName refuses what cannot be a profile before the SDK is asked:
// its own error names the profile three times.
func checkName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return cmdutil.FlagErrorf("%q is not an SDK profile name: a name is a file name in ANTHROPIC_CONFIG_DIR/configs (default ~/.config/anthropic/configs), without \"/\" or \"..\"", name)
	}
	return nil
}

// Run imports the profile.
func Run(ctx context.Context, opts *Options) error {
	if err := checkName(opts.Name); err != nil {
		return err
	}
	dir := opts.Getenv("ANTHROPIC_CONFIG_DIR")
	if dir == "" {
		dir = config.DefaultDir()
	}
	// The same StrictModes as HERMES_HOME: a profile others can write
	// could point hermes at their identity token or base URL.
	if _, err := fsutil.ReadPrivateFileUnder(dir, config.ProfilePath(dir, opts.Name), 1<<20); errors.Is(err, fsutil.ErrNotPrivate) {
		return err
	}
	cfg, err := config.LoadProfile(dir, opts.Name)
	if errors.Is(err, fs.ErrNotExist) {
		return cmdutil.FlagErrorf("no SDK profile %q: %s does not exist (profiles are read from ANTHROPIC_CONFIG_DIR, default ~/.config/anthropic)", opts.Name, config.ProfilePath(dir, opts.Name))
	}
	if err != nil {
		// The SDK's error names the file already.
		return cmdutil.FlagErrorf("SDK profile %q: %v", opts.Name, err)
	}
	home, err := opts.Home()
	if err != nil {
		return err
	}
	store := authstore.Open(home)
	a := cfg.AuthenticationInfo
	switch {
	case a != nil && a.UserOAuth != nil:
		path := a.CredentialsPath
		if path == "" {
			path = config.ProfileCredentialsPath(dir, opts.Name)
		}
		e, err := store.AddInPlace(ctx, authstore.Entry{Label: "profile:" + opts.Name, Source: authstore.SourceSDKProfile,
			Profile: opts.Name, File: path, ClientID: a.UserOAuth.ClientID, BaseURL: cfg.BaseURL, Scopes: a.UserOAuth.Scope, AddedAt: opts.Now().UTC()})
		if err != nil {
			return err
		}
		fmt.Fprintf(opts.IO.Out, "Imported SDK profile %q as OAuth login %s (used in place: %s)\n", opts.Name, e.ID, path)
		return nil
	case a != nil && a.OIDCFederation != nil:
		fed := a.OIDCFederation
		if fed.IdentityToken == nil || fed.IdentityToken.Source != config.IdentityTokenSourceFile || fed.IdentityToken.Path == "" {
			return cmdutil.FlagErrorf("SDK profile %q has no file identity token (identity_token {\"source\":\"file\",\"path\":…}); hermes cannot tell where its token comes from", opts.Name)
		}
		w := &authstore.WIF{FederationRuleID: fed.FederationRuleID, OrganizationID: cfg.OrganizationID, ServiceAccountID: fed.ServiceAccountID,
			WorkspaceID: cfg.WorkspaceID, BaseURL: cfg.BaseURL, Label: "profile:" + opts.Name, AddedAt: opts.Now().UTC(),
			IdentityToken: identity.Config{Source: identity.SourceFile, Path: fed.IdentityToken.Path}}
		if err := authstore.ValidateWIFIDs(w.FederationRuleID, w.OrganizationID, w.ServiceAccountID, w.WorkspaceID); err != nil {
			return cmdutil.FlagErrorf("SDK profile %q: %v", opts.Name, err)
		}
		if err := store.Update(ctx, func(f *authstore.File) error { f.SetWIF(w); return nil }); err != nil {
			return err
		}
		if err := wif.ForgetCachedTokens(home); err != nil {
			fmt.Fprintf(opts.IO.ErrOut, "warning: %v\n", err)
		}
		fmt.Fprintf(opts.IO.Out, "Imported SDK profile %q as the Workload Identity Federation configuration (%s)\n", opts.Name, w.Describe())
		return nil
	}
	return cmdutil.FlagErrorf("SDK profile %q has an authentication type hermes cannot import", opts.Name)
}
