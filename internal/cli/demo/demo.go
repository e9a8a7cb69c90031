// Package demo implements `hermes demo`.
package demo

import (
	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/cmdutil"
)

// NewCmd returns the `hermes demo` command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	return cmdutil.NotBuilt("demo", "Run the whole WIF flow on loopback, no network needed")
}
