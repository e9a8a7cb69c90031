package agent

import (
	"os"
	"testing"

	"github.com/hermes-agent/hermes/internal/sandbox"
)

// TestMain lets the test binary stand in for hermes as the sandbox helper:
// bash runs as /proc/self/exe __sandbox SPEC.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == sandbox.HelperArg {
		os.Exit(sandbox.Helper(os.Args[2:]))
	}
	os.Exit(m.Run())
}
