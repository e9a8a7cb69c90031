// Package remove implements `hermes auth remove`.
package remove

import (
	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/cmdutil"
)

// NewCmd returns the `hermes auth remove` command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	return cmdutil.NotBuilt("remove", "Remove a stored credential")
}
