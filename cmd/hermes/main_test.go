package main

import (
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/hermes-agent/hermes/internal/cli/root"
	"github.com/hermes-agent/hermes/internal/scripttest"
)

// TestMain lets testscript run this test binary as the real `hermes`
// command, so scripts exercise the built program end to end.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"hermes": func() { main() },
	})
}

var _ = root.Main

// TestScripts runs every testdata/script/*.txtar against the binary.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		Setup:               scripttest.Setup,
		Cmds:                scripttest.Cmds(),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
	})
}
