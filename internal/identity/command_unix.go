//go:build unix

package identity

import (
	"os/exec"
	"syscall"
)

// killProcessGroup runs the helper in its own process group and, on
// timeout, kills the whole group, so a wrapper script's children die too.
func killProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
