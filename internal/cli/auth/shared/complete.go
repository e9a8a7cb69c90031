// Package shared holds what several `hermes auth` subcommands (and the
// root's --credential flag) share: the completion of stored credentials.
// It is not a command; like gh's pkg/cmd/auth/shared, only auth's
// subcommands and the root import it.
package shared

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/authstore"
	"github.com/hermes-agent/hermes/internal/cmdutil"
)

// CompleteTargets completes a stored credential (auth remove, auth
// switch): its id, label or anthropic-wif, described by what it is.
// Positional: only the last argument is a target ("anthropic" may come
// first).
func CompleteTargets(f *cmdutil.Factory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 1 || (len(args) == 1 && args[0] != authstore.ProviderAnthropic) {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return targets(f, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteCredential completes --credential: stored targets, plus env:
// and profile: forms.
func CompleteCredential(f *cmdutil.Factory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		out := targets(f, toComplete)
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

func targets(f *cmdutil.Factory, prefix string) []cobra.Completion {
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
