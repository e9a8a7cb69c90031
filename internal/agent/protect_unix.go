//go:build unix

package agent

import (
	"os"
	"syscall"
)

// linkCount is st's number of hard links (1 when unknown).
func linkCount(st os.FileInfo) uint64 {
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		return uint64(sys.Nlink)
	}
	return 1
}
