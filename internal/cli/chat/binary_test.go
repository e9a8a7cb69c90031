package chat

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

// These tests run the real hermes binary, built once per test process.

var (
	buildOnce sync.Once
	buildBin  string
	buildErr  error
	buildDir  string
)

func hermesBinary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "hermes-chat-bin-")
		if buildErr != nil {
			return
		}
		buildBin = filepath.Join(buildDir, "hermes")
		gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
		out, err := exec.Command(gobin, "build", "-o", buildBin, "github.com/hermes-agent/hermes/cmd/hermes").CombinedOutput()
		if err != nil {
			buildErr = err
			buildBin = string(out)
		}
	})
	if buildErr != nil {
		tb.Fatalf("go build: %v\n%s", buildErr, buildBin)
	}
	return buildBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// baseEnv is a clean environment: no ambient Anthropic credentials.
func baseEnv(home string) []string {
	return []string{"HOME=" + home, "HERMES_HOME=" + filepath.Join(home, ".hermes"), "PATH=/usr/bin:/bin", "TERM=xterm"}
}

// console reads a pseudo-terminal's output and waits for text in it.
type console struct {
	t    *testing.T
	mu   sync.Mutex
	buf  bytes.Buffer
	seen int // offset past the last match
	more chan struct{}
}

func newConsole(t *testing.T, f *os.File) *console {
	c := &console{t: t, more: make(chan struct{}, 1)}
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := f.Read(b)
			c.mu.Lock()
			c.buf.Write(b[:n])
			c.mu.Unlock()
			select {
			case c.more <- struct{}{}:
			default:
			}
			if err != nil {
				return
			}
		}
	}()
	return c
}

// expect waits until s appears after the previous match. The deadline only
// keeps a broken build from hanging the test run.
func (c *console) expect(s string) {
	c.t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		c.mu.Lock()
		i := strings.Index(c.buf.String()[c.seen:], s)
		if i >= 0 {
			c.seen += i + len(s)
		}
		all := c.buf.String()
		c.mu.Unlock()
		if i >= 0 {
			return
		}
		select {
		case <-c.more:
		case <-deadline:
			c.t.Fatalf("waiting for %q; terminal shows:\n%s", s, all)
		}
	}
}

func TestInteractiveOnAPseudoTerminal(t *testing.T) {
	bin := hermesBinary(t)
	s := anthropictest.New(t, anthropictest.Config{Rules: []anthropictest.Rule{{ID: anthropictest.DefaultRuleID, Issuer: "https://unused.example"}}, APIKeys: []string{testKey}})
	cmd := exec.Command(bin, "chat", "--base-url", s.URL)
	cmd.Env = append(baseEnv(t.TempDir()), "ANTHROPIC_API_KEY="+testKey)
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Fatal(err)
	}
	con := newConsole(t, ptmx)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// Cleanups run last-in first-out: the child goes before the stand-in,
	// whose Close waits for open requests.
	t.Cleanup(func() {
		cmd.Process.Kill()
		ptmx.Close()
	})

	con.expect("> ")
	ptmx.WriteString("hello\r")
	con.expect("echo: hello")
	con.expect("> ")
	// History: arrow-up recalls the last line.
	ptmx.WriteString("\x1b[A\r")
	con.expect("echo: hello")
	con.expect("> ")
	ptmx.WriteString("/model claude-pty\r")
	con.expect("Model: claude-pty")
	con.expect("> ")
	ptmx.WriteString("/new\r")
	con.expect("New session")
	con.expect("> ")

	// Ctrl-C while an answer is pending cancels it, and the chat goes on.
	// (The spinner may show before the request reaches the stand-in, so
	// the fault is cleared afterwards rather than limited to one use.)
	s.Fault("/v1/messages", anthropictest.Fault{Latency: time.Hour})
	ptmx.WriteString("wait\r")
	con.expect("thinking…")
	ptmx.WriteString("\x03")
	con.expect("(cancelled)")
	con.expect("> ")
	s.ClearFaults()
	ptmx.WriteString("after\r")
	con.expect("echo: after")
	ptmx.WriteString("/exit\r")
	if err := <-exited; err != nil {
		t.Fatalf("hermes chat exited with %v", err)
	}
	reqs := s.MessageRequests()
	last := reqs[len(reqs)-1]
	if last.Model != "claude-pty" || len(last.Messages) != 1 {
		t.Errorf("after /model and /new: model %q, %d messages", last.Model, len(last.Messages))
	}
	con.mu.Lock()
	defer con.mu.Unlock()
	if strings.Contains(con.buf.String(), testKey) {
		t.Error("key on the terminal")
	}
}

