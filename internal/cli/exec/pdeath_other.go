//go:build !linux

package exec

import osexec "os/exec"

// startChild starts cmd (no parent-death signal on this system).
func startChild(cmd *osexec.Cmd) error { return cmd.Start() }
