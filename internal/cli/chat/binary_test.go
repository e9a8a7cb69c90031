package chat

import (
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

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/oidctest"
	"github.com/hermes-agent/hermes/internal/ptytest"
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

func TestInteractiveOnAPseudoTerminal(t *testing.T) {
	bin := hermesBinary(t)
	s := anthropictest.New(t, anthropictest.Config{Rules: []anthropictest.Rule{{ID: anthropictest.DefaultRuleID, Issuer: "https://unused.example"}}, APIKeys: []string{testKey}})
	cmd := exec.Command(bin, "chat", "--base-url", s.URL)
	cmd.Env = append(baseEnv(t.TempDir()), "ANTHROPIC_API_KEY="+testKey)
	// Started after the stand-in, so at cleanup the child is killed before
	// the stand-in's Close waits for open requests.
	con := ptytest.StartWithSize(t, cmd, 40, 120)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	con.Expect("> ")
	con.Send("hello\r")
	con.Expect("echo: hello")
	con.Expect("> ")
	// History: arrow-up recalls the last line.
	con.Send("\x1b[A\r")
	con.Expect("echo: hello")
	con.Expect("> ")
	con.Send("/model claude-haiku-5-5\r")
	con.Expect("Model: claude-haiku-5-5")
	con.Expect("> ")
	con.Send("/new\r")
	con.Expect("New session")
	con.Expect("> ")

	// Ctrl-C while an answer is pending cancels it, and the chat goes on.
	// (The spinner may show before the request reaches the stand-in, so
	// the fault is cleared afterwards rather than limited to one use.)
	s.Fault("/v1/messages", anthropictest.Fault{Latency: time.Hour})
	con.Send("wait\r")
	con.Expect("thinking…")
	con.Send("\x03")
	con.Expect("(cancelled)")
	con.Expect("> ")
	s.ClearFaults()
	con.Send("after\r")
	con.Expect("echo: after")
	con.Send("/exit\r")
	if err := <-exited; err != nil {
		t.Fatalf("hermes chat exited with %v", err)
	}
	reqs := s.MessageRequests()
	last := reqs[len(reqs)-1]
	if last.Model != "claude-haiku-5-5" || len(last.Messages) != 1 {
		t.Errorf("after /model and /new: model %q, %d messages", last.Model, len(last.Messages))
	}
	if strings.Contains(con.Output(), testKey) {
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
	con := ptytest.StartWithSize(t, cmd, 40, 120)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	con.Expect("> ")
	con.Send("one\r")
	con.Expect("echo: one")
	con.Expect("> ")

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

	con.Send("/exit\r")
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
