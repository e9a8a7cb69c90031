package credential

import (
	"slices"
	"strings"
	"testing"
)

// Issue 11 item 6: one list, and ScrubEnv drops it plus the extra names.
func TestScrubEnv(t *testing.T) {
	t.Parallel()
	env := []string{"PATH=/bin", "ANTHROPIC_MODEL=m", "MY_OIDC=eyJx", "MY_KEY=k", "ANTHROPIC_BASE_URL=https://x"}
	for _, v := range CredentialVars() {
		env = append(env, v+"=secret")
	}
	env = append(env, "claude_code_oauth_token=lower")
	got := ScrubEnv(env, "MY_OIDC", "MY_KEY")
	want := []string{"PATH=/bin", "ANTHROPIC_MODEL=m", "ANTHROPIC_BASE_URL=https://x"}
	if !slices.Equal(got, want) {
		t.Errorf("ScrubEnv = %v, want %v", got, want)
	}
	for _, must := range []string{"ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN", "ANTHROPIC_ADMIN_KEY", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL", "ANTHROPIC_CONFIG_DIR", "HERMES_HOME", "ANTHROPIC_IDENTITY_TOKEN_FILE", "ANTHROPIC_PROFILE"} {
		if !CredentialEnv(must) || !CredentialEnv(strings.ToLower(must)) {
			t.Errorf("CredentialEnv(%s) = false", must)
		}
	}
}
