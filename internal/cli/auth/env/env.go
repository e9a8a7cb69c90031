// Package env implements `hermes auth env`.
package env

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/iostreams"
)

// Options are the inputs of `hermes auth env`.
type Options struct {
	IO      *iostreams.IOStreams
	Resolve func(context.Context) (*credential.Runtime, error)
	Format  string // shell | json
}

// NewCmd returns the `hermes auth env` command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	opts := &Options{IO: f.IO}
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "env",
		Short: "Print ANTHROPIC_* environment variables for other tools",
		Long: `Print ANTHROPIC_BASE_URL and either ANTHROPIC_AUTH_TOKEN (a bearer token:
WIF, OAuth) or ANTHROPIC_API_KEY (an API key) for the resolved credential.

  eval "$(hermes auth env)"

A WIF token is short-lived: prefer 'hermes exec' for long-running tools.

JSON output: see https://github.com/hermes-agent/hermes/blob/main/docs/JSON.md`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.JSONAlias(cmd.Flags(), asJSON, &opts.Format); err != nil {
				return err
			}
			if opts.Format != "shell" && opts.Format != "json" {
				return cmdutil.FlagErrorf("--format must be shell or json, not %q", opts.Format)
			}
			opts.Resolve = f.Resolve
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "shell", "output format: shell or json")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (same as --format json)")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"shell", "json"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// Run prints the variables.
func Run(ctx context.Context, opts *Options) error {
	rt, err := opts.Resolve(ctx)
	if err != nil {
		return err
	}
	tok, err := rt.Tokens.Token(ctx)
	if err != nil {
		return err
	}
	name := "ANTHROPIC_API_KEY"
	if rt.Mode == credential.ModeBearer {
		name = "ANTHROPIC_AUTH_TOKEN"
	}
	if opts.Format == "json" {
		return cmdutil.WriteJSON(opts.IO.Out, map[string]string{"ANTHROPIC_BASE_URL": rt.BaseURL, name: tok.Value})
	}
	_, err = fmt.Fprintf(opts.IO.Out, "export ANTHROPIC_BASE_URL=%s\nexport %s=%s\n", shellQuote(rt.BaseURL), name, shellQuote(tok.Value))
	return err
}

// shellQuote single-quotes s for POSIX shells.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
