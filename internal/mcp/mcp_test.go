package mcp

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/hermes-agent/hermes/internal/agent/tools"
	"github.com/hermes-agent/hermes/internal/mcpstandin"
)

// TestMain runs the test binary as the stdio stand-in when asked: the
// tests start it as a server's command.
func TestMain(m *testing.M) {
	if os.Getenv("MCP_STANDIN_MAIN") == "1" {
		os.Exit(mcpstandin.Main())
	}
	os.Exit(m.Run())
}

const sentinelKey = "sk-ant-api03-MCPSENTINEL-never-in-a-server-env-7d1e"

// stdioServer is the stand-in as a stdio server called name.
func stdioServer(t *testing.T, name string, env map[string]string) Server {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	e := map[string]string{"MCP_STANDIN_MAIN": "1"}
	for k, v := range env {
		e[k] = v
	}
	return Server{Name: name, Scope: ScopeFlag, Entry: Entry{Command: self, Env: e}}
}

func newManager(t *testing.T, opts Options, servers ...Server) *Manager {
	t.Helper()
	if opts.Environ == nil {
		opts.Environ = append(os.Environ(), "ANTHROPIC_API_KEY="+sentinelKey, "HERMES_HOME=/secret/home", "MY_TOKEN_VAR="+sentinelKey, "PLAIN=kept",
			"ACTIONS_ID_TOKEN_REQUEST_TOKEN="+sentinelKey, "SLACK_BOT_TOKEN="+sentinelKey, "TELEGRAM_BOT_TOKEN="+sentinelKey)
		opts.ProtectedEnv = []string{"MY_TOKEN_VAR"}
	}
	m := NewManager(servers, opts)
	t.Cleanup(m.Close)
	return m
}

func call(t *testing.T, ts []tools.Tool, name string, input string) tools.Result {
	t.Helper()
	tl := tools.Find(ts, name)
	if tl == nil {
		var names []string
		for _, x := range ts {
			names = append(names, x.Name())
		}
		t.Fatalf("no tool %s in %v", name, names)
	}
	r, err := tl.Run(context.Background(), nil, tools.Call{Name: name, Input: json.RawMessage(input)})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return r
}

func TestStdioServerTools(t *testing.T) {
	t.Parallel()
	m := newManager(t, Options{}, stdioServer(t, "test", map[string]string{"FROM_CONFIG": "yes"}))
	ts := m.Tools(context.Background())
	if r := call(t, ts, "mcp__test__echo", `{"text":"hi"}`); r.IsError || r.Content != "echo: hi" {
		t.Errorf("echo: %+v", r)
	}
	if r := call(t, ts, "mcp__test__add", `{"a":2,"b":40}`); r.IsError || r.Content != "42" {
		t.Errorf("add: %+v", r)
	}
	r := call(t, ts, "mcp__test__image", `{}`)
	if r.IsError || len(r.Images) != 1 || r.Images[0].MediaType != "image/png" || !strings.HasPrefix(string(r.Images[0].Data), "\x89PNG") {
		t.Errorf("image: %+v", r)
	}
	if r := call(t, ts, "mcp__test__fail", `{}`); !r.IsError || !strings.Contains(r.Content, "always does") {
		t.Errorf("fail: %+v", r)
	}
	// The server's environment: no credential, no identity-token
	// variable, no HERMES_HOME, no protected variable, no chat platform
	// token (as for bash); the rest and the config's env are there.
	env := call(t, ts, "mcp__test__env", `{}`).Content
	for _, bad := range []string{sentinelKey, "HERMES_HOME=", "ANTHROPIC_API_KEY", "ACTIONS_ID_TOKEN", "SLACK_BOT_TOKEN", "TELEGRAM_BOT_TOKEN"} {
		if strings.Contains(env, bad) {
			t.Errorf("server environment holds %q", bad)
		}
	}
	for _, want := range []string{"PLAIN=kept", "FROM_CONFIG=yes"} {
		if !strings.Contains(env, want) {
			t.Errorf("server environment lacks %q", want)
		}
	}
	// Every MCP tool asks for permission unless trusted.
	if tools.Find(ts, "mcp__test__echo").Kind() != tools.Other {
		t.Error("readOnlyHint trusted without the opt-in")
	}
	if st := m.Statuses(); len(st) != 1 || st[0].State != "connected" || st[0].Tools != 7 {
		t.Errorf("status: %+v", st)
	}
}

func TestReadOnlyHintNeedsOptIn(t *testing.T) {
	t.Parallel()
	s := stdioServer(t, "ro", nil)
	s.TrustReadOnlyHints = true
	ts := newManager(t, Options{}, s).Tools(context.Background())
	if tools.Find(ts, "mcp__ro__echo").Kind() != tools.Read || tools.Find(ts, "mcp__ro__add").Kind() != tools.Other {
		t.Error("readOnlyHint not honoured with the opt-in")
	}
}

// A hanging tool is a tool error after the per-call bound; a crash is a
// tool error; neither ends anything.
func TestTimeoutAndCrashAreToolErrors(t *testing.T) {
	t.Parallel()
	m := newManager(t, Options{ToolTimeout: 300 * time.Millisecond}, stdioServer(t, "test", nil))
	ts := m.Tools(context.Background())
	if r := call(t, ts, "mcp__test__slow", `{"ms":0}`); !r.IsError || !strings.Contains(r.Content, "did not answer") || !strings.Contains(r.Content, ToolTimeoutEnv) {
		t.Errorf("slow: %+v", r)
	}
	if r := call(t, ts, "mcp__test__echo", `{"text":"still here"}`); r.IsError {
		t.Errorf("after a timeout: %+v", r)
	}
	if r := call(t, ts, "mcp__test__crash", `{}`); !r.IsError {
		t.Errorf("crash: %+v", r)
	}
	if r := call(t, ts, "mcp__test__echo", `{"text":"x"}`); !r.IsError {
		t.Errorf("after a crash: %+v", r)
	}
}

