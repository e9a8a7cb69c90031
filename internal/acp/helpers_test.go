package acp

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	sdk "github.com/coder/acp-go-sdk"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/iostreams"
)

const testKey = "sk-ant-api03-SENTINELacpKEYsentinelACPkey0000"

// testClient is the editor side: it records updates, answers permission
// requests and serves files like an editor's buffers.
type testClient struct {
	mu      sync.Mutex
	updates []sdk.SessionNotification
	// onUpdate, when set, sees every update as it arrives.
	onUpdate func(sdk.SessionNotification)
	// permit answers session/request_permission; nil cancels.
	permit   func(sdk.RequestPermissionRequest) sdk.RequestPermissionResponse
	asked    []sdk.RequestPermissionRequest
	files    map[string]string
	fileLogs []string
}

func (c *testClient) SessionUpdate(ctx context.Context, n sdk.SessionNotification) error {
	c.mu.Lock()
	c.updates = append(c.updates, n)
	f := c.onUpdate
	c.mu.Unlock()
	if f != nil {
		f(n)
	}
	return nil
}

func (c *testClient) RequestPermission(ctx context.Context, p sdk.RequestPermissionRequest) (sdk.RequestPermissionResponse, error) {
	c.mu.Lock()
	c.asked = append(c.asked, p)
	permit := c.permit
	c.mu.Unlock()
	if permit == nil {
		return sdk.RequestPermissionResponse{Outcome: sdk.RequestPermissionOutcome{Cancelled: &sdk.RequestPermissionOutcomeCancelled{}}}, nil
	}
	return permit(p), nil
}

func (c *testClient) ReadTextFile(ctx context.Context, p sdk.ReadTextFileRequest) (sdk.ReadTextFileResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fileLogs = append(c.fileLogs, "read "+p.Path)
	s, ok := c.files[p.Path]
	if !ok {
		return sdk.ReadTextFileResponse{}, &sdk.RequestError{Code: -32002, Message: "Resource not found"}
	}
	return sdk.ReadTextFileResponse{Content: s}, nil
}

func (c *testClient) WriteTextFile(ctx context.Context, p sdk.WriteTextFileRequest) (sdk.WriteTextFileResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fileLogs = append(c.fileLogs, "write "+p.Path)
	if c.files == nil {
		c.files = map[string]string{}
	}
	c.files[p.Path] = p.Content
	return sdk.WriteTextFileResponse{}, nil
}

func (c *testClient) CreateTerminal(context.Context, sdk.CreateTerminalRequest) (sdk.CreateTerminalResponse, error) {
	return sdk.CreateTerminalResponse{}, sdk.NewMethodNotFound("terminal/create")
}
func (c *testClient) KillTerminal(context.Context, sdk.KillTerminalRequest) (sdk.KillTerminalResponse, error) {
	return sdk.KillTerminalResponse{}, sdk.NewMethodNotFound("terminal/kill")
}
func (c *testClient) TerminalOutput(context.Context, sdk.TerminalOutputRequest) (sdk.TerminalOutputResponse, error) {
	return sdk.TerminalOutputResponse{}, sdk.NewMethodNotFound("terminal/output")
}
func (c *testClient) ReleaseTerminal(context.Context, sdk.ReleaseTerminalRequest) (sdk.ReleaseTerminalResponse, error) {
	return sdk.ReleaseTerminalResponse{}, sdk.NewMethodNotFound("terminal/release")
}
func (c *testClient) WaitForTerminalExit(context.Context, sdk.WaitForTerminalExitRequest) (sdk.WaitForTerminalExitResponse, error) {
	return sdk.WaitForTerminalExitResponse{}, sdk.NewMethodNotFound("terminal/wait_for_exit")
}

// messageText joins the agent_message_chunk texts received so far.
func (c *testClient) messageText() string {
	var b strings.Builder
	for _, ch := range c.chunks() {
		b.WriteString(ch)
	}
	return b.String()
}

func (c *testClient) chunks() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, n := range c.updates {
		if m := n.Update.AgentMessageChunk; m != nil && m.Content.Text != nil {
			out = append(out, m.Content.Text.Text)
		}
	}
	return out
}

