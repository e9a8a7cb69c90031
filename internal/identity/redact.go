package identity

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/hermes-agent/hermes/internal/secret"
)

// Outside text (server bodies, command stderr) may echo a token hermes did
// not hand out itself, so JWT- and key-shaped strings are masked as well as
// the secrets we know.
var (
	jwtShape = regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*`)
	keyShape = regexp.MustCompile(`sk-ant-[A-Za-z0-9_-]+`)
)

// redactOutside masks every known secret and every JWT- or key-shaped
// string in s.
func redactOutside(s string, secrets ...string) string {
	s = secret.Redact(s, secrets...)
	s = jwtShape.ReplaceAllStringFunc(s, secret.Mask)
	return keyShape.ReplaceAllStringFunc(s, secret.Mask)
}

// maxOutsideText bounds how much of a server body or stderr reaches an error.
const maxOutsideText = 300

// outsideText prepares text from outside for an error: redacted, on one
// line, and truncated.
func outsideText(s string, secrets ...string) string {
	s = redactOutside(s, secrets...)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxOutsideText {
		cut := maxOutsideText
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
