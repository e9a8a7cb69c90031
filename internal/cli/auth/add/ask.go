package add

import (
	"context"
	"slices"

	"github.com/hermes-agent/hermes/internal/identity"
)

// sourceMenu is offered on a terminal when no identity token source was given.
var sourceMenu = []struct{ kind, label, question string }{
	{identity.SourceFile, "a file the platform writes (Kubernetes projected token, CI-written file)", "Path of the identity token file: "},
	{identity.SourceEnv, "an environment variable", "Name of the environment variable: "},
	{identity.SourceGitHubActions, "GitHub Actions (requested when needed)", ""},
	{identity.SourceGCPMetadata, "GCP metadata server", ""},
	{identity.SourceAzureIMDS, "Azure IMDS (managed identity)", ""},
	{identity.SourceCommand, "a command that prints the token", "Command (CMD ARGS): "},
}

// askMissingWIF asks for what the flags left out, on a terminal.
func askMissingWIF(ctx context.Context, opts *Options) error {
	wf := &opts.WIF
	ask := func(dst *string, question string) error {
		if *dst != "" {
			return nil
		}
		v, err := opts.Prompter.Input(ctx, question)
		*dst = v
		return err
	}
	if err := ask(&wf.RuleID, "Federation rule ID (fdrl_…): "); err != nil {
		return err
	}
	if err := ask(&wf.OrgID, "Organization ID (UUID): "); err != nil {
		return err
	}
	if !opts.given("service-account-id") {
		if err := ask(&wf.ServiceAccountID, "Service account ID (svac_…, Enter for none): "); err != nil {
			return err
		}
	}
	if !opts.given("workspace-id") {
		if err := ask(&wf.WorkspaceID, "Workspace ID (wrkspc_… or default, Enter for none): "); err != nil {
			return err
		}
	}
	if wf.TokenFile != "" || wf.TokenEnv != "" || wf.TokenSource != "" || wf.TokenCommand != "" {
		return nil
	}
	labels := make([]string, len(sourceMenu))
	for i, s := range sourceMenu {
		labels[i] = s.label
	}
	i, err := opts.Prompter.Select(ctx, "Where does the workload's OIDC identity token come from?", labels)
	if err != nil {
		return err
	}
	switch s := sourceMenu[i]; s.kind {
	case identity.SourceFile:
		return ask(&wf.TokenFile, s.question)
	case identity.SourceEnv:
		return ask(&wf.TokenEnv, s.question)
	case identity.SourceCommand:
		return ask(&wf.TokenCommand, s.question)
	default:
		wf.TokenSource = s.kind
		return nil
	}
}

func (o *Options) given(flag string) bool { return slices.Contains(o.setFlags, flag) }
