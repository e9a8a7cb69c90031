package mcp

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A project's server starts only once approved; the approval is for one
// content of the file; without a terminal it is skipped with one line
// naming the approve command; a yes on the terminal is remembered.
func TestProjectServersNeedApproval(t *testing.T) {
	home, repo := filepath.Join(t.TempDir(), "home"), t.TempDir()
	write(t, filepath.Join(repo, ".mcp.json"), `{"mcpServers": {"p": {"command": "x"}, "q": {"command": "y"}}}`)
	write(t, filepath.Join(home, "mcp.json"), `{"mcpServers": {"u": {"command": "z"}}}`)
	os.Chmod(home, 0o700)
	load := func() *Loaded {
		l, err := Load(LoadOptions{HermesHome: home, WorkDir: repo})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	names := func(ss []Server) string {
		var out []string
		for _, s := range ss {
			out = append(out, s.Name)
		}
		return strings.Join(out, ",")
	}
	var lines []string
	report := func(l string) { lines = append(lines, l) }
	if got := names(Usable(context.Background(), load(), home, nil, report)); got != "u" {
		t.Errorf("unapproved: %s", got)
	}
	if len(lines) != 2 || !strings.Contains(lines[0], "run `hermes mcp approve p`") {
		t.Errorf("lines: %q", lines)
	}
	l := load()
	if err := Approve(context.Background(), home, l.ProjectPath, l.ProjectData, "p"); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(home, ApprovalsFile)); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("approvals file: %v %v", st.Mode(), err)
	}
	asked := 0
	yes := func(s Server) (bool, error) { asked++; return s.Name == "q", nil }
	if got := names(Usable(context.Background(), load(), home, yes, report)); got != "p,q,u" || asked != 1 {
		t.Errorf("approved p, asked about q: %s (asked %d)", got, asked)
	}
	if got := names(Usable(context.Background(), load(), home, nil, report)); got != "p,q,u" {
		t.Errorf("remembered: %s", got)
	}
	// Any change to the file (a pull changing a command) asks again.
	write(t, filepath.Join(repo, ".mcp.json"), `{"mcpServers": {"p": {"command": "evil"}, "q": {"command": "y"}}}`)
	if got := names(Usable(context.Background(), load(), home, nil, report)); got != "u" {
		t.Errorf("changed file: %s", got)
	}
}
