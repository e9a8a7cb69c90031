//go:build unix

package sandbox

import (
	"os/exec"
	"syscall"
)

// setpgid puts the command in a process group of its own, which the
// caller kills as a whole.
func setpgid(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }
