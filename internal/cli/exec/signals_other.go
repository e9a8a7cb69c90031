//go:build !unix

package exec

import "os"

var extraSignals []os.Signal
