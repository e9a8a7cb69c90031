package cmdutil

import "github.com/spf13/cobra"

// Shell completion never prints to the terminal and never fails loudly:
// when it cannot list, it offers nothing. Each command completes the data
// it owns (sessions in chat, jobs in cron, credentials in auth, models in
// models); the helpers here are the generic ones and the hand-offs between
// commands that the root wires through the Factory.

// CompleteFixed completes one of values (no files).
func CompleteFixed(values ...string) cobra.CompletionFunc {
	return cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp)
}

// CompleteModels completes a --model value with f.CompleteModel, read
// when the shell asks (so the order in which the root builds commands and
// wires the Factory does not matter); nothing when it is unset.
func CompleteModels(f *Factory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if f.CompleteModel == nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return f.CompleteModel(cmd, args, toComplete)
	}
}
