// Package identity obtains OIDC identity tokens (JWTs) for Workload Identity
// Federation and inspects them locally, without trusting their signature,
// so that a doomed exchange is refused before it can burn an assertion.
package identity

import (
	"context"
	"time"
)

// Source kinds, as stored in auth.json and accepted by
// `hermes auth add anthropic --type wif`.
const (
	SourceFile          = "file"
	SourceEnv           = "env"
	SourceGitHubActions = "github-actions"
	SourceGCPMetadata   = "gcp-metadata"
	SourceAzureIMDS     = "azure-imds"
	SourceCommand       = "command"
)

// DefaultAudience is the audience requested from identity providers that
// mint on demand, and the one Anthropic federation rules usually expect.
const DefaultAudience = "https://api.anthropic.com"

// MaxTokenBytes is the largest assertion the token endpoint accepts.
const MaxTokenBytes = 16 << 10

// Config says where the identity token comes from. It is stored as the
// `identity_token` object of the WIF provider state in auth.json.
type Config struct {
	Source   string `json:"source"`             // one of the Source* kinds
	Path     string `json:"path,omitempty"`     // file
	Env      string `json:"env,omitempty"`      // env: variable name
	Audience string `json:"audience,omitempty"` // github-actions, gcp-metadata, azure-imds
	Command  string `json:"command,omitempty"`  // command: "CMD ARGS" (split like a shell, no shell run)
}

// Source yields a fresh identity token for each exchange: files are re-read
// (rotation works), endpoints are asked again.
type Source interface {
	// Token returns the raw JWT, trimmed, size-checked and inspected: a
	// token that fails an error-level check is refused here, with an error
	// that names the source and the problem and never contains the token.
	Token(ctx context.Context) (string, error)
	// Describe is a non-secret description, e.g. "file /var/run/secrets/token".
	Describe() string
	// Mints reports whether each call may yield a new JWT (github-actions,
	// gcp-metadata, azure-imds, command) rather than whatever an outside
	// process last wrote (file, env).
	Mints() bool
}

// Claims are the non-secret parts of a JWT, read without verification.
type Claims struct {
	Alg       string    `json:"alg"`
	Kid       string    `json:"kid,omitempty"`
	Issuer    string    `json:"iss,omitempty"`
	Subject   string    `json:"sub,omitempty"`
	Audience  []string  `json:"aud,omitempty"`
	IssuedAt  time.Time `json:"iat,omitzero"`
	NotBefore time.Time `json:"nbf,omitzero"`
	Expiry    time.Time `json:"exp,omitzero"`
	JTI       string    `json:"jti,omitempty"`
}
