package credential

import "github.com/hermes-agent/hermes/internal/identity"

// IdentityTokenFile is the file this runtime reads identity tokens (JWTs)
// from: set for WIF with a file source, "" otherwise. Tools that read
// files (the agent's read_file) keep it out of the model's reach.
func (rt *Runtime) IdentityTokenFile() string {
	if rt == nil {
		return ""
	}
	if s, ok := rt.Tokens.(*wifSource); ok && s.cfg.Identity.Source == identity.SourceFile {
		return s.cfg.Identity.Path
	}
	return ""
}
