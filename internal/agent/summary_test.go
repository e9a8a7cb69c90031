package agent

import (
	"strings"
	"testing"
)

func TestToolSummary(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ tool, input, want string }{
		{ToolBash, `{"command":"go test ./...\n  && go vet"}`, "go test ./... && go vet"},
		{ToolGrep, `{"pattern":"TODO","path":"internal"}`, "TODO in internal"},
		{ToolEditFile, `{"path":"a.go","old_string":"x","new_string":"y"}`, "a.go"},
		{ToolListFiles, `{}`, ""},
	} {
		if got := ToolSummary(c.tool, []byte(c.input)); got != c.want {
			t.Errorf("ToolSummary(%s, %s) = %q, want %q", c.tool, c.input, got, c.want)
		}
	}
	// A key the model writes into a command is masked on the terminal too.
	got := ToolSummary(ToolBash, []byte(`{"command":"curl -H 'x-api-key: sk-ant-api03-SUMMARYsentinelSUMMARYsentinel' x"}`))
	if strings.Contains(got, "SUMMARYsentinel") {
		t.Errorf("ToolSummary shows the key: %q", got)
	}
}
