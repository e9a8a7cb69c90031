// Package logout implements `hermes auth logout`.
package logout

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/authstore"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/credential/wif"
	"github.com/hermes-agent/hermes/internal/fsutil"
	"github.com/hermes-agent/hermes/internal/iostreams"
)

// Options is everything `hermes auth logout` needs.
type Options struct {
	IO       *iostreams.IOStreams
	Home     func() (string, error)
	Getenv   func(string) string
	Provider string
}

// NewCmd returns the `hermes auth logout` command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	opts := &Options{IO: f.IO, Home: f.HermesHome, Getenv: f.Getenv}
	return cmdutil.MarkOffline(&cobra.Command{
		Use:   "logout [anthropic]",
		Short: "Remove every stored Anthropic credential",
		Long: `Remove every stored Anthropic credential from HERMES_HOME/auth.json (the
WIF configuration and all pool entries) and the cached WIF tokens. Credentials
in the environment or in SDK profiles are not touched; hermes names the
variables that are still set.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Provider = authstore.ProviderAnthropic
			if len(args) == 1 {
				opts.Provider = args[0]
			}
			return Run(cmd.Context(), opts)
		},
	})
}

// errNothing aborts the update when there is nothing to remove, so that
// logout never creates an auth.json.
var errNothing = errors.New("nothing stored")

// Run removes everything stored for the provider.
func Run(ctx context.Context, opts *Options) error {
	if opts.Provider != authstore.ProviderAnthropic {
		return cmdutil.FlagErrorf("unknown provider %q: hermes supports %q", opts.Provider, authstore.ProviderAnthropic)
	}
	home, err := opts.Home()
	if err != nil {
		return err
	}
	var removed []authstore.Target
	store := authstore.Open(home)
	err = store.Update(ctx, func(f *authstore.File) error {
		// Temp copies of auth.json left by a killed writer hold its keys:
		// under the store's lock none is a live writer's, so all go, even
		// when nothing is stored any more.
		fsutil.RemoveTemps(store.Path())
		removed = f.RemoveAll()
		if len(removed) == 0 {
			return errNothing
		}
		return nil
	})
	if err != nil && !errors.Is(err, errNothing) {
		return err
	}
	// Cached tokens go even when auth.json held nothing: they may be left
	// from a configuration removed by hand.
	if err := wif.ForgetCachedTokens(home); err != nil {
		fmt.Fprintf(opts.IO.ErrOut, "warning: %v\n", err)
	}
	if len(removed) == 0 {
		fmt.Fprintln(opts.IO.ErrOut, "No Anthropic credentials were stored; nothing to remove.")
	} else {
		ids := make([]string, len(removed))
		for i, t := range removed {
			ids[i] = t.ID
		}
		fmt.Fprintf(opts.IO.Out, "Logged out of anthropic: removed %d stored credential(s) (%s) and cached tokens\n", len(removed), strings.Join(ids, ", "))
	}
	for _, v := range credential.CredentialVars() {
		if v != "HERMES_HOME" && opts.Getenv(v) != "" {
			fmt.Fprintf(opts.IO.ErrOut, "note: %s is still set in the environment and can yield an Anthropic credential: unset it to log out completely\n", v)
		}
	}
	return nil
}
