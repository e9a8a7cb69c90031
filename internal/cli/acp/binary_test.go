package acp_test

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	sdk "github.com/coder/acp-go-sdk"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/hermestest"
	"github.com/hermes-agent/hermes/internal/iostreams"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

// These tests run the real hermes binary as an editor does (hermestest:
// this test binary re-executed as hermes), and speak ACP to it with the
// SDK's client side. The benchmarks measure the shipped binary.

func TestMain(m *testing.M) { hermestest.Main(m) }

// editor is the client side of a running `hermes acp`.
type editor struct {
	cmd    *exec.Cmd
	conn   *sdk.ClientSideConnection
	stdin  io.WriteCloser
	stderr *iostreams.SyncBuffer
	// chunk receives every agent_message_chunk's text.
	chunk chan string
}

type editorClient struct{ e *editor }

func (c editorClient) SessionUpdate(_ context.Context, n sdk.SessionNotification) error {
	if m := n.Update.AgentMessageChunk; m != nil && m.Content.Text != nil {
		select {
		case c.e.chunk <- m.Content.Text.Text:
		default:
		}
	}
	return nil
}
func (editorClient) RequestPermission(context.Context, sdk.RequestPermissionRequest) (sdk.RequestPermissionResponse, error) {
	return sdk.RequestPermissionResponse{Outcome: sdk.RequestPermissionOutcome{Cancelled: &sdk.RequestPermissionOutcomeCancelled{}}}, nil
}
func (editorClient) ReadTextFile(context.Context, sdk.ReadTextFileRequest) (sdk.ReadTextFileResponse, error) {
	return sdk.ReadTextFileResponse{}, sdk.NewMethodNotFound("fs/read_text_file")
}
func (editorClient) WriteTextFile(context.Context, sdk.WriteTextFileRequest) (sdk.WriteTextFileResponse, error) {
	return sdk.WriteTextFileResponse{}, sdk.NewMethodNotFound("fs/write_text_file")
}
func (editorClient) CreateTerminal(context.Context, sdk.CreateTerminalRequest) (sdk.CreateTerminalResponse, error) {
	return sdk.CreateTerminalResponse{}, sdk.NewMethodNotFound("terminal/create")
}
func (editorClient) KillTerminal(context.Context, sdk.KillTerminalRequest) (sdk.KillTerminalResponse, error) {
	return sdk.KillTerminalResponse{}, sdk.NewMethodNotFound("terminal/kill")
}
func (editorClient) TerminalOutput(context.Context, sdk.TerminalOutputRequest) (sdk.TerminalOutputResponse, error) {
	return sdk.TerminalOutputResponse{}, sdk.NewMethodNotFound("terminal/output")
}
func (editorClient) ReleaseTerminal(context.Context, sdk.ReleaseTerminalRequest) (sdk.ReleaseTerminalResponse, error) {
	return sdk.ReleaseTerminalResponse{}, sdk.NewMethodNotFound("terminal/release")
}
func (editorClient) WaitForTerminalExit(context.Context, sdk.WaitForTerminalExitRequest) (sdk.WaitForTerminalExitResponse, error) {
	return sdk.WaitForTerminalExitResponse{}, sdk.NewMethodNotFound("terminal/wait_for_exit")
}

// spawn starts `hermes acp args...` with env and connects to it.
func spawn(tb testing.TB, bin string, env []string, args ...string) *editor {
	tb.Helper()
	cmd := exec.Command(bin, append([]string{"acp"}, args...)...)
	cmd.Env = hermestest.Env(env...)
	e := &editor{cmd: cmd, stderr: &iostreams.SyncBuffer{}, chunk: make(chan string, 64)}
	cmd.Stderr = e.stderr
	var err error
	if e.stdin, err = cmd.StdinPipe(); err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	e.conn = sdk.NewClientSideConnection(editorClient{e}, e.stdin, stdout)
	return e
}

// quit closes stdin, as an editor does, and waits for a clean exit.
func (e *editor) quit(tb testing.TB) {
	tb.Helper()
	e.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- e.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			tb.Fatalf("hermes acp exited with %v\nstderr:\n%s", err, e.stderr)
		}
	case <-time.After(30 * time.Second):
		e.cmd.Process.Kill()
		tb.Fatal("hermes acp did not exit when stdin closed")
	}
}

// wifEnv is a clean environment with WIF from the SDK's variables.
func wifEnv(tb testing.TB) ([]string, *anthropictest.Server) {
	iss := oidctest.New(tb)
	s := anthropictest.New(tb, anthropictest.Config{Issuer: iss})
	home := tb.TempDir()
	tokenFile := filepath.Join(tb.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(iss.Mint(oidctest.Claims{})), 0o600); err != nil {
		tb.Fatal(err)
	}
	return []string{
		"HOME=" + home, "HERMES_HOME=" + filepath.Join(home, ".hermes"), "PATH=/usr/bin:/bin",
		"ANTHROPIC_BASE_URL=" + s.URL,
		"ANTHROPIC_FEDERATION_RULE_ID=" + anthropictest.DefaultRuleID,
		"ANTHROPIC_ORGANIZATION_ID=" + anthropictest.DefaultOrgID,
		"ANTHROPIC_IDENTITY_TOKEN_FILE=" + tokenFile,
	}, s
}

