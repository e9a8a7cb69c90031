// Package env implements `hermes auth env`.
package env

import (
	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/cmdutil"
)

// NewCmd returns the `hermes auth env` command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	return cmdutil.NotBuilt("env", "Print ANTHROPIC_* environment variables for other tools")
}
