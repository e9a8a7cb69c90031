package identity

import "github.com/hermes-agent/hermes/internal/secret"

// redactOutside masks every known secret and every JWT- or key-shaped
// string in s (outside text may echo a token hermes did not hand out).
func redactOutside(s string, secrets ...string) string {
	return secret.RedactShapes(s, secrets...)
}

// outsideText prepares text from outside for an error: redacted, on one
// line, and truncated.
func outsideText(s string, secrets ...string) string {
	return secret.Outside(s, secrets...)
}
