package tools

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
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

// An Env without a policy never lets a call that needs permission
// through: write_file, edit_file's .git check and bash are refused and
// nothing is written or run.
func TestEnvWithoutPolicyDenies(t *testing.T) {
	dir := t.TempDir()
	env := &Env{WorkDir: dir}
	r, err := WriteFile.Run(t.Context(), env, Call{Name: NameWriteFile, Input: json.RawMessage(`{"path":"x.txt","content":"hi"}`)})
	if err != nil || !r.Denied {
		t.Errorf("write_file: %+v, %v", r, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.txt")); err == nil {
		t.Error("write_file wrote without a policy")
	}
	r, err = WriteFile.Run(t.Context(), env, Call{Name: NameWriteFile, Input: json.RawMessage(`{"path":".git/config","content":"hi"}`)})
	if err != nil || !r.IsError || !strings.Contains(r.Content, "inside .git") {
		t.Errorf("write_file .git/config: %+v, %v", r, err)
	}
	r, err = Bash.Run(t.Context(), env, Call{Name: NameBash, Input: json.RawMessage(`{"command":"touch ran"}`)})
	if err != nil || !r.Denied {
		t.Errorf("bash: %+v, %v", r, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "ran")); err == nil {
		t.Error("bash ran without a policy")
	}
}
