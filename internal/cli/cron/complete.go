package cron

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/cron"
)

// completeJob completes a cron job name (the first argument only).
func completeJob(f *cmdutil.Factory) cobra.CompletionFunc {
	names := completeJobNames(f)
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return names(cmd, args, toComplete)
	}
}

// completeJobNames completes cron job names not already among the
// arguments (`cron export --kubernetes JOB...`).
func completeJobNames(f *cmdutil.Factory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		home, err := f.HermesHome()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		jobs, err := cron.NewStore(home).List()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, j := range jobs {
			if strings.HasPrefix(j.Name, toComplete) && !slices.Contains(args, j.Name) {
				out = append(out, cobra.CompletionWithDesc(j.Name, j.Schedule))
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
