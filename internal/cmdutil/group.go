package cmdutil

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// Group makes cmd a command group the way gh's are: run alone it shows its
// help; with an unknown subcommand (`hermes auth lst`) it is a usage error
// (exit 2) with cobra's "Did you mean this?" suggestions, not the group's
// help with exit 0.
func Group(cmd *cobra.Command) *cobra.Command {
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's own default for the root
	}
	cmd.Args = func(c *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		msg := fmt.Sprintf("unknown command %q for %q", args[0], c.CommandPath())
		if s := c.SuggestionsFor(args[0]); len(s) > 0 {
			msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t") + "\n"
		}
		return FlagErrorf("%s\nRun '%s --help' for usage.", msg, c.CommandPath())
	}
	cmd.RunE = func(c *cobra.Command, args []string) error { return c.Help() }
	return cmd
}
