package chatcore

import (
	"strings"
	"testing"
	"time"
)

// /status names each MCP server's state: connected with its tools,
// failed or skipped with why (one line, no terminal escapes), or none.
func TestReportMCPServers(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	if r := (Status{}).Report(now); !strings.Contains(r, "\nMCP servers: none") {
		t.Errorf("no servers:\n%s", r)
	}
	r := Status{MCP: []MCPServer{
		{Name: "test", State: "connected", Tools: 6},
		{Name: "one", State: "connected", Tools: 1},
		{Name: "db", State: "failed", Reason: "exec: \"db-server\": not found\n(stderr: \x1b[31mboom\x1b[0m)"},
		{Name: "proj", State: "skipped", Reason: "not approved (run `hermes mcp approve proj`)"},
		{Name: "slow", State: "starting"},
	}}.Report(now)
	for _, want := range []string{
		"\nMCP servers: test: connected, 6 tools",
		"\n             one: connected, 1 tool\n",
		"\n             db: failed: exec: \"db-server\": not found (stderr: boom)\n",
		"\n             proj: skipped: not approved (run `hermes mcp approve proj`)",
		"\n             slow: starting",
	} {
		if !strings.Contains(r, want) {
			t.Errorf("/status lacks %q:\n%s", want, r)
		}
	}
	if strings.Contains(r, "\x1b") {
		t.Errorf("/status has an escape:\n%q", r)
	}
}
