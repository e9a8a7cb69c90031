// Package switchcmd implements `hermes auth switch`.
package switchcmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/authstore"
	"github.com/hermes-agent/hermes/internal/cli/auth/shared"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/iostreams"
)

// Options is everything `hermes auth switch` needs.
type Options struct {
	IO     *iostreams.IOStreams
	Home   func() (string, error)
	Target string
}

// NewCmd returns the `hermes auth switch` command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	opts := &Options{IO: f.IO, Home: f.HermesHome}
	return cmdutil.MarkOffline(&cobra.Command{
		Use:   "switch [anthropic] TARGET",
		Short: "Make a stored credential the one hermes uses",
		Long: `Make a stored pool credential the one hermes uses: it moves to the front of
the pool (see 'hermes auth list'). TARGET is a number, id or label from 'hermes
auth list'. The Workload Identity Federation configuration (anthropic-wif),
when there is one, is always used before the pool: remove it, or pass
--credential TARGET for one command.`,
		Example: `  hermes auth switch work
  hermes auth switch 2`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 || (len(args) == 2 && args[0] != authstore.ProviderAnthropic) {
				return cmdutil.FlagErrorf("usage: hermes auth switch [anthropic] TARGET (a number, id or label from 'hermes auth list')")
			}
			return nil
		},
		ValidArgsFunction: shared.CompleteTargets(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Target = args[len(args)-1]
			return Run(cmd.Context(), opts)
		},
	})
}

// Run moves the target to the front of the pool.
func Run(ctx context.Context, opts *Options) error {
	home, err := opts.Home()
	if err != nil {
		return err
	}
	store := authstore.Open(home)
	var chosen authstore.Target
	var wif *authstore.WIF
	err = store.Update(ctx, func(f *authstore.File) error {
		t, err := f.Find(opts.Target)
		if err != nil {
			return err
		}
		chosen, wif = t, f.WIF()
		if t.IsWIF() {
			return nil
		}
		f.Switch(t)
		return nil
	})
	if err != nil {
		return err
	}
	if chosen.IsWIF() {
		fmt.Fprintf(opts.IO.Out, "%s is already the credential hermes uses: Workload Identity Federation comes before the pool\n", chosen.Describe())
		return nil
	}
	if wif != nil {
		fmt.Fprintf(opts.IO.Out, "%s is now first in the pool, but the Workload Identity Federation configuration (anthropic-wif) is still used before it; remove it with 'hermes auth remove anthropic-wif' or pass --credential %s\n", chosen.Describe(), chosen.ID)
		return nil
	}
	fmt.Fprintf(opts.IO.Out, "Switched to %s: hermes now uses it\n", chosen.Describe())
	return nil
}
