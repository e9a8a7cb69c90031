package mcp

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
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

// Open keeps what /status shows: a server connected with its tools, one
// that failed with why, and an unapproved project server as skipped,
// naming the approve command. A configuration of only unapproved servers
// still yields a Manager (running nothing) that reports them.
func TestOpenStatuses(t *testing.T) {
	home, repo := filepath.Join(t.TempDir(), "home"), t.TempDir()
	os.MkdirAll(home, 0o700)
	write(t, filepath.Join(repo, ".mcp.json"), `{"mcpServers": {"p": {"command": "x"}}}`)
	good := stdioServer(t, "good", nil)
	flag, _ := json.Marshal(map[string]any{"mcpServers": map[string]any{
		"good":   map[string]any{"command": good.Command, "env": good.Env},
		"broken": map[string]any{"command": filepath.Join(repo, "no-such-server")},
	}})
	var lines []string
	var mu sync.Mutex
	m, err := Open(context.Background(), Setup{HermesHome: home, WorkDir: repo, Flags: []string{string(flag)},
		Stderr: writerFunc(func(p []byte) { mu.Lock(); lines = append(lines, string(p)); mu.Unlock() }), Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	m.Tools(context.Background()) // waits for both to end starting
	got := map[string]Status{}
	for _, st := range m.Statuses() {
		got[st.Name] = st
	}
	if st := got["good"]; st.State != StateConnected || st.Tools < 5 {
		t.Errorf("good: %+v", st)
	}
	if st := got["broken"]; st.State != StateFailed || st.Err == nil || !strings.Contains(st.Err.Error(), "no-such-server") {
		t.Errorf("broken: %+v", st)
	}
	if st := got["p"]; st.State != StateSkipped || st.Err == nil || !strings.Contains(st.Err.Error(), "hermes mcp approve p") {
		t.Errorf("p: %+v", st)
	}
	mu.Lock()
	if all := strings.Join(lines, ""); !strings.Contains(all, "MCP server broken failed to start") || !strings.Contains(all, "hermes mcp approve p") {
		t.Errorf("stderr lines: %q", lines)
	}
	mu.Unlock()

	only, err := Open(context.Background(), Setup{HermesHome: home, WorkDir: repo, Getenv: func(string) string { return "" }})
	if err != nil || only == nil {
		t.Fatalf("only unapproved servers: %v, %v", only, err)
	}
	defer only.Close()
	if sts := only.Statuses(); len(sts) != 1 || sts[0].State != StateSkipped || len(only.Tools(context.Background())) != 0 {
		t.Errorf("only unapproved servers: %+v", sts)
	}
}

type writerFunc func([]byte)

func (f writerFunc) Write(p []byte) (int, error) { f(p); return len(p), nil }

// The terminal's question shows what a project server would run and,
// by name only, the variables and headers it would get: values may be
// secrets the file pulled in with ${VAR}.
func TestTerminalAskerShowsWhatTheServerGets(t *testing.T) {
	var out strings.Builder
	p := &answerPrompter{answer: 0}
	ask := TerminalAsker(context.Background(), p, &out)
	ok, err := ask(Server{Name: "docs", Scope: ScopeProject, Entry: Entry{Type: TransportHTTP, URL: "https://docs.example/mcp",
		Headers: map[string]string{"Authorization": "Bearer ghp_SENTINEL"}, Env: map[string]string{"B": "2", "A": "1"}}})
	if !ok || err != nil || p.asked != 1 {
		t.Fatalf("ask = %v, %v (asked %d)", ok, err, p.asked)
	}
	got := out.String()
	for _, want := range []string{"http https://docs.example/mcp", "with the environment variables A, B", "sending the headers Authorization"} {
		if !strings.Contains(got, want) {
			t.Errorf("question lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "SENTINEL") {
		t.Errorf("question shows a header value:\n%s", got)
	}
}

type answerPrompter struct {
	answer, asked int
}

func (p *answerPrompter) Select(context.Context, string, []string) (int, error) {
	p.asked++
	return p.answer, nil
}
func (p *answerPrompter) Input(context.Context, string) (string, error)    { return "", nil }
func (p *answerPrompter) Password(context.Context, string) (string, error) { return "", nil }

// A server's one-line description (mcp list, mcp get, the approval
// question) never shows a token written into its arguments or URL.
func TestDescribeMasksSecrets(t *testing.T) {
	const key = "sk-ant-api03-SENTINELsecretvalue0123456789abcdef"
	const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
	for _, s := range []Server{
		{Name: "a", Entry: Entry{Command: "server", Args: []string{"--token", key, "--jwt=" + jwt, "--verbose"}}},
		{Name: "b", Entry: Entry{Type: "http", URL: "https://user:SENTINELpass@mcp.example/v1?api_key=SENTINELquery&x=1"}},
	} {
		got := Describe(s)
		if strings.Contains(got, "SENTINEL") || strings.Contains(got, "eyJzdWIi") {
			t.Errorf("Describe(%s) = %q: a secret shows", s.Name, got)
		}
		if !strings.Contains(got, "server --token") && !strings.Contains(got, "mcp.example/v1") {
			t.Errorf("Describe(%s) = %q: the server is no longer recognisable", s.Name, got)
		}
	}
}
