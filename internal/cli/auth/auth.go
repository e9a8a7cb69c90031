// Package auth assembles `hermes auth`; each subcommand lives in its own package.
package auth

import (
	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/cli/auth/add"
	"github.com/hermes-agent/hermes/internal/cli/auth/env"
	"github.com/hermes-agent/hermes/internal/cli/auth/importprofile"
	"github.com/hermes-agent/hermes/internal/cli/auth/list"
	"github.com/hermes-agent/hermes/internal/cli/auth/logout"
	"github.com/hermes-agent/hermes/internal/cli/auth/remove"
	"github.com/hermes-agent/hermes/internal/cli/auth/status"
	"github.com/hermes-agent/hermes/internal/cli/auth/switchcmd"
	"github.com/hermes-agent/hermes/internal/cli/auth/token"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/credential/resolve"
)

// NewCmd returns the `hermes auth` command group. newResolver builds the
// credential resolver for the current settings (the root wires
// internal/cli/factory's): status reports its walk, add --check exchanges
// through it.
func NewCmd(f *cmdutil.Factory, newResolver func() *resolve.Resolver) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth",
		Short: "Manage Anthropic credentials: API keys, OAuth and Workload Identity Federation",
	}
	cmdutil.Group(cmd)
	cmd.AddCommand(
		add.NewCmd(f, newResolver),
		list.NewCmd(f),
		remove.NewCmd(f),
		switchcmd.NewCmd(f),
		status.NewCmd(f, newResolver),
		token.NewCmd(f),
		env.NewCmd(f),
		logout.NewCmd(f),
		importprofile.NewCmd(f),
	)
	return cmd
}
