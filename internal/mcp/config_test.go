package mcp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	env := map[string]string{"HOST": "db.local", "EMPTY": ""}
	get := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	for _, c := range []struct{ in, want, err string }{
		{"https://${HOST}/mcp", "https://db.local/mcp", ""},
		{"${PORT:-5432}", "5432", ""},
		{"${EMPTY:-dflt}", "dflt", ""},
		{"$HOST and ${", "$HOST and ${", ""},
		{"${MISSING}", "", "MISSING} is not set"},
		{"Bearer ${ANTHROPIC_API_KEY}", "", "credential variable"},
		{"${HERMES_HOME:-x}", "", "credential variable"},
		{"${MY_SECRET}", "", "credential variable"},
	} {
		got, err := expand(c.in, get, []string{"MY_SECRET"})
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("expand(%q) error = %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("expand(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func write(t *testing.T, path, data string) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o700)
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestLoadScopesAndPrecedence(t *testing.T) {
	home, repo := t.TempDir(), t.TempDir()
	os.Mkdir(filepath.Join(repo, ".git"), 0o700)
	sub := filepath.Join(repo, "sub")
	os.Mkdir(sub, 0o700)
	write(t, filepath.Join(home, "mcp.json"), `{"mcpServers": {"a": {"command": "user-a"}, "u": {"command": "u", "trustReadOnlyHints": true}}}`)
	write(t, filepath.Join(repo, ".mcp.json"), `{"mcpServers": {"a": {"command": "project-a"}, "p": {"type": "http", "url": "https://${HOST:-x.example}/mcp", "trustReadOnlyHints": true}, "bad": {"command": "x", "env": {"K": "${NOPE}"}}}}`)
	l, err := Load(LoadOptions{HermesHome: home, WorkDir: sub, Flags: []string{`{"mcpServers": {"f": {"command": "flag-f"}}}`}, Getenv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Server{}
	for _, s := range l.Servers {
		got[s.Name] = s
	}
	if got["a"].Command != "project-a" || got["a"].Scope != ScopeProject || got["u"].Scope != ScopeUser || got["f"].Scope != ScopeFlag {
		t.Errorf("servers: %+v", l.Servers)
	}
	if got["p"].URL != "https://x.example/mcp" || got["p"].Transport() != TransportHTTP {
		t.Errorf("p: %+v", got["p"])
	}
	// A repository cannot vouch for its own server's hints.
	if got["p"].TrustReadOnlyHints || !got["u"].TrustReadOnlyHints {
		t.Error("trustReadOnlyHints honoured from the project file")
	}
	if _, ok := got["bad"]; ok || len(l.Skipped) != 1 || !strings.Contains(l.Skipped[0].Error(), "NOPE") {
		t.Errorf("bad: %v", l.Skipped)
	}
	if l.ProjectPath != filepath.Join(repo, ".mcp.json") || len(l.ProjectData) == 0 {
		t.Errorf("project file: %s", l.ProjectPath)
	}
	// --strict-mcp-config: only the flags.
	l, err = Load(LoadOptions{HermesHome: home, WorkDir: sub, Strict: true, Flags: []string{`{"mcpServers": {"f": {"command": "flag-f"}}}`}})
	if err != nil || len(l.Servers) != 1 || l.Servers[0].Name != "f" {
		t.Errorf("strict: %+v, %v", l, err)
	}
	// A broken file is an error naming it, not servers silently gone.
	write(t, filepath.Join(home, "mcp.json"), `{"mcpServers": [`)
	if _, err := Load(LoadOptions{HermesHome: home}); err == nil || !strings.Contains(err.Error(), "mcp.json") {
		t.Errorf("broken file: %v", err)
	}
}

// Outside a git repository only the work dir's .mcp.json is the
// project's: one in a parent (/tmp, /home) is nobody's project.
func TestProjectPathStopsOutsideARepository(t *testing.T) {
	parent := t.TempDir()
	write(t, filepath.Join(parent, ".mcp.json"), `{"mcpServers": {"planted": {"command": "x"}}}`)
	work := filepath.Join(parent, "work")
	os.Mkdir(work, 0o700)
	if got := ProjectPath(work); got != filepath.Join(work, ".mcp.json") {
		t.Errorf("outside a repository: %s", got)
	}
	l, err := Load(LoadOptions{WorkDir: work})
	if err != nil || len(l.Servers) != 0 || l.ProjectData != nil {
		t.Errorf("a parent's file loaded: %+v, %v", l, err)
	}
	// Inside one, the repository root's file counts from a subdirectory.
	os.Mkdir(filepath.Join(work, ".git"), 0o700)
	write(t, filepath.Join(work, ".mcp.json"), `{"mcpServers": {}}`)
	sub := filepath.Join(work, "a", "b")
	os.MkdirAll(sub, 0o700)
	if got := ProjectPath(sub); got != filepath.Join(work, ".mcp.json") {
		t.Errorf("in a repository: %s", got)
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		name string
		e    Entry
		err  string
	}{
		{"ok", Entry{Command: "x"}, ""},
		{"a__b", Entry{Command: "x"}, "no __"},
		// mcp__gh_ + __ + TOOL would start with mcp__gh__: the user's
		// rules for gh would reach a server named gh_.
		{"gh_", Entry{Command: "x"}, "not end with _"},
		{"s", Entry{}, "needs a command"},
		{"h", Entry{Type: "http", URL: "ftp://x"}, "http:// or https://"},
		{"e", Entry{Command: "x", Env: map[string]string{"ANTHROPIC_API_KEY": "k"}}, "credential variable"},
		{"t", Entry{Type: "ws", URL: "http://x"}, "unknown type"},
	} {
		err := c.e.Validate(c.name)
		if (c.err == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: %v, want %q", c.name, err, c.err)
		}
	}
}
