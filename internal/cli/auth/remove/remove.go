// Package remove implements `hermes auth remove`.
package remove

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/authstore"
	"github.com/hermes-agent/hermes/internal/cli/auth/shared"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/credential/wif"
	"github.com/hermes-agent/hermes/internal/iostreams"
	"github.com/hermes-agent/hermes/internal/secret"
)

// Options is everything `hermes auth remove` needs.
type Options struct {
	IO       *iostreams.IOStreams
	Home     func() (string, error)
	Provider string
	Target   string
}

// NewCmd returns the `hermes auth remove` command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	opts := &Options{IO: f.IO, Home: f.HermesHome}
	return cmdutil.MarkOffline(&cobra.Command{
		Use:   "remove [anthropic] TARGET",
		Short: "Remove one stored Anthropic credential",
		Long: `Remove one credential from HERMES_HOME/auth.json. TARGET is, in this order
of matching: anthropic-wif (the Workload Identity Federation configuration),
the number 'hermes auth list' shows, an id (cred_…), or a label. A label that
names several credentials is an error: use the number or id. Removing
anthropic-wif also drops its cached tokens.`,
		Example: `  hermes auth remove 2
  hermes auth remove anthropic-wif
  hermes auth remove anthropic work`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return cmdutil.FlagErrorf("usage: hermes auth remove [anthropic] TARGET (a number, id or label from 'hermes auth list', or anthropic-wif)")
			}
			return nil
		},
		ValidArgsFunction: shared.CompleteTargets(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Provider, opts.Target = authstore.ProviderAnthropic, args[len(args)-1]
			if len(args) == 2 {
				opts.Provider = args[0]
			}
			return Run(cmd.Context(), opts)
		},
	})
}

// Run removes the target.
func Run(ctx context.Context, opts *Options) error {
	if opts.Provider != authstore.ProviderAnthropic {
		return cmdutil.FlagErrorf("unknown provider %q: hermes supports %q", opts.Provider, authstore.ProviderAnthropic)
	}
	home, err := opts.Home()
	if err != nil {
		return err
	}
	store := authstore.Open(home)
	var removed authstore.Target
	err = store.Update(ctx, func(f *authstore.File) error {
		t, err := f.Find(opts.Target)
		if err != nil {
			return err
		}
		f.Remove(t)
		removed = t
		return nil
	})
	if err != nil {
		return err
	}
	if removed.IsWIF() {
		if err := wif.ForgetCachedTokens(home); err != nil {
			fmt.Fprintf(opts.IO.ErrOut, "warning: %v\n", err)
		}
		fmt.Fprintf(opts.IO.Out, "Removed %s: Workload Identity Federation (%s); cached tokens dropped\n", removed.Describe(), removed.WIF.Describe())
		return nil
	}
	if e := removed.Entry; e.InPlace() {
		// The login itself is another program's: hermes only forgets it.
		fmt.Fprintf(opts.IO.Out, "Removed %s: hermes no longer uses the OAuth login in %s; the file is untouched\n", removed.Describe(), e.File)
		if e.Source == authstore.SourceClaudeCode {
			fmt.Fprintln(opts.IO.ErrOut, "note: to log out of Claude Code itself, run `claude` and use /logout")
		}
		return nil
	}
	fmt.Fprintf(opts.IO.Out, "Removed %s: %s %s\n", removed.Describe(), removed.Entry.AuthType, secret.Mask(removed.Entry.Secret()))
	return nil
}
