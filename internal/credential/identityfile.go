package credential

// IdentityTokenFiler is implemented by token sources that read identity
// tokens (JWTs) from a file (WIF with a file source).
type IdentityTokenFiler interface {
	IdentityTokenFile() string
}

// IdentityTokenFile is the file this runtime reads identity tokens (JWTs)
// from: set for WIF with a file source, "" otherwise. Tools that read
// files (the agent's read_file) keep it out of the model's reach.
func (rt *Runtime) IdentityTokenFile() string {
	if rt == nil {
		return ""
	}
	if s, ok := rt.Tokens.(IdentityTokenFiler); ok {
		return s.IdentityTokenFile()
	}
	return ""
}
