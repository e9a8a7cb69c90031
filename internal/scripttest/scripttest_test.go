package scripttest_test

import (
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/hermes-agent/hermes/internal/scripttest"
)

// TestCommands runs testdata/*.txtar: the harness's own commands against
// the doubles, with no hermes binary involved.
func TestCommands(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata",
		Setup:               scripttest.Setup,
		Cmds:                scripttest.Cmds(),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
	})
}
