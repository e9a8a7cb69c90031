package chat

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/cmdutil"
)

// completeSessions completes a saved chat session id, newest first,
// described by its first prompt.
func completeSessions(f *cmdutil.Factory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		home, err := f.HermesHome()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		list, err := agent.NewStore(home).List()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, s := range list {
			if s.Err == "" && strings.HasPrefix(s.ID, toComplete) {
				out = append(out, cobra.CompletionWithDesc(s.ID, s.Title))
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveKeepOrder
	}
}
