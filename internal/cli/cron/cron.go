// Package cron implements `hermes cron`.
package cron

import (
	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/cmdutil"
)

// NewCmd returns the `hermes cron` command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	return cmdutil.NotBuilt("cron", "Schedule prompts that run with freshly resolved credentials")
}
