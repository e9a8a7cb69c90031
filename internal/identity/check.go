package identity

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/hermes-agent/hermes/internal/exitcode"
	"github.com/hermes-agent/hermes/internal/fsutil"
)

// ClockSkew is the leeway Anthropic's token endpoint allows on exp, nbf
// and iat; the local checks use the same so they never refuse a token the
// server would take.
const ClockSkew = 30 * time.Second

// maxReadBytes bounds what is read from a token file, a command or an
// endpoint, so a mistaken source never fills memory; anything above
// MaxTokenBytes is refused anyway.
const maxReadBytes = 1 << 20

// Severity says whether a finding dooms the exchange.
type Severity int

const (
	// Warning: the exchange may still succeed (e.g. a rule with another
	// audience), so it is only reported.
	Warning Severity = iota + 1
	// Error: the exchange would fail; it is refused before any exchange so
	// that the assertion is not burnt.
	Error
)

func (s Severity) String() string {
	switch s {
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return fmt.Sprintf("Severity(%d)", int(s))
}

// MarshalText makes JSON output (e.g. `auth status --json`) say "warning"
// or "error" rather than a number.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads what MarshalText wrote.
func (s *Severity) UnmarshalText(b []byte) error {
	switch string(b) {
	case "warning":
		*s = Warning
	case "error":
		*s = Error
	default:
		return fmt.Errorf("unknown severity %q", b)
	}
	return nil
}

// Finding is one problem with an identity token. Message names the problem
// and what to do in plain words; it never contains the token and does not
// repeat the origin (callers say where the token came from).
type Finding struct {
	Severity Severity `json:"severity"`
	Code     string   `json:"code"`
	Message  string   `json:"message"`
}

func (f Finding) String() string { return f.Severity.String() + ": " + f.Message }

// Errors returns the error-level findings of fs.
func Errors(findings []Finding) []Finding {
	var out []Finding
	for _, f := range findings {
		if f.Severity == Error {
			out = append(out, f)
		}
	}
	return out
}

// TokenError refuses an identity token before it is exchanged.
type TokenError struct {
	Source   string // Describe() of the source, e.g. "file /run/token"
	Findings []Finding
}

func (e *TokenError) Error() string {
	msgs := make([]string, len(e.Findings))
	for i, f := range e.Findings {
		msgs[i] = f.Message
	}
	return fmt.Sprintf("identity token from %s cannot be used: %s", e.Source, strings.Join(msgs, "; "))
}

// ExitCode makes cmdutil map a refused token to exit 4 (authentication).
func (e *TokenError) ExitCode() int { return exitcode.Auth }

// CheckFile runs Check on the file at path, reporting a missing or
// unreadable file first.
func CheckFile(path string, now time.Time) []Finding {
	data, f := readTokenFile(path)
	if f != nil {
		return []Finding{*f}
	}
	return Check(data, "file "+path, now)
}

// readTokenFile reads a token file, or says why it cannot.
func readTokenFile(path string) ([]byte, *Finding) {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, &Finding{Error, "missing", "the file does not exist: check the path; a CI token file often appears only when the job runs, so this is expected when adding the configuration outside the job"}
	case err != nil:
		return nil, &Finding{Error, "unreadable", fmt.Sprintf("the file cannot be read (%v): check its permissions", errors.Unwrap(err))}
	case st.IsDir():
		return nil, &Finding{Error, "unreadable", "the path is a directory: point at the token file inside it"}
	case !st.Mode().IsRegular():
		// A FIFO would block the read (and status) forever.
		return nil, &Finding{Error, "unreadable", "the path is not a regular file (a FIFO, socket or device): point at the token file itself"}
	case st.Mode().IsRegular() && st.Size() > maxReadBytes:
		return nil, tooLarge(st.Size(), "the file")
	}
	data, err := fsutil.ReadFileLimited(path, maxReadBytes)
	if err != nil {
		return nil, &Finding{Error, "unreadable", fmt.Sprintf("the file cannot be read (%v): check its permissions", unwrapPathError(err))}
	}
	return data, nil
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func tooLarge(n int64, what string) *Finding {
	return &Finding{Error, "too_large", fmt.Sprintf("%s holds %d bytes, more than the %d bytes (16 KiB) Anthropic accepts for an assertion: it must contain only the OIDC JWT", what, n, MaxTokenBytes)}
}

// Check inspects raw (trimmed first) as a WIF assertion and lists what is
// wrong with it. origin is the source's description ("file /path", "env
// VAR", "command `…`", "github-actions …"); it only shapes the advice.
// now is compared with exp, nbf and iat using ClockSkew.
func Check(raw []byte, origin string, now time.Time) []Finding {
	s := strings.TrimSpace(string(raw))
	what := subject(origin)
	if s == "" {
		return []Finding{emptyFinding(origin, what)}
	}
	if f := yamlFinding(s, what); f != nil {
		return []Finding{*f}
	}
	if len(s) > MaxTokenBytes {
		return []Finding{*tooLarge(int64(len(s)), what)}
	}
	c, err := Inspect(s)
	if err != nil {
		return []Finding{notJWT(s, what, err)}
	}
	return checkClaims(c, now, audienceAdvice(origin))
}

// audienceAdvice says how to get a token with the right audience from
// the source at origin: --audience sets it only where hermes fetches the
// token; a file, variable or command hands hermes a token someone else
// requested.
func audienceAdvice(origin string) string {
	kind, _, _ := strings.Cut(origin, " ")
	switch kind {
	case SourceFile, SourceEnv, SourceCommand:
		return "have whatever writes " + subject(origin) + " request it (a Kubernetes projected token's audience field, getIDToken's audience in GitHub Actions, your identity provider's setting; --audience applies only to tokens hermes fetches)"
	}
	return "request the token with it (--audience)"
}

// subject names what held the token, for messages.
func subject(origin string) string {
	kind, _, _ := strings.Cut(origin, " ")
	switch kind {
	case SourceFile:
		return "the file"
	case SourceEnv:
		return "the variable"
	case SourceCommand:
		return "the command's output"
	case SourceGitHubActions, SourceGCPMetadata, SourceAzureIMDS:
		return "the identity provider's token"
	}
	return "the identity token"
}

func emptyFinding(origin, what string) Finding {
	advice := "it must contain one OIDC JWT"
	switch {
	case strings.HasPrefix(origin, SourceFile+" "):
		advice = "it must contain one OIDC JWT; if your CI writes it at run time, make sure that step runs first"
	case strings.HasPrefix(origin, SourceEnv+" "):
		return Finding{Error, "empty", "the variable is unset or empty: set it to the OIDC JWT"}
	case strings.HasPrefix(origin, SourceCommand+" "):
		advice = "the command must print the OIDC JWT on stdout"
	}
	return Finding{Error, "empty", what + " is empty: " + advice}
}

var (
	yamlKey      = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)^[A-Za-z_][A-Za-z0-9_.-]*:(\s|$)`) })
	workflowKeys = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?m)^\s*(on|jobs|steps|permissions|runs-on|uses):(\s|$)`)
	})
)