// Two real processes: while an interactive chat has its session open, a
// second `hermes chat -c` is refused with exit 1; once the first exits,
// the second continues the session with every turn the first saved.
func TestSessionOpenInAnotherProcess(t *testing.T) {
	bin := hermesBinary(t)
	s := anthropictest.New(t, anthropictest.Config{Rules: []anthropictest.Rule{{ID: anthropictest.DefaultRuleID, Issuer: "https://unused.example"}}, APIKeys: []string{testKey}})
	env := append(baseEnv(t.TempDir()), "ANTHROPIC_API_KEY="+testKey)
	cmd := exec.Command(bin, "chat", "--base-url", s.URL)
	cmd.Env = env
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Fatal(err)
	}
	con := newConsole(t, ptmx)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		ptmx.Close()
	})
	con.expect("> ")
	ptmx.WriteString("one\r")
	con.expect("echo: one")
	con.expect("> ")

	second := func() (string, error) {
		c := exec.Command(bin, "chat", "--base-url", s.URL, "-c", "-q", "two")
		c.Env = env
		out, err := c.CombinedOutput()
		return string(out), err
	}
	out, err := second()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(out, "is open in another hermes process") {
		t.Fatalf("second process while the first holds the session: %v\n%s", err, out)
	}

	ptmx.WriteString("/exit\r")
	if err := <-exited; err != nil {
		t.Fatalf("hermes chat exited with %v", err)
	}
	if out, err := second(); err != nil || !strings.Contains(out, "echo: two") {
		t.Fatalf("second process after the first exited: %v\n%s", err, out)
	}
	reqs := s.MessageRequests()
	if last := reqs[len(reqs)-1]; len(reqs) != 2 || len(last.Messages) != 3 {
		t.Errorf("%d requests; the resumed one sent %d messages, want 3", len(reqs), len(last.Messages))
	}
}

// BenchmarkOneShotWarmCache runs `hermes chat -q` as a process against the
// local stand-in with WIF and a warm token cache, and reports wall time
// per run (ns/op) and the largest peak RSS seen.
//
//	go test -run '^$' -bench OneShotWarmCache -benchtime 50x ./internal/cli/chat/
func BenchmarkOneShotWarmCache(b *testing.B) {
	bin := hermesBinary(b)
	iss := oidctest.New(b)
	s := anthropictest.New(b, anthropictest.Config{Issuer: iss})
	home := b.TempDir()
	tokenFile := filepath.Join(home, "token")
	os.WriteFile(tokenFile, []byte(iss.Mint(oidctest.Claims{TTL: time.Hour})), 0o600)
	env := append(baseEnv(home),
		"ANTHROPIC_BASE_URL="+s.URL,
		"ANTHROPIC_FEDERATION_RULE_ID="+anthropictest.DefaultRuleID,
		"ANTHROPIC_ORGANIZATION_ID="+anthropictest.DefaultOrgID,
		"ANTHROPIC_IDENTITY_TOKEN_FILE="+tokenFile,
	)
	run := func() *os.ProcessState {
		cmd := exec.Command(bin, "chat", "-q", "hi")
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "echo: hi") {
			b.Fatalf("hermes chat: %v\n%s", err, out)
		}
		return cmd.ProcessState
	}
	run() // warms the token cache: the one exchange
	var maxRSS int64
	b.ResetTimer()
	for b.Loop() {
		if ru, ok := run().SysUsage().(*syscall.Rusage); ok && ru.Maxrss > maxRSS {
			maxRSS = ru.Maxrss // KiB on Linux
		}
	}
	b.ReportMetric(float64(maxRSS)/1024, "MiB-maxrss")
	if n := s.ExchangeCount(); n != 1 {
		b.Errorf("%d exchanges, want 1 (warm cache)", n)
	}
}
