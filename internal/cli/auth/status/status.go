// Package status implements `hermes auth status`.
package status

import (
	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/cmdutil"
)

// NewCmd returns the `hermes auth status` command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	return cmdutil.NotBuilt("status", "Show every credential source, which one wins and why")
}
