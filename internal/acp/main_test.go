package acp

import (
	"os"
	"testing"

	"github.com/hermes-agent/hermes/internal/mcpstandin"
	"github.com/hermes-agent/hermes/internal/sandbox"
)

// TestMain serves the sandbox helper: a bash tool call re-executes this
// test binary as `__sandbox …` (the release binary's root.Main does the
// same). Without it the re-executed binary ran the whole test suite again
// inside the sandbox until the bash timeout (120 s) killed it.
//
// With MCP_STANDIN_MAIN=1 it is the stdio MCP stand-in an editor's
// session/new names as a server.
func TestMain(m *testing.M) {
	if os.Getenv("MCP_STANDIN_MAIN") == "1" {
		os.Exit(mcpstandin.Main())
	}
	if len(os.Args) > 1 && os.Args[1] == sandbox.HelperArg {
		os.Exit(sandbox.Helper(os.Args[2:]))
	}
	os.Exit(m.Run())
}
