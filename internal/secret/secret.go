// Package secret masks credentials for display. Every place hermes shows a
// key, token or assertion goes through Mask; nothing else prints one.
package secret

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// knownPrefixes are kept visible so a user can tell key kinds apart.
var knownPrefixes = []string{"sk-ant-api03-", "sk-ant-oat01-", "sk-ant-ort01-", "sk-ant-admin01-", "sk-ant-", "hgw_"}

// Mask shows a credential's kind and a few characters at each end:
// "sk-ant-api03-abc…xyz". Short or unknown values show less, never more
// than a quarter of the secret.
func Mask(v string) string {
	if v == "" {
		return ""
	}
	prefix := ""
	for _, p := range knownPrefixes {
		if strings.HasPrefix(v, p) {
			prefix = p
			break
		}
	}
	if prefix == "" && strings.HasPrefix(v, "eyJ") {
		// A JWT: say what it is, show nothing of it.
		return "eyJ…(JWT, " + itoa(len(v)) + " bytes)"
	}
	rest := v[len(prefix):]
	if len(rest) < 12 {
		return prefix + "…"
	}
	return prefix + rest[:3] + "…" + rest[len(rest)-3:]
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// Redact replaces every occurrence of each non-empty secret in s with its
// mask. Used on text that comes from outside (server bodies, command
// stderr) before it reaches an error message.
func Redact(s string, secrets ...string) string {
	for _, v := range secrets {
		if len(v) >= 8 {
			s = strings.ReplaceAll(s, v, Mask(v))
		}
	}
	return s
}

// Text from outside (server bodies, command stderr) may echo a credential
// hermes did not hand out itself, so key- and JWT-shaped strings are masked
// as well as the secrets the caller knows.
var (
	jwtShape = regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*`)
	keyShape = regexp.MustCompile(`sk-ant-[A-Za-z0-9_-]+`)
)

// RedactShapes is Redact plus the masking of every JWT- or
// Anthropic-key-shaped string in s.
func RedactShapes(s string, secrets ...string) string {
	s = Redact(s, secrets...)
	s = jwtShape.ReplaceAllStringFunc(s, Mask)
	return keyShape.ReplaceAllStringFunc(s, Mask)
}

// MaxOutsideText bounds how much outside text reaches an error.
const MaxOutsideText = 300

// Outside prepares text from outside for an error message: RedactShapes,
// on one line, and cut to MaxOutsideText bytes (at a rune boundary).
func Outside(s string, secrets ...string) string {
	s = RedactShapes(s, secrets...)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > MaxOutsideText {
		cut := MaxOutsideText
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
