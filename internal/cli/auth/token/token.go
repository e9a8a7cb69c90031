// Package token implements `hermes auth token`.
package token

import (
	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/cmdutil"
)

// NewCmd returns the `hermes auth token` command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	return cmdutil.NotBuilt("token", "Print the credential value alone (usable as apiKeyHelper)")
}
