package resolve

import (
	"path/filepath"
	"slices"
	"strings"

	"github.com/anthropics/anthropic-sdk-go/v2/config"

	"github.com/hermes-agent/hermes/internal/identity"
	"github.com/hermes-agent/hermes/internal/oauth"
)

// SecretPaths lists the credential stores the agent's file tools must
// never read or write (agent.Config.Protected): HERMES_HOME (auth.json,
// the WIF token cache, gateway.key, sessions), the SDK's config directory
// (profiles and their credentials files) as this resolver sees it and as
// the SDK itself does, and the identity-token file of every candidate,
// used or not: a JWT is a credential all the same; and Claude Code's
// credentials file, which hermes can use in place.
func (r *Resolver) SecretPaths() []string {
	paths := []string{r.Home, r.configDir(), config.DefaultDir(), r.getenv("ANTHROPIC_IDENTITY_TOKEN_FILE"), oauth.ClaudeCodePath(r.getenv)}
	// The config directory's fallbacks, whichever one applies.
	if x := r.getenv("XDG_CONFIG_HOME"); x != "" {
		paths = append(paths, filepath.Join(x, "anthropic"))
	}
	if h := r.getenv("HOME"); h != "" {
		// ~/.ssh too: keys are credentials, and bash's sandbox hides
		// this same list.
		paths = append(paths, filepath.Join(h, ".config", "anthropic"), filepath.Join(h, ".ssh"))
	}
	cands, _ := r.walk()
	for _, c := range cands {
		if c.wif != nil && c.wif.Identity.Source == identity.SourceFile {
			paths = append(paths, c.wif.Identity.Path)
		}
	}
	var out []string
	for _, p := range paths {
		if p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// SecretEnv lists the variables beyond credential.CredentialVars that this
// configuration reads a credential from: the VAR of --credential env:VAR
// and the identity-token variable of every WIF candidate, used or not.
// A child process (exec's command, the agent's bash, a browser helper)
// must not inherit them: credential.ScrubEnv(env, r.SecretEnv()...).
func (r *Resolver) SecretEnv() []string {
	var out []string
	add := func(name string) {
		if name != "" && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	if name, ok := strings.CutPrefix(r.Credential, "env:"); ok {
		add(name)
	}
	cands, _ := r.walk()
	for _, c := range cands {
		if c.wif != nil && c.wif.Identity.Source == identity.SourceEnv {
			add(c.wif.Identity.Env)
		}
	}
	return out
}