func TestBinaryPromptOverStdio(t *testing.T) {
	t.Parallel()
	bin := hermestest.Binary(t)
	env, s := wifEnv(t)
	s.Script(anthropictest.Reply{Text: "streamed from the real binary"})
	e := spawn(t, bin, env, "--verbose")
	ctx := context.Background()
	init, err := e.conn.Initialize(ctx, sdk.InitializeRequest{ProtocolVersion: sdk.ProtocolVersionNumber})
	if err != nil {
		t.Fatal(err)
	}
	if init.AgentInfo.Name != "hermes" || !init.AgentCapabilities.LoadSession {
		t.Errorf("initialize %+v", init)
	}
	ns, err := e.conn.NewSession(ctx, sdk.NewSessionRequest{Cwd: t.TempDir(), McpServers: []sdk.McpServer{}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.conn.Prompt(ctx, sdk.PromptRequest{SessionId: ns.SessionId, Prompt: []sdk.ContentBlock{sdk.TextBlock("hi")}})
	if err != nil || resp.StopReason != sdk.StopReasonEndTurn {
		t.Fatalf("prompt: %+v %v\nstderr:\n%s", resp, err, e.stderr)
	}
	var got strings.Builder
	for len(e.chunk) > 0 {
		got.WriteString(<-e.chunk)
	}
	if got.String() != "streamed from the real binary" {
		t.Errorf("chunks %q", got.String())
	}
	e.quit(t)
	if n := s.ExchangeCount(); n != 1 {
		t.Errorf("%d exchanges", n)
	}
	for _, sec := range s.Secrets() {
		if strings.Contains(e.stderr.String(), sec) {
			t.Error("a secret reached stderr")
		}
	}
}

// With no credential at all, session/new says how to add one and the
// process keeps serving.
func TestBinaryNoCredential(t *testing.T) {
	t.Parallel()
	bin := hermestest.Binary(t)
	home := t.TempDir()
	e := spawn(t, bin, []string{"HOME=" + home, "HERMES_HOME=" + filepath.Join(home, ".hermes"), "PATH=/usr/bin:/bin"})
	ctx := context.Background()
	if _, err := e.conn.Initialize(ctx, sdk.InitializeRequest{ProtocolVersion: 1}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_, err := e.conn.NewSession(ctx, sdk.NewSessionRequest{Cwd: home, McpServers: []sdk.McpServer{}})
		if err == nil || !strings.Contains(err.Error(), "-32000") || !strings.Contains(err.Error(), "hermes auth add") {
			t.Fatalf("session/new without a credential: %v", err)
		}
	}
	e.quit(t)
}

// BenchmarkSpawnToFirstChunk measures what an editor waits for: spawn
// hermes acp, initialize, session/new, prompt, until the first
// agent_message_chunk — with a warm WIF token cache. It also reports the
// RSS of the process with one idle session open.
func BenchmarkSpawnToFirstChunk(b *testing.B) {
	bin := hermestest.Shipped(b)
	env, s := wifEnv(b)
	cwd := b.TempDir()
	run := func() (rssKiB int) {
		e := spawn(b, bin, env)
		ctx := context.Background()
		if _, err := e.conn.Initialize(ctx, sdk.InitializeRequest{ProtocolVersion: 1}); err != nil {
			b.Fatal(err)
		}
		ns, err := e.conn.NewSession(ctx, sdk.NewSessionRequest{Cwd: cwd, McpServers: []sdk.McpServer{}})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		rssKiB = rss(e.cmd.Process.Pid) // one idle session
		b.StartTimer()
		go e.conn.Prompt(ctx, sdk.PromptRequest{SessionId: ns.SessionId, Prompt: []sdk.ContentBlock{sdk.TextBlock("hi")}})
		<-e.chunk
		b.StopTimer()
		e.quit(b)
		b.StartTimer()
		return rssKiB
	}
	run() // warms the token cache
	b.ResetTimer()
	var total int
	for i := 0; i < b.N; i++ {
		total += run()
	}
	b.StopTimer()
	b.ReportMetric(float64(total)/float64(b.N)/1024, "MiB-idle-rss")
	if n := s.ExchangeCount(); n != 1 {
		b.Errorf("%d exchanges: the token cache was not reused", n)
	}
}

// rss is the process's resident set in KiB (Linux), 0 elsewhere.
func rss(pid int) int {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	return 0
}

// BenchmarkSpawnVersion is the floor under BenchmarkSpawnToFirstChunk on
// the same machine: starting the binary and exiting.
func BenchmarkSpawnVersion(b *testing.B) {
	bin := hermestest.Shipped(b)
	for i := 0; i < b.N; i++ {
		if out, err := exec.Command(bin, "version").CombinedOutput(); err != nil {
			b.Fatalf("%v: %s", err, out)
		}
	}
}
