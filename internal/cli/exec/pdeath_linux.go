package exec

import (
	osexec "os/exec"
	"runtime"
	"syscall"
)

// startChild starts cmd so that it gets SIGTERM if hermes dies without
// being able to tell it (kill -9): its gateway URL is dead then. The
// parent-death signal belongs to the thread that forks, so the start runs
// on a locked thread (an unlocked one the runtime ends could signal the
// child early; a locked thread is kept while the goroutine holds it).
func startChild(cmd *osexec.Cmd) error {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGTERM
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return cmd.Start()
}
