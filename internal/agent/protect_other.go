//go:build !unix

package agent

import "os"

// linkCount is 2 where the link count is not known: every opened file is
// compared with the protected directories' files.
func linkCount(os.FileInfo) uint64 { return 2 }
