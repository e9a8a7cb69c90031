package main

import (
	"fmt"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/hermes-agent/hermes/internal/hermestest"
	"github.com/hermes-agent/hermes/internal/sandbox"
	"github.com/hermes-agent/hermes/internal/scripttest"
)

// TestMain runs this test binary as the real `hermes` command when the
// scripts exec it (hermestest: the one way tests run hermes as a process),
// so scripts exercise the built program end to end.
func TestMain(m *testing.M) {
	hermestest.Main(m)
}

// condition adds [sandbox]: bash's OS sandbox works on this kernel (a
// script that needs it skips, saying why, where it does not).
func condition(cond string) (bool, error) {
	if cond != "sandbox" {
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	sandboxProbe.Do(func() { sandboxProbe.err = (&sandbox.Sandbox{}).Probe() })
	return sandboxProbe.err == nil, nil
}

var sandboxProbe struct {
	sync.Once
	err error
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
		Condition:           condition,
	})
}
