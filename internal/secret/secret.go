// Package secret masks credentials for display. Every place hermes shows a
// key, token or assertion goes through Mask; nothing else prints one.
//
// Text from outside (server bodies, command stderr, errors that quote
// them) is redacted two ways before it reaches any output or file: by the
// values in play (every credential this process resolved, exchanged or
// handed out, registered with Remember) and by shape (Anthropic keys,
// gateway keys, JWTs, even cut short). Values are redacted before any
// truncation, so a cut never leaves half a secret unrecognisable.
package secret

import (
	"regexp"
	"sort"
	"strings"
	"sync"
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
	if prefix == "" && len(rest) < 24 {
		// An unknown kind: its first characters may be all there is to it.
		return "…" + rest[len(rest)-3:]
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

// MinKnownLen is the shortest value Redact and Remember act on: shorter
// strings would mask ordinary words.
const MinKnownLen = 8

// maxRemembered bounds the values in play kept by one process; the oldest
// go first (a long-running gateway exchanges a token every few minutes).
const maxRemembered = 256

// inPlay holds the values in play. It has no getter: the only thing one
// can do with it is redact text.
var inPlay struct {
	sync.RWMutex
	order  []string
	set    map[string]bool
	sorted []string // longest first, rebuilt on change
}

// Remember registers secret values in play in this process (a resolved
// API key or bearer token, an identity token, an exchanged access token, a
// gateway key) so that every later redaction masks them wherever they
// appear, whatever their shape. It never shows them anywhere.
func Remember(values ...string) {
	var add []string
	inPlay.RLock()
	for _, v := range values {
		if len(v) >= MinKnownLen && !inPlay.set[v] {
			add = append(add, v)
		}
	}
	inPlay.RUnlock()
	if len(add) == 0 {
		return
	}
	inPlay.Lock()
	defer inPlay.Unlock()
	if inPlay.set == nil {
		inPlay.set = map[string]bool{}
	}
	for _, v := range add {
		if inPlay.set[v] {
			continue
		}
		inPlay.set[v] = true
		inPlay.order = append(inPlay.order, v)
	}
	for len(inPlay.order) > maxRemembered {
		delete(inPlay.set, inPlay.order[0])
		inPlay.order = inPlay.order[1:]
	}
	inPlay.sorted = append([]string(nil), inPlay.order...)
	sort.Slice(inPlay.sorted, func(i, j int) bool { return len(inPlay.sorted[i]) > len(inPlay.sorted[j]) })
}

// Forget drops every remembered value (tests).
func Forget() {
	inPlay.Lock()
	inPlay.order, inPlay.set, inPlay.sorted = nil, nil, nil
	inPlay.Unlock()
}

// Redact replaces every occurrence of each non-empty secret in s, and of
// every value in play (see Remember), with its mask. Used on text that
// comes from outside (server bodies, command stderr) before it reaches an
// error message.
func Redact(s string, secrets ...string) string {
	if s == "" {
		return s
	}
	for _, v := range secrets {
		if len(v) >= MinKnownLen {
			s = strings.ReplaceAll(s, v, Mask(v))
		}
	}
	inPlay.RLock()
	known := inPlay.sorted
	inPlay.RUnlock()
	for _, v := range known {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, Mask(v))
		}
	}
	return s
}

// Shapes of credentials in outside text that hermes did not hand out
// itself. Built on first use: `hermes auth token` runs on every request of
// other tools, and start-up must stay cheap.
var (
	// A JWT, or the start of one cut short (header, and payload if any).
	jwtShape = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}(\.[A-Za-z0-9_-]*){0,2}`)
	})
	keyShape = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`sk-ant-[A-Za-z0-9_-]+|hgw_[A-Za-z0-9_-]{8,}`)
	})
)

// RedactShapes is Redact plus the masking of every JWT-, Anthropic-key- or
// gateway-key-shaped string in s.
func RedactShapes(s string, secrets ...string) string {
	s = Redact(s, secrets...)
	if strings.Contains(s, "eyJ") {
		s = jwtShape().ReplaceAllStringFunc(s, Mask)
	}
	if strings.Contains(s, "sk-ant-") || strings.Contains(s, "hgw_") {
		s = keyShape().ReplaceAllStringFunc(s, Mask)
	}
	return s
}

// MaxOutsideText bounds how much outside text reaches an error.
const MaxOutsideText = 300

// Outside prepares text from outside for an error message: RedactShapes,
// on one line, and cut to MaxOutsideText bytes (at a rune boundary) —
// redacted before it is cut.
func Outside(s string, secrets ...string) string {
	s = RedactShapes(s, secrets...)
	s = strings.Join(strings.Fields(s), " ")
	return Truncate(s, MaxOutsideText)
}

// Truncate cuts already-redacted s to at most n bytes at a rune boundary,
// with "…" when it cut.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// URL shows a URL without its userinfo (user:password@), which may be a
// credential; the password, if any, is remembered as a value in play. An
// unparsable URL loses everything between "://" and the last "@" of its
// authority.
func URL(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return u
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndex(rest[:end], "@")
	if at < 0 {
		return u
	}
	userinfo := rest[:at]
	if _, pw, ok := strings.Cut(userinfo, ":"); ok {
		Remember(pw)
	}
	Remember(userinfo)
	return scheme + "://" + rest[at+1:]
}
