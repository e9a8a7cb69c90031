package tools

import (
	"encoding/json"
	"testing"
)

// The registry is the one list of built-in tools: every value declares
// itself under its own name, once, with a kind.
func TestBuiltinsDeclareThemselves(t *testing.T) {
	seen := map[string]bool{}
	for _, tl := range Builtins() {
		n := tl.Name()
		if seen[n] {
			t.Errorf("%s registered twice", n)
		}
		seen[n] = true
		d := tl.Definition()
		if d.OfTool == nil || d.OfTool.Name != n {
			t.Errorf("%s declares itself as %+v", n, d.OfTool)
		}
		if tl.Kind() == "" {
			t.Errorf("%s has no kind", n)
		}
		if Builtin(n) != tl || KindOf(n) != tl.Kind() {
			t.Errorf("lookup of %s", n)
		}
	}
	if KindOf("mcp__x__y") != Other || Other.ReadOnly() || !Read.ReadOnly() || Execute.ReadOnly() || Edit.ReadOnly() {
		t.Error("kinds")
	}
}

// A tool's input that is not its typed struct is a tool error, not a
// panic or a run-ending error.
func TestBadInputIsAToolError(t *testing.T) {
	for _, tl := range Builtins() {
		r, err := tl.Run(t.Context(), nil, Call{Name: tl.Name(), Input: json.RawMessage(`{"path": 3, "command": 3, "task": 3, "pattern": 3}`)})
		if err != nil || !r.IsError {
			t.Errorf("%s: %+v, %v", tl.Name(), r, err)
		}
	}
}
