package identity

import (
	"path/filepath"
	"strings"

	"github.com/hermes-agent/hermes/internal/termtext"
)

// DescribeCommand shows an --identity-token-command line as its program's
// name and "…": never its arguments. A command line often carries a
// secret (--header 'Authorization: token ghp_…', a password after a flag
// whose name says nothing), no list of secret shapes catches them all,
// and the description is shown by auth list, auth status, cron logs and
// the gateway banner.
func DescribeCommand(line string) string {
	argv, err := splitCommand(line)
	if err != nil || len(argv) == 0 {
		return "command (unparsable)"
	}
	prog := argv[0]
	if strings.Contains(prog, "=") || looksSecret(prog) {
		// A leading NAME=VALUE (an environment assignment) or a secret
		// where the program should be: show nothing of it.
		return "command `…`"
	}
	name := termtext.Clean(filepath.Base(prog))
	if len(argv) == 1 {
		return "command `" + quoteArg(name) + "`"
	}
	return "command `" + quoteArg(name) + " …`"
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
