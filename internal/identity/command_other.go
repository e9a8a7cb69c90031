//go:build !unix

package identity

import "os/exec"

// killProcessGroup: elsewhere exec.CommandContext kills the process itself
// and WaitDelay bounds the wait for its children.
func killProcessGroup(*exec.Cmd) {}
