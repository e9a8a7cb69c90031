package acp

import (
	"encoding/json"
	"testing"

	sdk "github.com/coder/acp-go-sdk"

	"github.com/hermes-agent/hermes/internal/agent/tools"
)

// The editor's kind and title of a call come from the tool value's kind,
// not from a list of names: every built-in tool shows as its value says,
// and a tool from elsewhere shows as the kind the agent's event names (an
// MCP server's read-only tool reads; the API's web_search searches).
func TestDescribeToolAsksTheValue(t *testing.T) {
	for _, tl := range tools.Builtins() {
		if got, want := describeTool(tl.Name(), "", json.RawMessage(`{}`), "/w").kind, acpKind(tl.Kind()); got != want {
			t.Errorf("%s: kind %s, its value says %s", tl.Name(), got, want)
		}
	}
	for _, c := range []struct {
		name, kind, input, title string
		want                     sdk.ToolKind
		diff                     bool
	}{
		{"read_file", "", `{"path":"a.go"}`, "Read a.go", sdk.ToolKindRead, false},
		{"list_files", "", `{}`, "Read .", sdk.ToolKindRead, false},
		{"grep", "", `{"pattern":"TODO"}`, "grep TODO", sdk.ToolKindSearch, false},
		{"write_file", "", `{"path":"a.go","content":"x"}`, "Write a.go", sdk.ToolKindEdit, true},
		{"edit_file", "", `{"path":"a.go","old_string":"x","new_string":"y"}`, "Edit a.go", sdk.ToolKindEdit, true},
		{"bash", "", `{"command":"go test ./..."}`, "go test ./...", sdk.ToolKindExecute, false},
		{"delegate", "", `{"task":"look"}`, "Delegate: look", sdk.ToolKindThink, false},
		{"mcp__db__query", "", `{"sql":"select 1"}`, "mcp__db__query", sdk.ToolKindOther, false},
		{"mcp__docs__search", "read", `{"q":"x"}`, "mcp__docs__search", sdk.ToolKindRead, false},
		{"web_search", "search", `{"query":"x"}`, "web_search", sdk.ToolKindSearch, false},
	} {
		info := describeTool(c.name, c.kind, json.RawMessage(c.input), "/w")
		if info.kind != c.want || info.title != c.title || (info.diff != nil) != c.diff {
			t.Errorf("%s: kind %s title %q diff %v; want %s %q %v", c.name, info.kind, info.title, info.diff != nil, c.want, c.title, c.diff)
		}
	}
}
