package cron_test

import (
	"os"
	"testing"

	"github.com/hermes-agent/hermes/internal/cli/root"
)

// asHermesEnv makes this test binary act as the hermes binary, so the
// end-to-end daemon tests run real hermes processes (signals, exit codes,
// the daemon lock across processes) without a separate `go build`.
const asHermesEnv = "CRONTEST_AS_HERMES"

func TestMain(m *testing.M) {
	if os.Getenv(asHermesEnv) == "1" {
		os.Exit(root.Main(os.Args[1:]))
	}
	os.Exit(m.Run())
}
