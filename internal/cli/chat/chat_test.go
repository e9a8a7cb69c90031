package chat

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/iostreams"
)

const testKey = "sk-ant-api03-SENTINELkeySENTINELkeySENTINEL"

type harness struct {
	f           *cmdutil.Factory
	in          *bytes.Buffer
	out, errOut *bytes.Buffer
	home        string
	env         map[string]string
	rt          *credential.Runtime
	interrupts  chan os.Signal
}

func newHarness(t *testing.T, baseURL, key string) *harness {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	h := &harness{in: in, out: out, errOut: errOut, home: t.TempDir(), interrupts: make(chan os.Signal, 1)}
	h.env = map[string]string{"HERMES_HOME": h.home}
	h.rt = credential.NewStaticRuntime(baseURL, credential.ModeAPIKey, credential.KindAPIKey, "ANTHROPIC_API_KEY (environment)", key)
	h.f = &cmdutil.Factory{
		IO:     ios,
		Getenv: func(k string) string { return h.env[k] },
		Now:    time.Now,
	}
	h.f.Resolve = func(context.Context) (*credential.Runtime, error) { return h.rt, nil }
	return h
}

func (h *harness) run(ctx context.Context, args ...string) error {
	cmd := newCmd(h.f, func(ctx context.Context, o *Options) error {
		o.Interrupts = func() (<-chan os.Signal, func()) { return h.interrupts, func() {} }
		return Run(ctx, o)
	})
	cmd.SetArgs(args)
	cmd.SetOut(h.out)
	cmd.SetErr(h.errOut)
	return cmd.ExecuteContext(ctx)
}

func stub(t *testing.T) *anthropictest.Server {
	return anthropictest.New(t, anthropictest.Config{Rules: []anthropictest.Rule{{ID: anthropictest.DefaultRuleID, Issuer: "https://unused.example"}}, APIKeys: []string{testKey}})
}

func TestOneShotText(t *testing.T) {
	s := stub(t)
	h := newHarness(t, s.URL, testKey)
	h.env["HERMES_MODEL"] = "claude-haiku-5-5"
	// --system-prompt replaces hermes's default; no instruction files.
	if err := h.run(context.Background(), "-q", "hello there", "--system-prompt", "sys", "--no-project-instructions", "--max-tokens", "99"); err != nil {
		t.Fatal(err)
	}
	if h.out.String() != "echo: hello there\n" {
		t.Errorf("stdout = %q", h.out.String())
	}
	req := s.MessageRequests()[0]
	if req.Model != "claude-haiku-5-5" || req.System != "sys" || req.MaxTokens != 99 || !req.Stream {
		t.Errorf("request = %+v", req)
	}
	assertNoSecret(t, h, testKey)
}

func TestPromptFromStdin(t *testing.T) {
	s := stub(t)
	h := newHarness(t, s.URL, testKey)
	h.in.WriteString("  from stdin\n")
	if err := h.run(context.Background(), "-m", "claude-opus-5-5"); err != nil {
		t.Fatal(err)
	}
	if h.out.String() != "echo: from stdin\n" || s.MessageRequests()[0].Model != "claude-opus-5-5" {
		t.Errorf("stdout = %q, model %q", h.out.String(), s.MessageRequests()[0].Model)
	}
}

func TestEmptyStdinIsAUsageError(t *testing.T) {
	h := newHarness(t, "http://127.0.0.1:1", testKey)
	err := h.run(context.Background())
	if cmdutil.ExitCode(err) != 2 || !strings.Contains(err.Error(), "-q") {
		t.Fatalf("err = %v", err)
	}
}

func TestBadFlags(t *testing.T) {
	h := newHarness(t, "http://127.0.0.1:1", testKey)
	for _, args := range [][]string{
		{"-q", "x", "--format", "yaml"},
		{"-q", "x", "--tools", "read_file,shell"},
		{"-q", "x", "--session", "../../etc/passwd"},
	} {
		if err := h.run(context.Background(), args...); cmdutil.ExitCode(err) != 2 {
			t.Errorf("%v: err = %v, want a usage error", args, err)
		}
	}
}

