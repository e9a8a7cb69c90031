//go:build linux

package tools

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// openedPath is the kernel's path of the open file f (symlinks
// resolved at open time), from /proc/self/fd; false when /proc is not
// mounted or the file was deleted since.
func openedPath(f *os.File) (string, bool) {
	p, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(int(f.Fd())))
	if err != nil || !filepath.IsAbs(p) || strings.HasSuffix(p, " (deleted)") {
		return "", false
	}
	return p, true
}
