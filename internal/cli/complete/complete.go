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
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/authstore"
	"github.com/hermes-agent/hermes/internal/cli/factory"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/cron"
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

// Targets completes a stored credential (auth remove, auth switch): its
// id, label or anthropic-wif, described by what it is. Positional: only the
// last argument is a target ("anthropic" may come first).
func Targets(f *cmdutil.Factory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 1 || (len(args) == 1 && args[0] != authstore.ProviderAnthropic) {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return targets(f, false, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// Credential completes --credential: stored targets, plus env: and
// profile: forms.
func Credential(f *cmdutil.Factory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		out := targets(f, true, toComplete)
		for _, v := range []string{"env:ANTHROPIC_API_KEY", "env:ANTHROPIC_AUTH_TOKEN"} {
			if strings.HasPrefix(v, toComplete) {
				out = append(out, v)
			}
		}
		if strings.HasPrefix("profile:", toComplete) || strings.HasPrefix(toComplete, "profile:") {
			out = append(out, cobra.CompletionWithDesc("profile:", "an Anthropic SDK profile: profile:NAME"))
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	}
}

func targets(f *cmdutil.Factory, withNumbers bool, prefix string) []cobra.Completion {
	home, err := f.HermesHome()
	if err != nil {
		return nil
	}
	file, err := authstore.Open(home).Load()
	if err != nil {
		return nil
	}
	var out []cobra.Completion
	add := func(v, desc string) {
		if v != "" && strings.HasPrefix(v, prefix) {
			out = append(out, cobra.CompletionWithDesc(v, desc))
		}
	}
	for _, t := range file.Targets() {
		desc := "API key"
		if t.IsWIF() {
			desc = "Workload Identity Federation"
		} else if t.Entry != nil && t.Entry.AuthType == authstore.AuthTypeOAuth {
			desc = "OAuth login"
		}
		add(t.ID, desc)
		if t.Label != "" && t.Label != t.ID {
			add(t.Label, desc+" "+t.ID)
		}
	}
	return out
}

// Sessions completes a saved chat session id, newest first, described by
// its first prompt.
func Sessions(f *cmdutil.Factory) cobra.CompletionFunc {
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

// CronJobs completes a cron job name (the first argument only).
func CronJobs(f *cmdutil.Factory) cobra.CompletionFunc {
	names := CronJobNames(f)
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return names(cmd, args, toComplete)
	}
}

// CronJobNames completes cron job names not already among the arguments
// (`cron export --kubernetes JOB...`).
func CronJobNames(f *cmdutil.Factory) cobra.CompletionFunc {
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