// A server that fails to start is reported once, with its stderr, and
// the others are used.
func TestFailedServerReportedOnce(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var lines []string
	report := func(l string) { mu.Lock(); lines = append(lines, l); mu.Unlock() }
	m := newManager(t, Options{Report: report},
		stdioServer(t, "good", nil),
		stdioServer(t, "bad", map[string]string{"MCP_STANDIN_FAIL": "no database configured"}),
		Server{Name: "missing", Entry: Entry{Command: "/nonexistent/mcp-server"}})
	for range 3 {
		ts := m.Tools(context.Background())
		if tools.Find(ts, "mcp__good__echo") == nil || tools.Find(ts, "mcp__bad__echo") != nil {
			t.Fatalf("tools: %d", len(ts))
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(lines) != 2 {
		t.Fatalf("reports: %q", lines)
	}
	all := strings.Join(lines, "\n")
	if !strings.Contains(all, "MCP server bad failed to start") || !strings.Contains(all, "no database configured") || !strings.Contains(all, "MCP server missing") {
		t.Errorf("reports: %q", lines)
	}
}

// A server that never exits on EOF is killed at Close: the process is
// gone when Close returns.
func TestCloseKillsServerIgnoringEOF(t *testing.T) {
	t.Parallel()
	m := NewManager([]Server{stdioServer(t, "stubborn", map[string]string{"MCP_STANDIN_IGNORE_EOF": "1"})}, Options{})
	m.Tools(context.Background())
	pid := m.servers[0].cmd.Process.Pid
	m.Close()
	if err := syscall.Kill(pid, 0); err == nil {
		t.Errorf("server %d still running after Close", pid)
	}
}

func TestStreamableHTTP(t *testing.T) {
	t.Parallel()
	hs, err := mcpstandin.Serve("Bearer s3cret")
	if err != nil {
		t.Fatal(err)
	}
	defer hs.Close()
	var report []string
	m := newManager(t, Options{Report: func(l string) { report = append(report, l) }},
		Server{Name: "remote", Entry: Entry{Type: TransportHTTP, URL: hs.URL, Headers: map[string]string{"Authorization": "Bearer s3cret"}}},
		Server{Name: "noauth", Entry: Entry{Type: TransportHTTP, URL: hs.URL}},
		Server{Name: "legacy", Entry: Entry{Type: TransportSSE, URL: hs.SSEURL, Headers: map[string]string{"Authorization": "Bearer s3cret"}}})
	ts := m.Tools(context.Background())
	if r := call(t, ts, "mcp__remote__echo", `{"text":"over http"}`); r.IsError || r.Content != "echo: over http" {
		t.Errorf("echo: %+v", r)
	}
	if r := call(t, ts, "mcp__legacy__echo", `{"text":"over sse"}`); r.IsError || r.Content != "echo: over sse" {
		t.Errorf("sse echo: %+v", r)
	}
	if tools.Find(ts, "mcp__noauth__echo") != nil || len(report) != 1 {
		t.Errorf("a server refusing us: tools %d, report %q", len(ts), report)
	}
}

// Results for the model: text as text, images as image blocks (a type
// the API does not take is named), resources as text (a binary one named,
// not inlined), structured content when there is no text.
func TestConvertResults(t *testing.T) {
	r := convert(&sdk.CallToolResult{Content: []sdk.Content{
		&sdk.TextContent{Text: "rows:"},
		&sdk.EmbeddedResource{Resource: &sdk.ResourceContents{URI: "db://t/1", MIMEType: "text/plain", Text: "id=1"}},
		&sdk.EmbeddedResource{Resource: &sdk.ResourceContents{URI: "db://blob", MIMEType: "application/octet-stream", Blob: []byte{1, 2, 3}}},
		&sdk.ResourceLink{URI: "file:///r.txt", Name: "r"},
		&sdk.ImageContent{MIMEType: "image/png", Data: []byte("png")},
		&sdk.ImageContent{MIMEType: "image/bmp", Data: []byte("bmp")},
	}, IsError: true})
	want := "rows:\n[resource db://t/1]\nid=1\n[resource db://blob: 3 bytes of application/octet-stream]\n[resource link file:///r.txt r]\n[image of type image/bmp, not shown]"
	if r.Content != want || !r.IsError || len(r.Images) != 1 || r.Images[0].MediaType != "image/png" {
		t.Errorf("convert = %q %v %+v", r.Content, r.IsError, r.Images)
	}
	if r := convert(&sdk.CallToolResult{StructuredContent: map[string]any{"n": 1}}); r.Content != `{"n":1}` {
		t.Errorf("structured = %q", r.Content)
	}
}

func TestToolNameAndSchema(t *testing.T) {
	if got := ToolName("my.srv", "get issue"); got != "mcp__my_srv__get_issue" {
		t.Errorf("ToolName = %q", got)
	}
	s := schema(map[string]any{"type": "object", "properties": map[string]any{"a": map[string]any{"type": "string"}}, "required": []any{"a"}, "additionalProperties": false})
	if s.Properties == nil || len(s.Required) != 1 || s.ExtraFields["additionalProperties"] != false {
		t.Errorf("schema: %+v", s)
	}
}