func TestOneShotJSONAndResume(t *testing.T) {
	s := stub(t)
	h := newHarness(t, s.URL, testKey)
	if err := h.run(context.Background(), "-q", "first", "--format", "json"); err != nil {
		t.Fatal(err)
	}
	var res result
	if err := json.Unmarshal(h.out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %q", err, h.out.String())
	}
	if res.Text != "echo: first" || res.Model != agent.DefaultModel || res.StopReason != "end_turn" || res.SessionID == "" || res.Usage.OutputTokens == 0 {
		t.Errorf("result = %+v", res)
	}
	fi, err := os.Stat(filepath.Join(h.home, "sessions", res.SessionID+".json"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("session file: %v %v", err, fi)
	}

	h.out.Reset()
	if err := h.run(context.Background(), "-q", "second", "--session", res.SessionID, "--format", "json"); err != nil {
		t.Fatal(err)
	}
	var res2 result
	json.Unmarshal(h.out.Bytes(), &res2)
	reqs := s.MessageRequests()
	if res2.SessionID != res.SessionID || len(reqs[1].Messages) != 3 || reqs[1].Messages[0].Content[0].Text != "first" {
		t.Errorf("resume: %+v, %d messages sent", res2, len(reqs[1].Messages))
	}

	h.out.Reset()
	if err := h.run(context.Background(), "--list-sessions"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h.out.String(), res.SessionID) || !strings.Contains(h.out.String(), "first") {
		t.Errorf("list = %q", h.out.String())
	}
	if err := h.run(context.Background(), "-q", "x", "--session", "20990101-000000-000000000000"); err == nil || !strings.Contains(err.Error(), "--list-sessions") {
		t.Errorf("unknown session: %v", err)
	}
	assertNoSecret(t, h, testKey)
}

// A session open in another process is refused (exit 1, naming it)
// before anything is sent, whether named with --session or picked by -c.
func TestResumeSessionOpenElsewhere(t *testing.T) {
	s := stub(t)
	h := newHarness(t, s.URL, testKey)
	if err := h.run(context.Background(), "-q", "first", "--format", "json"); err != nil {
		t.Fatal(err)
	}
	var res result
	if err := json.Unmarshal(h.out.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	store := agent.NewStore(h.home)
	// The run released its lock on the way out.
	lk, err := store.Lock(res.SessionID)
	if err != nil {
		t.Fatalf("session still locked after chat returned: %v", err)
	}
	before, _ := os.ReadFile(filepath.Join(h.home, "sessions", res.SessionID+".json"))
	for _, args := range [][]string{{"--session", res.SessionID}, {"-c"}} {
		err := h.run(context.Background(), append([]string{"-q", "second"}, args...)...)
		if cmdutil.ExitCode(err) != 1 || !errors.Is(err, agent.ErrSessionInUse) || !strings.Contains(err.Error(), res.SessionID) || !strings.Contains(err.Error(), "open in another hermes process") {
			t.Errorf("%v: err = %v", args, err)
		}
	}
	if n := len(s.MessageRequests()); n != 1 {
		t.Errorf("%d API requests, want only the first", n)
	}
	if after, _ := os.ReadFile(filepath.Join(h.home, "sessions", res.SessionID+".json")); !bytes.Equal(before, after) {
		t.Error("the locked session was rewritten")
	}
	lk.Unlock()
	if err := h.run(context.Background(), "-q", "second", "-c"); err != nil {
		t.Fatalf("after the other process let go: %v", err)
	}
}

func TestOneShotStreamJSONWithDelegate(t *testing.T) {
	s := stub(t)
	s.Script(
		anthropictest.Reply{ToolUses: []anthropictest.ToolUse{{ID: "toolu_1", Name: "delegate", Input: map[string]string{"task": "count to 3"}}}},
		anthropictest.Reply{Text: "1 2 3"},
		anthropictest.Reply{Text: "The sub-agent counted."},
	)
	h := newHarness(t, s.URL, testKey)
	if err := h.run(context.Background(), "-q", "delegate it", "--tools", "delegate", "--format", "stream-json"); err != nil {
		t.Fatal(err)
	}
	var types []string
	var last map[string]any
	sc := bufio.NewScanner(h.out)
	for sc.Scan() {
		last = nil
		if err := json.Unmarshal(sc.Bytes(), &last); err != nil {
			t.Fatalf("not JSON: %q", sc.Text())
		}
		types = append(types, fmt.Sprintf("%v@%v", last["type"], last["depth"]))
	}
	joined := strings.Join(types, " ")
	for _, want := range []string{"tool_use@<nil>", "text@1", "tool_result@<nil>", "result@<nil>"} {
		if !strings.Contains(joined, want) {
			t.Errorf("events %s: missing %s", joined, want)
		}
	}
	if last["text"] != "The sub-agent counted." || last["turns"] != float64(2) {
		t.Errorf("result line = %v", last)
	}
	reqs := s.MessageRequests()
	if len(reqs) != 3 || reqs[1].LastUserText() != "count to 3" || reqs[2].LastUserText() != "1 2 3" {
		t.Errorf("requests: %d; sub-agent got %q, parent got back %q", len(reqs), reqs[1].LastUserText(), reqs[2].LastUserText())
	}
}

func TestAPIRefusalIsExit4(t *testing.T) {
	s := stub(t)
	h := newHarness(t, s.URL, "sk-ant-api03-WRONGkeyWRONGkeyWRONGkey")
	err := h.run(context.Background(), "-q", "hi")
	var ae *cmdutil.AuthError
	if !errors.As(err, &ae) || cmdutil.ExitCode(err) != 4 {
		t.Fatalf("err = %v (exit %d)", err, cmdutil.ExitCode(err))
	}
	if !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "ANTHROPIC_API_KEY (environment)") || strings.Contains(err.Error(), "WRONGkey") {
		t.Errorf("message = %q", err)
	}
	if entries, _ := os.ReadDir(filepath.Join(h.home, "sessions")); len(entries) != 0 {
		t.Error("a failed one-shot left a session")
	}
}

type exit4 struct{}

func (exit4) Error() string { return "no Anthropic credential found (the resolver's explanation)" }
func (exit4) ExitCode() int { return 4 }

func TestResolverErrorPropagates(t *testing.T) {
	h := newHarness(t, "http://127.0.0.1:1", testKey)
	h.f.Resolve = func(context.Context) (*credential.Runtime, error) { return nil, exit4{} }
	err := h.run(context.Background(), "-q", "hi")
	if cmdutil.ExitCode(err) != 4 || err.Error() != (exit4{}).Error() {
		t.Fatalf("err = %v", err)
	}
}

// hangingAPI answers message_start, then holds the stream until the client
// goes away; arrived gets a value per request.
func hangingAPI(t *testing.T) (url string, arrived chan struct{}) {
	arrived = make(chan struct{}, 8)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"x\",\"content\":[],\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}}\n\n")
		w.(http.Flusher).Flush()
		arrived <- struct{}{}
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	return srv.URL, arrived
}

