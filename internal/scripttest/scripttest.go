// Package scripttest is the shared harness for end-to-end tests of the real
// hermes binary with testscript: every script starts in a clean HOME and
// HERMES_HOME, with no ambient Anthropic credentials, and gets the custom
// commands registered in Cmds.
package scripttest

import (
	"github.com/rogpeppe/go-internal/testscript"
)

// Setup prepares each script's environment.
func Setup(env *testscript.Env) error {
	env.Setenv("HOME", env.WorkDir+"/home")
	env.Setenv("HERMES_HOME", env.WorkDir+"/.hermes")
	env.Setenv("ANTHROPIC_CONFIG_DIR", env.WorkDir+"/.config/anthropic")
	for _, v := range []string{
		"ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL", "ANTHROPIC_PROFILE",
		"ANTHROPIC_FEDERATION_RULE_ID", "ANTHROPIC_ORGANIZATION_ID", "ANTHROPIC_SERVICE_ACCOUNT_ID",
		"ANTHROPIC_WORKSPACE_ID", "ANTHROPIC_IDENTITY_TOKEN_FILE", "ANTHROPIC_IDENTITY_TOKEN",
		"HERMES_MODEL", "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "GCE_METADATA_HOST",
	} {
		env.Setenv(v, "")
	}
	return nil
}

// Cmds are the custom script commands (see the package's other files).
func Cmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){}
}
