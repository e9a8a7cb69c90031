// Package cmdutil holds what every command shares: the factory that hands
// out streams, paths and the credential resolver, and the error types that
// map to the spec's exit codes.
package cmdutil

import (
	"errors"
	"fmt"
)

// Exit codes from SPEC.md section 3.
const (
	ExitOK          = 0
	ExitError       = 1
	ExitUsage       = 2
	ExitAuth        = 4
	ExitInterrupted = 130
)

// FlagError is a usage error: wrong flags or arguments (exit 2).
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// FlagErrorf builds a FlagError.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// AuthError means authentication is missing or was refused (exit 4).
type AuthError struct{ Err error }

func (e *AuthError) Error() string { return e.Err.Error() }
func (e *AuthError) Unwrap() error { return e.Err }

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

// ErrCancel is returned when the user interrupts (Ctrl-C): exit 130.
var ErrCancel = errors.New("interrupted")

// ErrNotBuilt is returned by commands the spec names that are not built yet.
var ErrNotBuilt = errors.New("not built yet in this version of hermes")

// ExitCode maps an error returned by a command to the process exit code.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ec *ExitCodeError
	if errors.As(err, &ec) {
		return ec.Code
	}
	// Packages below the CLI (credential, identity) do not import cmdutil;
	// their errors say their exit code through this interface.
	var coder interface{ ExitCode() int }
	if errors.As(err, &coder) {
		return coder.ExitCode()
	}
	if errors.Is(err, ErrCancel) {
		return ExitInterrupted
	}
	var fe *FlagError
	if errors.As(err, &fe) {
		return ExitUsage
	}
	var ae *AuthError
	if errors.As(err, &ae) {
		return ExitAuth
	}
	return ExitError
}
