package credential

import "strings"

// credentialVars is the one list of environment variables that can yield
// an Anthropic credential, directly (a key or token), by exchange (an
// identity token, or what fetches one) or by pointing at where one is
// stored (a profile, a config directory, a hermes home). hermes exec
// strips them from its child, logout names those still set, the demo
// and the tests start without them. README and docs/DESIGN.md list them.
var credentialVars = []string{
	"ANTHROPIC_API_KEY",
	"ANTHROPIC_AUTH_TOKEN",
	"ANTHROPIC_ADMIN_KEY",
	"CLAUDE_CODE_OAUTH_TOKEN",
	"CLAUDE_CODE_OAUTH_REFRESH_TOKEN",
	"ANTHROPIC_PROFILE",
	"ANTHROPIC_CONFIG_DIR",
	"ANTHROPIC_FEDERATION_RULE_ID",
	"ANTHROPIC_ORGANIZATION_ID",
	"ANTHROPIC_SERVICE_ACCOUNT_ID",
	"ANTHROPIC_WORKSPACE_ID",
	"ANTHROPIC_IDENTITY_TOKEN_FILE",
	"ANTHROPIC_IDENTITY_TOKEN",
	"ACTIONS_ID_TOKEN_REQUEST_TOKEN",
	"ACTIONS_ID_TOKEN_REQUEST_URL",
	"HERMES_HOME",
}

// platformSecretVars hold the secrets of the other services hermes talks
// to: the chat platforms `hermes bot` and --deliver use, and the
// telemetry collector's headers (its credentials). They are not Anthropic
// credentials (exec's child keeps them: the tool it runs may post to Slack
// or export telemetry itself), but no command the model runs may read them.
var platformSecretVars = []string{
	"TELEGRAM_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET",
	"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_METRICS_HEADERS", "OTEL_EXPORTER_OTLP_LOGS_HEADERS",
}

// PlatformSecretVars returns the other services' secret variables (a copy).
func PlatformSecretVars() []string { return append([]string(nil), platformSecretVars...) }

// CredentialVars returns the list (a copy), in documentation order.
func CredentialVars() []string { return append([]string(nil), credentialVars...) }

// CredentialEnv reports whether the environment variable name can yield an
// Anthropic credential. Names compare case-insensitively (Windows).
func CredentialEnv(name string) bool {
	for _, v := range credentialVars {
		if strings.EqualFold(name, v) {
			return true
		}
	}
	return false
}

// ScrubEnv returns env (NAME=value entries) without every variable for
// which CredentialEnv is true and without the extra names (variables that
// this configuration reads a credential from: --credential env:VAR, an
// --identity-token-env VAR). env itself is not modified.
func ScrubEnv(env []string, extra ...string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if CredentialEnv(name) || containsFold(extra, name) {
			continue
		}
		out = append(out, kv)
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if v != "" && strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