// yamlFinding recognises YAML, most often a GitHub Actions workflow passed
// where the token file was meant. A JWT never contains ':' or a newline.
func yamlFinding(s, what string) *Finding {
	if strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[") {
		return nil // JSON: reported as not_jwt with its own advice
	}
	if workflowKeys().MatchString(s) {
		return &Finding{Error, "yaml", what + " looks like a GitHub Actions workflow (YAML with on:/jobs:/steps:), not a token: " +
			"point --identity-token-file at the file your CI job writes the OIDC token to " +
			"(for example with actions/github-script and core.getIDToken('" + DefaultAudience + "')), " +
			"or use --identity-token-source github-actions"}
	}
	// One "Word: text" line could be anything (a usage message); YAML has
	// a document marker or several keys.
	if strings.HasPrefix(s, "---") || len(yamlKey().FindAllString(s, 2)) == 2 {
		return &Finding{Error, "yaml", what + " looks like YAML, not a token: it must contain only the OIDC JWT (three base64url parts separated by dots)"}
	}
	return nil
}

func notJWT(s, what string, err error) Finding {
	if strings.HasPrefix(s, "{") {
		return Finding{Error, "not_jwt", what + ` is JSON, not a bare JWT: if it wraps the token in a field (for example {"value": "eyJ…"}), ` +
			"store only that field's value, or let hermes fetch it with --identity-token-source github-actions|gcp-metadata|azure-imds"}
	}
	return Finding{Error, "not_jwt", fmt.Sprintf("%s is not a JWT (%v): it must contain only the OIDC JWT, three base64url parts separated by dots", what, err)}
}

