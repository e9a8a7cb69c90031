//go:build unix

package fsutil

import "syscall"

// openNonblock keeps an open of a FIFO from waiting for a writer.
const openNonblock = syscall.O_NONBLOCK

// openNofollow makes an open of a symlink fail instead of following it.
const openNofollow = syscall.O_NOFOLLOW

// processAlive says whether pid exists (EPERM: it does, as another user's).
func processAlive(pid int) (alive, known bool) {
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM, true
}
