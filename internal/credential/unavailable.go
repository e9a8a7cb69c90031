package credential

import (
	"errors"
	"github.com/hermes-agent/hermes/internal/exitcode"
	"time"
)

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
func (e *UnavailableError) Refused() bool { return e.ExitCode() == exitcode.Auth }

// RetryAfter is how long the token endpoint asked to wait (a cause with a
// RetryAfterHint method, such as wif.ExchangeError), 0 if it did not say.
func (e *UnavailableError) RetryAfter() time.Duration {
	var h interface{ RetryAfterHint() time.Duration }
	if errors.As(e.Err, &h) {
		return h.RetryAfterHint()
	}
	return 0
}