// checkClaims applies the token endpoint's own rules to the claims.
func checkClaims(c *Claims, now time.Time, audAdvice string) []Finding {
	var out []Finding
	add := func(sev Severity, code, msg string) { out = append(out, Finding{sev, code, msg}) }
	switch alg := c.Alg; {
	case strings.EqualFold(alg, "none"):
		add(Error, "alg_none", `the JWT is unsigned (alg "none"), which Anthropic refuses: use a token signed by your identity provider`)
	case strings.HasPrefix(strings.ToUpper(alg), "HS"):
		add(Error, "alg_hmac", fmt.Sprintf("the JWT is signed with %s, a shared-secret algorithm Anthropic refuses: it accepts only RS*, PS* or ES* signatures, so configure the identity provider to sign with RS256, PS256 or ES256", alg))
	case !slices.Contains(acceptedAlgorithms, algName(alg)):
		add(Error, "alg_unsupported", fmt.Sprintf("the JWT is signed with %q, which Anthropic refuses: it accepts only RS256/384/512, PS256/384/512 and ES256/384/512, so configure the identity provider to use one of them", alg))
	}
	if c.Kid == "" {
		add(Warning, "missing_kid", "the JWT header has no kid: Anthropic finds the signing key by kid in the issuer's JWKS, so the exchange will likely fail")
	}
	if c.Issuer == "" {
		add(Error, "missing_iss", "the JWT has no iss (issuer) claim, which Anthropic matches against the federation rule: use a token from an OIDC identity provider")
	}
	if c.Subject == "" {
		add(Error, "missing_sub", "the JWT has no sub (subject) claim, which Anthropic requires: use a token from an OIDC identity provider, which always sets it")
	}
	if c.IssuedAt.IsZero() {
		add(Error, "missing_iat", "the JWT has no iat (issued at) claim, which Anthropic requires: use a token from an OIDC identity provider, which always sets it")
	}
	if c.Expiry.IsZero() {
		add(Error, "missing_exp", "the JWT has no exp (expiry) claim, which Anthropic requires: use a short-lived token from an OIDC identity provider")
	} else if now.After(c.Expiry.Add(ClockSkew)) {
		add(Error, "expired", fmt.Sprintf("the JWT expired at %s (%s ago): identity tokens are short-lived, so get a fresh one (whatever writes a token file must refresh it before each run)",
			c.Expiry.UTC().Format(time.RFC3339), now.Sub(c.Expiry).Round(time.Second)))
	}
	if t := notValidUntil(c); t.After(now.Add(ClockSkew)) {
		add(Warning, "not_yet_valid", fmt.Sprintf("the JWT is not valid until %s (%s from now): check this machine's clock, or wait",
			t.UTC().Format(time.RFC3339), t.Sub(now).Round(time.Second)))
	}
	if !c.HasAudience(DefaultAudience) {
		aud := "no aud claim"
		if len(c.Audience) > 0 {
			aud = fmt.Sprintf("audience %q", c.Audience)
		}
		add(Warning, "audience", fmt.Sprintf("the JWT has %s, not %s: federation rules usually expect that audience, so %s, unless your rule names another", aud, DefaultAudience, audAdvice))
	}
	return out
}

func algName(s string) jose.SignatureAlgorithm { return jose.SignatureAlgorithm(s) }

// notValidUntil is the later of nbf and iat: the server refuses a token
// whose either lies in the future beyond the skew.
func notValidUntil(c *Claims) time.Time {
	if c.NotBefore.After(c.IssuedAt) {
		return c.NotBefore
	}
	return c.IssuedAt
}
