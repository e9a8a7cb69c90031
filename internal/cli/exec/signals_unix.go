//go:build unix

package exec

import (
	"os"
	"syscall"
)

var extraSignals = []os.Signal{syscall.SIGUSR1, syscall.SIGUSR2}
