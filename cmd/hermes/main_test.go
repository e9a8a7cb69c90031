package main

import (
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/hermes-agent/hermes/internal/hermestest"
	"github.com/hermes-agent/hermes/internal/scripttest"
)

// TestMain runs this test binary as the real `hermes` command when the
// scripts exec it (hermestest: the one way tests run hermes as a process),
// so scripts exercise the built program end to end.
func TestMain(m *testing.M) {
	hermestest.Main(m)
}

// TestScripts runs every testdata/script/*.txtar against the binary. The
// scripts run in parallel (testscript runs each as a parallel subtest);
// each has its own work directory, HOME, HERMES_HOME and doubles on
// ephemeral loopback ports (scripttest.Setup).
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		Setup:               scripttest.Setup,
		Cmds:                scripttest.Cmds(),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
	})
}
