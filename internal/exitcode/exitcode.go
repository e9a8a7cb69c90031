// Package exitcode is the one place hermes's exit codes (SPEC.md section 3)
// are defined and read from an error. It imports nothing of hermes, so any
// package can say its error's code without depending on the CLI.
package exitcode

import "errors"

// The exit codes.
const (
	OK          = 0
	Error       = 1
	Usage       = 2   // wrong flags or arguments
	Auth        = 4   // authentication missing or refused
	Interrupted = 130 // the user interrupted (Ctrl-C)
)

// Coder is implemented by errors that know their exit code.
type Coder interface{ ExitCode() int }

// ErrInterrupted is returned when the user interrupts: exit 130.
var ErrInterrupted = errors.New("interrupted")

// Of maps an error to the process exit code: the first Coder in its chain
// says it; else an interrupt is 130; anything else is 1.
func Of(err error) int {
	if err == nil {
		return OK
	}
	var c Coder
	if errors.As(err, &c) {
		return c.ExitCode()
	}
	if errors.Is(err, ErrInterrupted) {
		return Interrupted
	}
	return Error
}

// IsAuth reports whether err means that authentication is missing or was
// refused (a 401/403, no credential, an unusable identity token), as
// opposed to a failure that may pass (a 5xx, a timeout).
func IsAuth(err error) bool { return err != nil && Of(err) == Auth }
