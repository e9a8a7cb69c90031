// Package token implements `hermes auth token`.
package token

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/iostreams"
)

// Options are the inputs of `hermes auth token`.
type Options struct {
	IO      *iostreams.IOStreams
	Resolve func(context.Context) (*credential.Runtime, error)
}

// NewCmd returns the `hermes auth token` command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	opts := &Options{IO: f.IO}
	return &cobra.Command{
		Use:   "token",
		Short: "Print the credential value alone (usable as apiKeyHelper)",
		Long: `Print the resolved credential's value, alone, followed by a newline, on
stdout: an API key, or a short-lived access token (WIF: exchanged or taken
from the shared cache). Usable as Claude Code's apiKeyHelper. Exits 4 when
there is no credential.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Resolve = f.Resolve
			return Run(cmd.Context(), opts)
		},
	}
}

// Run prints the credential value.
func Run(ctx context.Context, opts *Options) error {
	rt, err := opts.Resolve(ctx)
	if err != nil {
		return err
	}
	tok, err := rt.Tokens.Token(ctx)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(opts.IO.Out, tok.Value)
	return err
}
