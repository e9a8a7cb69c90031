// Package logout implements `hermes auth logout`.
package logout

import (
	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/cmdutil"
)

// NewCmd returns the `hermes auth logout` command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	return cmdutil.NotBuilt("logout", "Remove every stored credential of a provider")
}