func TestOneShotInterruptIs130(t *testing.T) {
	url, arrived := hangingAPI(t)
	h := newHarness(t, url, testKey)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error)
	go func() { errc <- h.run(ctx, "-q", "wait") }()
	<-arrived
	cancel()
	if err := <-errc; cmdutil.ExitCode(err) != 130 {
		t.Fatalf("err = %v", err)
	}
}

// chanReader feeds lines to the interactive loop one at a time.
type chanReader chan string

func (c chanReader) ReadLine() (string, error) {
	l, ok := <-c
	if !ok {
		return "", io.EOF
	}
	return l, nil
}

func TestInteractiveCommandsAndCancel(t *testing.T) {
	s := stub(t)
	hangURL, arrived := hangingAPI(t)
	h := newHarness(t, s.URL, testKey)
	sess, err := h.session(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	lines := make(chanReader)
	interrupts := make(chan struct{})
	done := make(chan error)
	go func() { done <- sess.loop(context.Background(), lines, interrupts) }()

	lines <- "one"
	lines <- "two"
	firstID := sess.Conversation().ID
	lines <- "/model claude-opus-5-5"
	lines <- "three"
	lines <- "/new"
	lines <- "four"
	lines <- "/bogus"
	// Cancel an answer that never comes: point the agent at the hanging API.
	rt := credential.NewStaticRuntime(hangURL, credential.ModeAPIKey, credential.KindAPIKey, "test", testKey)
	sess.Agent, _ = agent.New(rt, h.opts().agentConfig())
	lines <- "hang"
	<-arrived
	interrupts <- struct{}{}
	lines <- "/exit"
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	reqs := s.MessageRequests()
	if len(reqs) != 4 {
		t.Fatalf("%d requests", len(reqs))
	}
	if n := len(reqs[1].Messages); n != 3 {
		t.Errorf("second prompt sent %d messages, want 3 (multi-turn)", n)
	}
	if reqs[2].Model != "claude-opus-5-5" || len(reqs[2].Messages) != 5 {
		t.Errorf("after /model: model %q, %d messages", reqs[2].Model, len(reqs[2].Messages))
	}
	if len(reqs[3].Messages) != 1 || reqs[3].Model != "claude-opus-5-5" {
		t.Errorf("after /new: %d messages, model %q", len(reqs[3].Messages), reqs[3].Model)
	}
	out := h.out.String()
	for _, want := range []string{"echo: one\n", "echo: three\n", "Model: claude-opus-5-5", "New session", "Unknown command /bogus", "(cancelled)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	first, err := agent.NewStore(h.home).Load(firstID)
	if err != nil || len(first.Messages) != 6 || first.Model != "claude-opus-5-5" {
		t.Errorf("first session: %v, %+v", err, first)
	}
	// The cancelled prompt was not kept.
	if last := sess.Conversation().Messages; len(last) != 2 {
		t.Errorf("second session has %d messages, want 2", len(last))
	}
	// /new took the new session's lock.
	if _, err := agent.NewStore(h.home).Lock(sess.Conversation().ID); !errors.Is(err, agent.ErrSessionInUse) {
		t.Errorf("the session /new started is not locked: %v", err)
	}
	sess.Release()
	assertNoSecret(t, h, testKey)
}

func (h *harness) opts() *Options {
	return &Options{IO: h.f.IO, Getenv: h.f.Getenv, Now: h.f.Now, MaxTokens: 100, MaxTurns: 5, Format: "text"}
}

func (h *harness) session(ctx context.Context) (*chatSession, error) {
	o := h.opts()
	a, err := agent.New(h.rt, o.agentConfig())
	if err != nil {
		return nil, err
	}
	s := newChatSession(o, agent.NewStore(h.home), agent.NewConversation(time.Now()), nil)
	s.Runtime, s.Agent = h.rt, a
	return s, nil
}

// assertNoSecret checks stdout, stderr and every session file (the
// credential stores, auth.json and the token cache, hold secrets by design).
func assertNoSecret(t *testing.T, h *harness, secret string) {
	t.Helper()
	if strings.Contains(h.out.String()+h.errOut.String(), secret) {
		t.Error("secret in output")
	}
	filepath.WalkDir(filepath.Join(h.home, "sessions"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if data, _ := os.ReadFile(p); bytes.Contains(data, []byte(secret)) {
				t.Errorf("secret in %s", p)
			}
		}
		return nil
	})
}

// -r/--resume is --session under Claude Code's name; giving both is a
// usage error.
func TestResumeIsSession(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "http://127.0.0.1:1", testKey)
	var got string
	cmd := newCmd(h.f, func(ctx context.Context, o *Options) error { got = o.Session; return nil })
	cmd.SetArgs([]string{"-r", "abc123"})
	cmd.SetOut(h.out)
	cmd.SetErr(h.errOut)
	if err := cmd.Execute(); err != nil || got != "abc123" {
		t.Fatalf("-r abc123: session %q, err %v", got, err)
	}
	cmd = newCmd(h.f, func(ctx context.Context, o *Options) error { return nil })
	cmd.SetArgs([]string{"--resume", "a", "--session", "b"})
	cmd.SetOut(h.out)
	cmd.SetErr(h.errOut)
	if err := cmd.Execute(); err == nil {
		t.Fatal("--resume with --session was accepted")
	}
}

