// Package gateway implements `hermes gateway`.
package gateway

import (
	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/cmdutil"
)

// NewCmd returns the `hermes gateway` command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	return cmdutil.NotBuilt("gateway", "Run a local Anthropic-compatible gateway that adds the resolved credential")
}
