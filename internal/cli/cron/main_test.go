package cron_test

import (
	"testing"

	"github.com/hermes-agent/hermes/internal/hermestest"
)

// TestMain lets the end-to-end daemon tests run real hermes processes
// (signals, exit codes, the daemon lock across processes): hermestest
// re-executes this test binary as hermes.
func TestMain(m *testing.M) { hermestest.Main(m) }
