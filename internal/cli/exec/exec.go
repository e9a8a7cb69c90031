// Package exec implements `hermes exec`.
package exec

import (
	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/cmdutil"
)

// NewCmd returns the `hermes exec` command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	return cmdutil.NotBuilt("exec", "Run a command with short-lived Anthropic credentials")
}
