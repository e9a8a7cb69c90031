package identity

import (
	"strings"

	"github.com/hermes-agent/hermes/internal/termtext"
)

// DescribeCommand shows an --identity-token-command line without what in
// it looks like a secret: the program and its arguments, with every
// argument that looks like a credential (a known token prefix, a long
// opaque string, the value of a --token/--password/-H … flag or of a
// NAME=VALUE whose name says secret) replaced by "***". A command line
// often carries one (--header 'Authorization: token ghp_…'), and the
// description is shown by auth list, auth status, cron logs and the
// gateway banner.
func DescribeCommand(line string) string {
	argv, err := splitCommand(line)
	if err != nil || len(argv) == 0 {
		return "command (unparsable)"
	}
	out := []string{quoteArg(termtext.Clean(argv[0]))}
	secretNext := false
	for _, a := range argv[1:] {
		switch {
		case secretNext:
			out = append(out, maskedArg)
			secretNext = false
			continue
		case strings.HasPrefix(a, "-"):
			name, value, hasValue := strings.Cut(a, "=")
			if secretFlag(name) {
				if hasValue {
					out = append(out, name+"="+maskedArg)
				} else {
					out = append(out, name)
					secretNext = true
				}
				continue
			}
			if hasValue && looksSecret(value) {
				out = append(out, name+"="+maskedArg)
				continue
			}
		case looksSecret(a):
			out = append(out, maskedArg)
			continue
		default:
			if name, _, ok := strings.Cut(a, "="); ok && secretWord(name) {
				out = append(out, name+"="+maskedArg)
				continue
			}
		}
		out = append(out, quoteArg(termtext.Clean(a)))
	}
	return "command `" + strings.Join(out, " ") + "`"
}

const maskedArg = "***"

// secretFlag: flags whose value is a credential or a header (which may be one).
func secretFlag(name string) bool {
	n := strings.ToLower(strings.TrimLeft(name, "-"))
	return n == "h" || n == "header" || n == "u" || n == "user" || n == "b" || n == "cookie" || n == "oauth2-bearer" || secretWord(n)
}

func secretWord(s string) bool {
	s = strings.ToLower(s)
	for _, w := range []string{"token", "secret", "password", "passwd", "pass", "key", "bearer", "auth", "credential", "cookie"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// looksSecret: a value that is a credential whatever flag carries it.
func looksSecret(v string) bool {
	lv := strings.ToLower(v)
	for _, p := range []string{"ghp_", "gho_", "ghs_", "ghu_", "ghr_", "github_pat_", "glpat-", "sk-", "xoxb-", "xoxp-", "xoxa-", "akia", "asia", "eyj", "hgw_", "bearer ", "token ", "basic "} {
		if strings.HasPrefix(lv, p) {
			return true
		}
	}
	if strings.Contains(lv, "authorization:") || strings.Contains(lv, "://") && strings.Contains(v[strings.Index(v, "://")+3:], "@") {
		return true
	}
	// A long opaque string: no path or URL, letters and digits mixed.
	if len(v) < 24 || strings.ContainsAny(v, "/ :") {
		return false
	}
	var letters, digits bool
	for _, r := range v {
		switch {
		case r >= '0' && r <= '9':
			digits = true
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			letters = true
		case strings.ContainsRune("_-+=.~", r):
		default:
			return false
		}
	}
	return letters && digits
}

// quoteArg single-quotes an argument that a shell would split.
func quoteArg(a string) string {
	if a != "" && !strings.ContainsAny(a, " \t'\"\\$`") {
		return a
	}
	return "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
}
