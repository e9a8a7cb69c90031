package models

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/models"
)

// listTimeout bounds a completion that asks the API: a shell waits for it.
const listTimeout = 5 * time.Second

// CompleteModels completes a model id from GET /v1/models with the
// credential resolveQuietly returns (no resolver notices, no logs), and
// nothing at all when no credential resolves or the API cannot be asked.
// The root hands it to the other commands as Factory.CompleteModel.
func CompleteModels(f *cmdutil.Factory, resolveQuietly func(context.Context) (*credential.Runtime, error)) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		ctx, cancel := context.WithTimeout(context.Background(), listTimeout)
		defer cancel()
		rt, err := resolveQuietly(ctx)
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
