// Package cmdutil holds what every command shares: the factory that hands
// out streams, paths and the credential resolver, and the error types that
// map to the spec's exit codes.
package cmdutil

import (
	"fmt"

	"github.com/hermes-agent/hermes/internal/exitcode"
)

// Exit codes from SPEC.md section 3 (defined in internal/exitcode).
const (
	ExitOK          = exitcode.OK
	ExitError       = exitcode.Error
	ExitUsage       = exitcode.Usage
	ExitAuth        = exitcode.Auth
	ExitInterrupted = exitcode.Interrupted
)

// FlagError is a usage error: wrong flags or arguments (exit 2).
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }
func (e *FlagError) ExitCode() int { return ExitUsage }

// FlagErrorf builds a FlagError.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// AuthError means authentication is missing or was refused (exit 4).
type AuthError struct{ Err error }

func (e *AuthError) Error() string { return e.Err.Error() }
func (e *AuthError) Unwrap() error { return e.Err }
func (e *AuthError) ExitCode() int { return ExitAuth }

// ExitCodeError carries an exact exit code, e.g. a child's in `hermes exec`.
// Silent errors print nothing: whoever returned them already reported.
type ExitCodeError struct {
	Code   int
	Err    error
	Silent bool
}

func (e *ExitCodeError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}
func (e *ExitCodeError) Unwrap() error { return e.Err }
func (e *ExitCodeError) ExitCode() int { return e.Code }

// ErrCancel is returned when the user interrupts (Ctrl-C): exit 130.
var ErrCancel = exitcode.ErrInterrupted

// ExitCode maps an error returned by a command to the process exit code
// (exitcode.Of: every error that has a code says it as an exitcode.Coder).
func ExitCode(err error) int { return exitcode.Of(err) }
