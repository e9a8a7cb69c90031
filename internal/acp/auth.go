package acp

import (
	"slices"

	sdk "github.com/coder/acp-go-sdk"
)

// Auth method ids. hermes never takes a secret over the protocol: each
// method says where hermes finds a credential, and authenticate checks
// that one now resolves.
const (
	authStored   = "hermes-credential"
	authAddTerm  = "hermes-auth-add"
	authAPIKey   = "anthropic-api-key"
	authWIFEnv   = "anthropic-wif-env"
	authOAuthEnv = "anthropic-auth-token"
)

// authMethods describes hermes's credential kinds. The terminal method
// (the client runs `hermes auth add anthropic` in a terminal) is offered
// only to clients that support it.
func authMethods(terminal bool) []sdk.AuthMethod {
	methods := []sdk.AuthMethod{
		{Agent: &sdk.AuthMethodAgent{
			Id:   authStored,
			Name: "hermes credential (WIF, API key or OAuth)",
			Description: sdk.Ptr("Uses the credential `hermes auth status` shows. Add one in a terminal with " +
				"`hermes auth add anthropic --type wif` (Workload Identity Federation, no static key), " +
				"`--type api-key` or `--type oauth`, then authenticate again."),
		}},
		{EnvVar: &sdk.AuthMethodEnvVarInline{
			Id:          authWIFEnv,
			Name:        "Workload Identity Federation from the environment",
			Description: sdk.Ptr("A federation rule, organization and OIDC token file from your identity provider; hermes exchanges the token for a short-lived Anthropic token and renews it."),
			Vars: []sdk.AuthEnvVar{
				{Name: "ANTHROPIC_FEDERATION_RULE_ID", Label: sdk.Ptr("Federation rule (fdrl_…)")},
				{Name: "ANTHROPIC_ORGANIZATION_ID", Label: sdk.Ptr("Organization id")},
				{Name: "ANTHROPIC_IDENTITY_TOKEN_FILE", Label: sdk.Ptr("OIDC token file")},
				{Name: "ANTHROPIC_SERVICE_ACCOUNT_ID", Label: sdk.Ptr("Service account (svac_…)"), Optional: true},
			},
		}},
		{EnvVar: &sdk.AuthMethodEnvVarInline{
			Id:   authAPIKey,
			Name: "Anthropic API key",
			Vars: []sdk.AuthEnvVar{{Name: "ANTHROPIC_API_KEY", Label: sdk.Ptr("API key"), Secret: true}},
		}},
		{EnvVar: &sdk.AuthMethodEnvVarInline{
			Id:   authOAuthEnv,
			Name: "Anthropic OAuth token",
			Vars: []sdk.AuthEnvVar{{Name: "ANTHROPIC_AUTH_TOKEN", Label: sdk.Ptr("Bearer token"), Secret: true}},
		}},
	}
	if terminal {
		methods = append(methods, sdk.AuthMethod{Terminal: &sdk.AuthMethodTerminalInline{
			Id:          authAddTerm,
			Name:        "Add a credential to hermes",
			Description: sdk.Ptr("Runs `hermes auth add anthropic` in a terminal."),
			Args:        []string{"auth", "add", "anthropic"},
		}})
	}
	return methods
}

func knownAuthMethod(id string) bool {
	return slices.Contains([]string{authStored, authAddTerm, authAPIKey, authWIFEnv, authOAuthEnv}, id)
}
