package cmdutil

import (
	"errors"
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
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[groupAnnotation] = "true"
	return cmd
}

const groupAnnotation = "hermes:group"

// IsGroup reports whether cmd was made a group by Group: run alone it only
// shows its help. A command with subcommands that does work of its own
// (`hermes gateway` serves; `gateway usage` is below it) is not a group.
func IsGroup(cmd *cobra.Command) bool { return cmd.Annotations[groupAnnotation] == "true" }

// ArgsAsFlagErrors makes every positional-argument error in the tree under
// root a FlagError (exit 2), the way gh's commands return them: cobra's own
// validators (ExactArgs, MaximumNArgs, …) return plain errors, and the root's
// "unknown command" check runs only when a command has no validator. Call it
// once the tree is complete.
func ArgsAsFlagErrors(root *cobra.Command) {
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	if root.Args == nil && root.RunE == nil && root.Run == nil {
		// A non-runnable root shows its help before validating arguments, so
		// the root becomes a group: alone it shows help, else exit 2.
		Group(root)
	}
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		if validate := c.Args; validate != nil {
			c.Args = func(c *cobra.Command, args []string) error {
				err := validate(c, args)
				var fe *FlagError
				if err == nil || errors.As(err, &fe) {
					return err
				}
				return &FlagError{Err: err}
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