func (c *testClient) toolCalls() (starts []*sdk.SessionUpdateToolCall, updates []*sdk.SessionToolCallUpdate) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.updates {
		if n.Update.ToolCall != nil {
			starts = append(starts, n.Update.ToolCall)
		}
		if n.Update.ToolCallUpdate != nil {
			updates = append(updates, n.Update.ToolCallUpdate)
		}
	}
	return starts, updates
}

// env is one hermes process's world: a home, an environment, a stand-in.
type env struct {
	t    *testing.T
	s    *anthropictest.Server
	home string
	vars map[string]string
	rt   *credential.Runtime
	// resolve, when set, replaces the static runtime.
	resolve func(context.Context) (*credential.Runtime, error)
	stderr  *iostreams.SyncBuffer
	cwd     string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	s := anthropictest.New(t, anthropictest.Config{
		Rules:   []anthropictest.Rule{{ID: anthropictest.DefaultRuleID, Issuer: "https://unused.example"}},
		APIKeys: []string{testKey},
	})
	e := &env{t: t, s: s, home: t.TempDir(), cwd: t.TempDir(), stderr: &iostreams.SyncBuffer{}}
	e.vars = map[string]string{"HERMES_HOME": e.home}
	e.rt = credential.NewStaticRuntime(s.URL, credential.ModeAPIKey, credential.KindAPIKey, "ANTHROPIC_API_KEY (environment)", testKey)
	return e
}

func (e *env) config() Config {
	resolve := e.resolve
	if resolve == nil {
		resolve = func(context.Context) (*credential.Runtime, error) { return e.rt, nil }
	}
	return Config{
		Resolve: resolve,
		Home:    e.home,
		Getenv:  func(k string) string { return e.vars[k] },
		Now:     time.Now,
		Version: "1.2.3-test",
		Logger:  slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
}

// conn is a client connected in-process to a fresh Server.
type conn struct {
	*sdk.ClientSideConnection
	cl  *testClient
	srv *Server
	// closeIn ends the connection (the editor quits).
	closeIn func()
}

func (e *env) connect(cfg Config, cl *testClient) *conn {
	e.t.Helper()
	c2aR, c2aW := io.Pipe()
	a2cR, a2cW := io.Pipe()
	srv := NewServer(cfg)
	srv.Attach(a2cW, c2aR)
	cs := sdk.NewClientSideConnection(cl, c2aW, a2cR)
	var once sync.Once
	c := &conn{ClientSideConnection: cs, cl: cl, srv: srv, closeIn: func() {
		once.Do(func() {
			c2aW.Close()
			srv.Close()
			a2cW.Close()
		})
	}}
	e.t.Cleanup(c.closeIn)
	return c
}

// start connects, initializes and opens a session in e.cwd.
func (e *env) start(cl *testClient, caps sdk.ClientCapabilities) (*conn, sdk.SessionId) {
	e.t.Helper()
	c := e.connect(e.config(), cl)
	ctx := context.Background()
	if _, err := c.Initialize(ctx, sdk.InitializeRequest{ProtocolVersion: sdk.ProtocolVersionNumber, ClientCapabilities: caps}); err != nil {
		e.t.Fatal(err)
	}
	ns, err := c.NewSession(ctx, sdk.NewSessionRequest{Cwd: e.cwd, McpServers: []sdk.McpServer{}})
	if err != nil {
		e.t.Fatal(err)
	}
	return c, ns.SessionId
}

func prompt(ctx context.Context, c *conn, id sdk.SessionId, text string) (sdk.PromptResponse, error) {
	return c.Prompt(ctx, sdk.PromptRequest{SessionId: id, Prompt: []sdk.ContentBlock{sdk.TextBlock(text)}})
}

func reqErr(t *testing.T, err error) *sdk.RequestError {
	t.Helper()
	var re *sdk.RequestError
	if !errors.As(err, &re) {
		t.Fatalf("error %v (%T) is not a protocol error", err, err)
	}
	return re
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
