package credential

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// exitAuth is the spec's exit code for "authentication missing or refused".
// credential does not import cmdutil; errors say their code via ExitCode.
const exitAuth = 4

// NoCredentialError is returned when no credential source resolves.
type NoCredentialError struct {
	// Checked lists every source looked at, in precedence order, with what
	// was found (never a value).
	Checked []string
}

func (e *NoCredentialError) ExitCode() int { return exitAuth }

func (e *NoCredentialError) Error() string {
	var b strings.Builder
	b.WriteString("no Anthropic credential found.\nChecked, in order:\n")
	for _, c := range e.Checked {
		b.WriteString("  - " + c + "\n")
	}
	b.WriteString(`Fix it one of three ways:
  1. Workload Identity Federation (no static secret):
       hermes auth add anthropic --type wif --federation-rule-id fdrl_… --organization-id ORG_UUID \
         --identity-token-file PATH   (or --identity-token-source github-actions|gcp-metadata|azure-imds)
  2. An API key:
       hermes auth add anthropic --type api-key
  3. The environment: set ANTHROPIC_API_KEY, or the SDK WIF variables
       ANTHROPIC_FEDERATION_RULE_ID, ANTHROPIC_ORGANIZATION_ID and ANTHROPIC_IDENTITY_TOKEN_FILE`)
	return b.String()
}

// TargetError is returned when --credential names nothing usable.
type TargetError struct {
	Target string
	Reason string
}

func (e *TargetError) ExitCode() int { return exitAuth }
func (e *TargetError) Error() string {
	return fmt.Sprintf("--credential %s: %s (see 'hermes auth list'; targets are a pool number, id or label, anthropic-wif, env:VAR or profile:NAME)", e.Target, e.Reason)
}

// SpentAssertionError is returned when the identity-token source hands back
// an assertion hermes has already exchanged and no valid access token is
// cached: sending it again would only earn a 401 (assertions are single-use).
type SpentAssertionError struct {
	Source string    // non-secret description, e.g. "file /var/run/token"
	Mints  bool      // whether the source mints on demand
	Exp    time.Time // the JWT's exp, if known
}

func (e *SpentAssertionError) ExitCode() int { return exitAuth }

func (e *SpentAssertionError) Error() string {
	what := "the identity token from " + e.Source
	fix := "the token file was not rotated: whatever writes it (kubelet, CI runner, your script) must write a fresh JWT before hermes can exchange again"
	if path, ok := strings.CutPrefix(e.Source, "file "); ok {
		fix = fmt.Sprintf("the token file %s was not rotated: whatever writes it (kubelet, CI runner, your script) must write a fresh JWT before hermes can exchange again", path)
	} else if e.Mints {
		fix = "the source returned the same JWT again; ask the identity provider for a new one"
	} else if !strings.HasPrefix(e.Source, "file ") {
		fix = "the token was not replaced: provide a fresh JWT"
	}
	msg := what + " was already exchanged once and an assertion is single-use, so hermes will not send it again; " + fix
	if !e.Exp.IsZero() {
		msg += fmt.Sprintf(" (the spent JWT expires at %s)", e.Exp.UTC().Format(time.RFC3339))
	}
	return msg
}

// BaseURLError is an unusable base URL. From --base-url it is a usage
// error (exit 2); from the environment or a stored credential, exit 1.
type BaseURLError struct {
	From string
	Err  error
}

func (e *BaseURLError) Error() string { return e.Err.Error() }
func (e *BaseURLError) Unwrap() error { return e.Err }

func (e *BaseURLError) ExitCode() int {
	if e.From == "--base-url" {
		return 2
	}
	return 1
}

// UnavailableError is what the Transport returns when it could not get a
// credential for a request (nothing was sent to the API). Its message is
// the cause's; it lets a proxy tell "credential problem" (Refused: do not
// retry) from "temporarily unavailable" (retry after RetryAfter) from a
// network failure of the API request itself.
type UnavailableError struct{ Err error }

func (e *UnavailableError) Error() string { return e.Err.Error() }
func (e *UnavailableError) Unwrap() error { return e.Err }

// ExitCode is the cause's (4 for a refused or missing credential), else 1.
func (e *UnavailableError) ExitCode() int {
	var coder interface{ ExitCode() int }
	if errors.As(e.Err, &coder) {
		return coder.ExitCode()
	}
	return 1
}

// Refused reports whether retrying cannot help: the credential is missing,
// refused or misconfigured (exit 4).
func (e *UnavailableError) Refused() bool { return e.ExitCode() == exitAuth }

// RetryAfter is how long the token endpoint asked to wait, 0 if it did not say.
func (e *UnavailableError) RetryAfter() time.Duration {
	var xe *ExchangeError
	if errors.As(e.Err, &xe) {
		return xe.RetryAfter
	}
	return 0
}