// Issue 22 §5: an answer printed to a terminal keeps its colour but no
// other escape sequence (an OSC 52 clipboard write, a screen clear, a
// title change); --format json is unchanged.
func TestOneShotTerminalStripsEscapes(t *testing.T) {
	s := stub(t)
	const evil = "x \x1b[31mred\x1b[0m \x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\x1b]0;pwned\x07 y"
	h := newHarness(t, s.URL, testKey)
	h.f.IO.SetStdoutTTY(true)
	h.f.IO.SetStderrTTY(true)
	if err := h.run(context.Background(), "-q", evil); err != nil {
		t.Fatal(err)
	}
	out := h.out.String()
	for _, bad := range []string{"\x1b]52", "\x1b[2J", "\x1b]0;", "\x07"} {
		if strings.Contains(out, bad) {
			t.Errorf("the terminal got %q: %q", bad, out)
		}
	}
	if !strings.Contains(out, "\x1b[31mred\x1b[0m") || !strings.Contains(out, " y") {
		t.Errorf("the colour or the text was lost: %q", out)
	}

	h = newHarness(t, s.URL, testKey)
	h.f.IO.SetStdoutTTY(true)
	if err := h.run(context.Background(), "-q", evil, "--format", "json"); err != nil {
		t.Fatal(err)
	}
	var r struct{ Text string }
	if err := json.Unmarshal(h.out.Bytes(), &r); err != nil || r.Text != "echo: "+evil {
		t.Errorf("--format json changed the answer: %q %v", h.out.String(), err)
	}
}
