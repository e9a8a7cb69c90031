package resolve

import (
	"fmt"
	"strings"

	"github.com/hermes-agent/hermes/internal/exitcode"
)

// NoCredentialError is returned when no credential source resolves.
type NoCredentialError struct {
	// Checked lists every source looked at, in precedence order, with what
	// was found (never a value).
	Checked []string
}

func (e *NoCredentialError) ExitCode() int { return exitcode.Auth }

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

func (e *TargetError) ExitCode() int { return exitcode.Auth }
func (e *TargetError) Error() string {
	see := "see 'hermes auth list'; "
	if strings.Contains(e.Reason, "hermes auth list") {
		see = "" // the reason already points there: one "(see …)" is enough
	}
	return fmt.Sprintf("--credential %s: %s (%stargets are a pool number, id or label, anthropic-wif, env:VAR or profile:NAME)", e.Target, e.Reason, see)
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
		return exitcode.Usage
	}
	return exitcode.Error
}
