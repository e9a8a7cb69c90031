// Package complete holds the shell completion of flag values and
// arguments: fixed choices, and lists read from HERMES_HOME (sessions,
// cron jobs, credentials) or the API (models). A completion never prints
// to the terminal and never fails loudly: when it cannot list, it offers
// nothing.
package complete

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/cli/factory"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/models"
)

// listTimeout bounds a completion that asks the API: a shell waits for it.
const listTimeout = 5 * time.Second

// Fixed completes one of values (no files).
func Fixed(values ...string) cobra.CompletionFunc {
	return cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp)
}

// Models completes a model id from GET /v1/models with the credential
// hermes resolves, quietly: no resolver notices, no logs, and nothing at
// all when no credential resolves or the API cannot be asked.
func Models(f *cmdutil.Factory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		ctx, cancel := context.WithTimeout(context.Background(), listTimeout)
		defer cancel()
		r := factory.Resolver(f)
		r.Stderr = io.Discard
		r.Logger = slog.New(slog.DiscardHandler)
		rt, err := r.Resolve(ctx)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		list, err := models.List(ctx, rt, f.Getenv("HERMES_MODEL"))
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, m := range list {
			if strings.HasPrefix(m.ID, toComplete) {
				desc := m.DisplayName
				if m.Default {
					desc += " (default)"
				}
				out = append(out, cobra.CompletionWithDesc(m.ID, desc))
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
