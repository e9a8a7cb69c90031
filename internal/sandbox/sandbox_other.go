//go:build !linux && !darwin

package sandbox

import (
	"fmt"
	"os"
	"runtime"
)

// No OS sandbox here: only danger-full-access runs.
func (s *Sandbox) command(p Policy, _ Request) (*Run, error) {
	return nil, &UnavailableError{Mode: p.Mode, Feature: "an OS sandbox (hermes has one for Linux and macOS)", Detail: "this is " + runtime.GOOS}
}

// Start starts the run.
func (r *Run) Start() error { return r.Cmd.Start() }

// SetupError is nil: only unsandboxed runs start here.
func (r *Run) SetupError() error { return nil }

// Helper is Linux's; hermes never starts it elsewhere.
func Helper([]string) int {
	fmt.Fprintln(os.Stderr, "hermes: __sandbox is hermes's own helper, on Linux only")
	return 2
}
