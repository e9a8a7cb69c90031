package identity

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/hermes-agent/hermes/internal/termtext"
)

// sourceFlags is how a user chooses a source on `hermes auth add`; error
// messages point at it.
const sourceFlags = "--identity-token-file PATH, --identity-token-env VAR, " +
	"--identity-token-source github-actions|gcp-metadata|azure-imds or --identity-token-command 'CMD ARGS'"

var envName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`) })

// Validate checks that the kind is known and that the fields it needs are
// present, naming the flag that sets each.
func (c Config) Validate() error {
	switch c.Source {
	case "":
		return errors.New("no identity token source: choose one of " + sourceFlags)
	case SourceFile:
		if strings.TrimSpace(c.Path) == "" {
			return errors.New("--identity-token-file needs the path of the file that holds the OIDC token")
		}
	case SourceEnv:
		if c.Env == "" {
			return errors.New("--identity-token-env needs the name of the environment variable that holds the OIDC token")
		}
		if !envName().MatchString(c.Env) {
			return fmt.Errorf("--identity-token-env: %q is not an environment variable name (letters, digits and _; pass the name, not the token)", truncateName(c.Env))
		}
	case SourceCommand:
		if strings.TrimSpace(c.Command) == "" {
			return errors.New("--identity-token-command needs a command that prints the OIDC token, e.g. 'my-token-helper --audience https://api.anthropic.com'")
		}
		if _, err := splitCommand(c.Command); err != nil {
			return fmt.Errorf("--identity-token-command: %w", err)
		}
	case SourceGitHubActions, SourceGCPMetadata, SourceAzureIMDS:
		if c.Audience != "" && strings.TrimSpace(c.Audience) != c.Audience {
			return errors.New("--audience has leading or trailing spaces")
		}
		return nil
	default:
		return fmt.Errorf("unknown identity token source %q: choose one of %s", truncateName(c.Source), sourceFlags)
	}
	if c.Audience != "" {
		return fmt.Errorf("--audience applies only to --identity-token-source github-actions|gcp-metadata|azure-imds, not to the %s source", c.Source)
	}
	return nil
}

// truncateName keeps a mistaken value (which might be a token pasted in
// the wrong flag) from being echoed whole.
func truncateName(s string) string {
	if strings.HasPrefix(s, "eyJ") || len(s) > 64 {
		return s[:min(len(s), 8)] + "…"
	}
	return s
}

// audience is the audience requested from minting sources.
func (c Config) audience() string {
	if c.Audience != "" {
		return c.Audience
	}
	return DefaultAudience
}

// Describe says where the token comes from, without any secret:
// "file /path", "env VAR", "github-actions (audience …)", …
func (c Config) Describe() string {
	switch c.Source {
	case SourceFile:
		return "file " + termtext.Clean(c.Path)
	case SourceEnv:
		return "env " + termtext.Clean(c.Env)
	case SourceGitHubActions, SourceGCPMetadata, SourceAzureIMDS:
		return c.Source + " (audience " + c.audience() + ")"
	case SourceCommand:
		return DescribeCommand(c.Command)
	}
	return c.Source
}

// splitCommand splits a command line into argv like a POSIX shell does for
// words and quotes, without running a shell: no variables, globs, pipes or
// redirections. Single quotes are literal; inside double quotes a
// backslash escapes only \ " $ and `; outside quotes it escapes any byte.
func splitCommand(s string) ([]string, error) {
	var (
		args    []string
		cur     strings.Builder
		inWord  bool
		quote   byte // 0, '\'' or '"'
		escaped bool
	)
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case escaped:
			cur.WriteByte(ch)
			escaped = false
		case quote == '\'':
			if ch == '\'' {
				quote = 0
			} else {
				cur.WriteByte(ch)
			}
		case quote == '"':
			switch {
			case ch == '"':
				quote = 0
			case ch == '\\' && i+1 < len(s) && strings.IndexByte("\\\"$`", s[i+1]) >= 0:
				i++
				cur.WriteByte(s[i])
			default:
				cur.WriteByte(ch)
			}
		case ch == '\\':
			escaped, inWord = true, true
		case ch == '\'' || ch == '"':
			quote, inWord = ch, true
		case ch == ' ' || ch == '\t' || ch == '\n':
			if inWord {
				args = append(args, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(ch)
			inWord = true
		}
	}
	switch {
	case quote != 0:
		return nil, fmt.Errorf("unterminated %c quote in the command", quote)
	case escaped:
		return nil, errors.New("the command ends with a lone backslash")
	}
	if inWord {
		args = append(args, cur.String())
	}
	if len(args) == 0 {
		return nil, errors.New("the command is empty")
	}
	return args, nil
}

// NotUsableHere says why the source cannot work in this environment, or ""
// when it may: github-actions needs the variables GitHub Actions sets only
// in a job with `permissions: id-token: write`. Checked without a request.
func (c Config) NotUsableHere(getenv func(string) string) string {
	if c.Source != SourceGitHubActions {
		return ""
	}
	var missing []string
	for _, v := range []string{"ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"} {
		if getenv(v) == "" {
			missing = append(missing, v)
		}
	}
	if len(missing) == 0 {
		return ""
	}
	return "not usable here: " + strings.Join(missing, " and ") + " not set (github-actions works only inside a GitHub Actions job with `permissions: id-token: write`)"
}
