package chat_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/hermestest"
	"github.com/hermes-agent/hermes/internal/oidctest"
	"github.com/hermes-agent/hermes/internal/ptytest"
)

// These tests run the real hermes binary (hermestest: this test binary
// re-executed as hermes); the benchmarks measure the shipped binary.

func TestMain(m *testing.M) { hermestest.Main(m) }

// testKey is an API key the stand-ins accept (a sentinel: never shown).
const testKey = "sk-ant-api03-SENTINELkeySENTINELkeySENTINEL"

// baseEnv is a clean environment: no ambient Anthropic credentials.
func baseEnv(home string) []string {
	return hermestest.Env("HOME="+home, "HERMES_HOME="+filepath.Join(home, ".hermes"), "PATH=/usr/bin:/bin", "TERM=xterm")
}

// startTUI starts `hermes chat` on an emulated rows×cols terminal and
// waits for the input to be ready.
func startTUI(t *testing.T, env []string, args ...string) (*ptytest.Console, <-chan error) {
	t.Helper()
	cmd := exec.Command(hermestest.Binary(t), append([]string{"chat"}, args...)...)
	cmd.Env = env
	con := ptytest.StartScreen(t, cmd, 30, 100)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	con.ExpectScreen("/help for commands")
	return con, exited
}

func TestInteractiveOnAPseudoTerminal(t *testing.T) {
	s := anthropictest.New(t, anthropictest.Config{Rules: []anthropictest.Rule{{ID: anthropictest.DefaultRuleID, Issuer: "https://unused.example"}}, APIKeys: []string{testKey}})
	home := t.TempDir()
	con, exited := startTUI(t, append(baseEnv(home), "ANTHROPIC_API_KEY="+testKey), "--base-url", s.URL)

	// A bracketed paste of several lines is one message; Enter sends it.
	con.Send("\x1b[200~first line\nsecond line\nthird line\x1b[201~")
	con.ExpectScreen("third line")
	con.Send("\r")
	con.ExpectScreen("echo: first line")
	reqs := s.MessageRequests()
	if len(reqs) != 1 || reqs[0].LastUserText() != "first line\nsecond line\nthird line" {
		t.Fatalf("the paste became %d requests: %+v", len(reqs), reqs)
	}
	// Ctrl+J inserts a newline instead of sending.
	con.Send("a\nb\r")
	con.ExpectScreen("echo: a")
	if reqs := s.MessageRequests(); reqs[len(reqs)-1].LastUserText() != "a\nb" {
		t.Errorf("Ctrl+J: sent %q", reqs[len(reqs)-1].LastUserText())
	}

	// The status line and /status.
	con.ExpectScreen("API key · session ")
	con.Send("/status\r")
	con.ExpectScreen("Credential: API key")
	con.ExpectScreen("Tokens:")

	// History: Up recalls the last prompt; it is saved 0600 without a key.
	con.Send("\x1b[A")
	con.WaitScreen("the last prompt in the input", func(sc string) bool { return strings.Contains(sc, "> a") })
	con.Send("\x03")
	con.Send("my key is " + testKey + "\r")
	con.ExpectScreen("echo: my key is")
	hist := filepath.Join(home, ".hermes", "history")
	fi, err := os.Stat(hist)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("history: %v %v", fi, err)
	}
	data, _ := os.ReadFile(hist)
	if !strings.Contains(string(data), `"first line\nsecond line\nthird line"`) || strings.Contains(string(data), "my key is") {
		t.Errorf("history file:\n%s", data)
	}

	// Streamed text is on screen before the answer completes; Ctrl+C
	// cancels the answer and the chat goes on.
	s.Script(anthropictest.Reply{Text: "partial answer streaming", Stall: true})
	con.Send("slow\r")
	con.ExpectScreen("partial answer streaming")
	con.ExpectScreen("thinking")
	con.Send("\x03")
	con.ExpectScreen("(cancelled)")
	con.Send("after\r")
	con.ExpectScreen("echo: after")

	// Resize re-flows the transcript.
	con.Send("/help\r")
	con.ExpectScreen("Shift+Enter")
	con.Resize(30, 50)
	con.WaitScreen("a re-flowed screen", func(sc string) bool {
		for _, l := range strings.Split(sc, "\n") {
			if len([]rune(strings.TrimRight(l, " "))) > 50 {
				return false
			}
		}
		return strings.Contains(sc, "session")
	})

	// Ctrl+C with text clears it; on an empty input it quits.
	con.Send("draft")
	con.ExpectScreen("> draft")
	con.Send("\x03")
	con.WaitScreen("a cleared input", func(sc string) bool { return !strings.Contains(sc, "> draft") })
	con.Send("\x03")
	if err := <-exited; err != nil {
		t.Fatalf("hermes chat exited with %v", err)
	}
}

