package scripttest

import (
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/hermes-agent/hermes/internal/mcpstandin"
)

// cmdMCPHTTP: mcphttp VAR [AUTHORIZATION] — starts the MCP stand-in over
// streamable HTTP on loopback for the rest of the script and sets VAR to
// its endpoint; with AUTHORIZATION every request must carry that header
// value. (Over stdio, scripts run the mcp-standin command on PATH.)
func cmdMCPHTTP(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: mcphttp VAR [AUTHORIZATION]")
	}
	auth := ""
	if len(args) == 2 {
		auth = args[1]
	}
	s, err := mcpstandin.Serve(auth)
	ts.Check(err)
	ts.Defer(func() { s.Close() })
	ts.Setenv(args[0], s.URL)
}
