package identity

import "github.com/hermes-agent/hermes/internal/secret"

// outsideText prepares text from outside for an error: redacted, on one
// line, and truncated.
func outsideText(s string, secrets ...string) string {
	return secret.Outside(s, secrets...)
}