// /resume offers the saved sessions with their first prompt and shows
// the earlier turns of the one picked.
func TestResumePicker(t *testing.T) {
	s := anthropictest.New(t, anthropictest.Config{Rules: []anthropictest.Rule{{ID: anthropictest.DefaultRuleID, Issuer: "https://unused.example"}}, APIKeys: []string{testKey}})
	env := append(baseEnv(t.TempDir()), "ANTHROPIC_API_KEY="+testKey)
	c := exec.Command(hermestest.Binary(t), "chat", "--base-url", s.URL, "-q", "the earlier question")
	c.Env = env
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	con, exited := startTUI(t, env, "--base-url", s.URL)
	con.Send("/res")
	con.ExpectScreen("/resume")
	con.Send("\t\r")
	con.ExpectScreen("Resume a session")
	con.ExpectScreen("the earlier question")
	con.Send("\r")
	con.ExpectScreen("Resumed session")
	con.ExpectScreen("echo: the earlier question")
	con.Send("next\r")
	con.ExpectScreen("echo: next")
	con.Send("/exit\r")
	if err := <-exited; err != nil {
		t.Fatalf("hermes chat exited with %v", err)
	}
	reqs := s.MessageRequests()
	if last := reqs[len(reqs)-1]; len(last.Messages) != 3 {
		t.Errorf("the resumed session sent %d messages, want 3", len(last.Messages))
	}
}

// Two real processes: while an interactive chat has its session open, a
// second `hermes chat -c` is refused with exit 1; once the first exits,
// the second continues the session with every turn the first saved.
func TestSessionOpenInAnotherProcess(t *testing.T) {
	bin := hermestest.Binary(t)
	s := anthropictest.New(t, anthropictest.Config{Rules: []anthropictest.Rule{{ID: anthropictest.DefaultRuleID, Issuer: "https://unused.example"}}, APIKeys: []string{testKey}})
	env := append(baseEnv(t.TempDir()), "ANTHROPIC_API_KEY="+testKey)
	con, exited := startTUI(t, env, "--base-url", s.URL)
	con.Send("one\r")
	con.ExpectScreen("echo: one")

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
	bin := hermestest.Shipped(b)
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

// BenchmarkInteractiveReady measures `hermes chat` on a terminal from
// process start to a drawn, ready input (credential resolved, UI up),
// then quits it with Ctrl+C.
//
//	go test -run '^$' -bench InteractiveReady -benchtime 20x ./internal/cli/chat/
func BenchmarkInteractiveReady(b *testing.B) {
	bin := hermestest.Shipped(b)
	env := append(baseEnv(b.TempDir()), "ANTHROPIC_API_KEY="+testKey)
	for b.Loop() {
		cmd := exec.Command(bin, "chat", "--base-url", "http://127.0.0.1:9")
		cmd.Env = env
		con := ptytest.StartScreen(b, cmd, 30, 100)
		con.ExpectScreen("/help for commands")
		b.StopTimer()
		con.Send("\x03")
		cmd.Wait()
		b.StartTimer()
	}
}

// No credential at all on a terminal: one line and the auth add menu,
// then the chat starts with the credential just added.
func TestNoCredentialOffersAuthAdd(t *testing.T) {
	s := anthropictest.New(t, anthropictest.Config{Rules: []anthropictest.Rule{{ID: anthropictest.DefaultRuleID, Issuer: "https://unused.example"}}, APIKeys: []string{testKey}})
	cmd := exec.Command(hermestest.Binary(t), "chat", "--base-url", s.URL)
	cmd.Env = baseEnv(t.TempDir())
	con := ptytest.StartScreen(t, cmd, 30, 100)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	con.Expect("No Anthropic credential found (`hermes auth status` shows what was checked). Add one now:")
	con.Expect("Choose 1-3: ")
	con.Send("1\r")
	con.Expect("input is hidden")
	con.Send(testKey + "\r")
	con.ExpectScreen("/help for commands")
	con.Send("hi\r")
	con.ExpectScreen("echo: hi")
	con.Send("/exit\r")
	if err := <-exited; err != nil {
		t.Fatalf("hermes chat exited with %v", err)
	}
	if out := con.Output(); strings.Contains(out, "Checked, in order") || strings.Contains(out, testKey) {
		t.Errorf("the long explanation or the key on the terminal:\n%s", out)
	}
}
