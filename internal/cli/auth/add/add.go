// Package add implements `hermes auth add`.
package add

import (
	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/cmdutil"
)

// NewCmd returns the `hermes auth add` command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	return cmdutil.NotBuilt("add", "Add an Anthropic credential (API key, OAuth login or WIF)")
}
