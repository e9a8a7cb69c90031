package agent

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/credential/wif"
	"github.com/hermes-agent/hermes/internal/exitcode"
)

const testToken = "sk-ant-oat01-SENTINELtokenSENTINELtoken"

func bearerRuntime(url string) *credential.Runtime {
	return credential.NewStaticRuntime(url, credential.ModeBearer, credential.KindWIF, "test", testToken)
}

func newAgent(t *testing.T, rt *credential.Runtime, cfg Config) *Agent {
	t.Helper()
	a, err := New(rt, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestSendStreamsAndKeepsContext(t *testing.T) {
	s := newStub(t, nil)
	a := newAgent(t, bearerRuntime(s.URL), Config{Model: "claude-haiku-5-5", System: []string{"be brief"}, MaxTokens: 77})
	conv := NewConversation(time.Now())

	var events []Event
	res, err := a.Send(context.Background(), conv, "hello", func(e Event) { events = append(events, e) })
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != "echo: hello" || res.Model != "claude-haiku-5-5" || res.StopReason != "end_turn" || res.Turns != 1 {
		t.Fatalf("result = %+v", res)
	}
	if res.Usage.InputTokens != 10 || res.Usage.OutputTokens != 5 {
		t.Errorf("usage = %+v", res.Usage)
	}
	var types []string
	var text strings.Builder
	for _, e := range events {
		types = append(types, e.Type)
		text.WriteString(e.Text)
	}
	if want := []string{"message_start", "text", "text", "message_stop"}; !slices.Equal(types, want) {
		t.Errorf("event types = %v, want %v", types, want)
	}
	if text.String() != "echo: hello" {
		t.Errorf("streamed text = %q", text.String())
	}

	if _, err := a.Send(context.Background(), conv, "again", nil); err != nil {
		t.Fatal(err)
	}
	reqs := s.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	second := reqs[1].Body
	if len(second.Messages) != 3 || second.system() != "be brief" || second.MaxTokens != 77 || !second.Stream {
		t.Errorf("second request: %d messages, system %q, max_tokens %d, stream %v", len(second.Messages), second.system(), second.MaxTokens, second.Stream)
	}
	for _, r := range reqs {
		if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
			t.Errorf("Authorization = %q", got)
		}
		if r.Header.Get("X-Api-Key") != "" {
			t.Error("x-api-key sent with a bearer runtime")
		}
		if !strings.Contains(r.Header.Get("Anthropic-Beta"), credential.OAuthBeta) {
			t.Errorf("anthropic-beta = %q", r.Header.Get("Anthropic-Beta"))
		}
	}
	if len(conv.Messages) != 4 || conv.Model != "claude-haiku-5-5" {
		t.Errorf("conversation: %d messages, model %q", len(conv.Messages), conv.Model)
	}
}

func TestNewRejectsUnknownTool(t *testing.T) {
	_, err := New(bearerRuntime("http://127.0.0.1:1"), Config{Tools: []string{"read_file", "rm_rf"}})
	if err == nil || !strings.Contains(err.Error(), `"rm_rf"`) || !strings.Contains(err.Error(), "delegate") {
		t.Fatalf("err = %v", err)
	}
}

func TestToolLoopReadFile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("the secret word is walnut"), 0o600)
	s := newStub(t, func(w wireRequest) stubReply {
		for _, b := range w.last() {
			if b["type"] == "tool_result" {
				return stubReply{Text: "file says: " + resultText(b)}
			}
		}
		return stubReply{Text: "Let me look.", ToolUses: []stubToolUse{{ID: "toolu_1", Name: "read_file", Input: map[string]string{"path": "notes.txt"}}}}
	})
	a := newAgent(t, bearerRuntime(s.URL), Config{Tools: []string{"read_file", "list_files"}, WorkDir: dir})
	conv := NewConversation(time.Now())
	var toolEvents []Event
	res, err := a.Send(context.Background(), conv, "what is the word?", func(e Event) {
		if strings.HasPrefix(e.Type, "tool_") {
			toolEvents = append(toolEvents, e)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Text, "walnut") || res.Turns != 2 {
		t.Fatalf("result = %+v", res)
	}
	if len(toolEvents) != 2 || toolEvents[0].Tool != "read_file" || toolEvents[1].Text != "the secret word is walnut" {
		t.Errorf("tool events = %+v", toolEvents)
	}
	if got := s.Requests()[0].Body.toolNames(); !slices.Equal(got, []string{"read_file", "list_files"}) {
		t.Errorf("tools sent = %v", got)
	}
	// user, assistant(tool_use), user(tool_result), assistant
	if len(conv.Messages) != 4 || conv.Messages[2].Content[0].Type != "tool_result" {
		t.Errorf("conversation = %+v", conv.Messages)
	}
}

func TestFileToolsStayInsideWorkDir(t *testing.T) {
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("outside"), 0o600)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "ok.txt"), []byte("inside"), 0o600)
	os.Mkdir(filepath.Join(dir, "sub"), 0o700)
	os.WriteFile(filepath.Join(dir, "big.txt"), make([]byte, MaxReadBytes+1), 0o600)
	if err := os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(dir, "link.txt")); err != nil {
		t.Fatal(err)
	}
	os.Symlink(outside, filepath.Join(dir, "linkdir"))
	a := newAgent(t, bearerRuntime("http://127.0.0.1:1"), Config{Tools: []string{"read_file", "list_files"}, WorkDir: dir})

	if r := a.readPath("ok.txt"); r.isError || r.content != "inside" {
		t.Errorf("read ok.txt = %+v", r)
	}
	if r := a.readPath("sub/../ok.txt"); r.isError {
		t.Errorf("read sub/../ok.txt = %+v", r)
	}
	for _, p := range []string{"../" + filepath.Base(outside) + "/secret.txt", filepath.Join(outside, "secret.txt"), "link.txt", "linkdir/secret.txt"} {
		r := a.readPath(p)
		if !r.isError || !strings.Contains(r.content, "outside the working directory") {
			t.Errorf("read %s = %+v, want refused", p, r)
		}
	}
	if r := a.listFiles("linkdir"); !r.isError {
		t.Errorf("list linkdir = %+v, want refused", r)
	}
	if r := a.readPath("big.txt"); !r.isError || !strings.Contains(r.content, "limit") {
		t.Errorf("read big.txt = %+v", r)
	}
	if r := a.readPath("sub"); !r.isError || !strings.Contains(r.content, "list_files") {
		t.Errorf("read sub = %+v", r)
	}
	if r := a.readPath("nope.txt"); !r.isError || !strings.Contains(r.content, "does not exist") {
		t.Errorf("read nope.txt = %+v", r)
	}
	r := a.listFiles("")
	for _, want := range []string{"ok.txt (6 bytes)", "sub/", "link.txt@"} {
		if r.isError || !strings.Contains(r.content, want) {
			t.Errorf("list . = %q, want %q", r.content, want)
		}
	}
}

// delegateStub: the top agent delegates n tasks, sub-agents answer
// "done: <task>", and the top agent reports the tool results.
func delegateStub(t *testing.T, n int) *stub {
	return newStub(t, func(w wireRequest) stubReply {
		if w.system() == subSystem {
			return stubReply{Text: "done: " + w.lastText()}
		}
		var results []string
		for _, b := range w.last() {
			if b["type"] == "tool_result" {
				results = append(results, resultText(b))
			}
		}
		if len(results) > 0 {
			return stubReply{Text: "all: " + strings.Join(results, "; ")}
		}
		var uses []stubToolUse
		for i := range n {
			uses = append(uses, stubToolUse{ID: fmt.Sprintf("toolu_%d", i), Name: "delegate", Input: map[string]string{"task": fmt.Sprintf("task %d", i)}})
		}
		return stubReply{ToolUses: uses}
	})
}

func TestDelegateRunsSubAgentsOnTheSameRuntime(t *testing.T) {
	s := delegateStub(t, 3)
	var calls atomic.Int32
	rt := bearerRuntime(s.URL)
	rt.Tokens = countingSource{n: &calls}
	a := newAgent(t, rt, Config{Tools: []string{"delegate", "read_file"}, MaxDepth: 1})
	var mu sync.Mutex
	depths := map[int]int{}
	res, err := a.Send(context.Background(), NewConversation(time.Now()), "split it", func(e Event) {
		mu.Lock()
		depths[e.Depth]++
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "all: done: task 0; done: task 1; done: task 2"; res.Text != want {
		t.Fatalf("text = %q, want %q", res.Text, want)
	}
	reqs := s.Requests()
	if len(reqs) != 5 || int(calls.Load()) != 5 {
		t.Errorf("%d requests, %d token lookups, want 5 and 5", len(reqs), calls.Load())
	}
	for _, r := range reqs {
		if r.Header.Get("Authorization") != "Bearer "+testToken || r.Header.Get("X-Api-Key") != "" {
			t.Errorf("request headers: Authorization %q, x-api-key %q", r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"))
		}
		if r.Body.system() == subSystem && slices.Contains(r.Body.toolNames(), "delegate") {
			t.Error("sub-agent at the depth limit was offered delegate")
		}
	}
	if depths[1] == 0 {
		t.Error("no events from sub-agents")
	}
	// 3 sub-agents × 10 input tokens + 2 top turns × 10.
	if res.Usage.InputTokens != 50 {
		t.Errorf("usage = %+v, want sub-agents counted", res.Usage)
	}
}

type countingSource struct{ n *atomic.Int32 }

func (c countingSource) Token(context.Context) (credential.Token, error) {
	c.n.Add(1)
	return credential.Token{Value: testToken}, nil
}

func TestDelegateParallelIsBounded(t *testing.T) {
	const n, limit = 6, 2
	var inFlight, peak atomic.Int32
	gate := make(chan struct{})
	s := newStub(t, nil)
	base := delegateStub(t, n)
	s.reply = func(w wireRequest) stubReply {
		if w.system() == subSystem {
			cur := inFlight.Add(1)
			for {
				p := peak.Load()
				if cur <= p || peak.CompareAndSwap(p, cur) {
					break
				}
			}
			if cur == limit {
				// Both slots are taken: let everyone go. Without a bound
				// more would pile up here first.
				select {
				case <-gate:
				default:
					close(gate)
				}
			}
			<-gate
			inFlight.Add(-1)
		}
		return base.reply(w)
	}
	a := newAgent(t, bearerRuntime(s.URL), Config{Tools: []string{"delegate"}, MaxParallel: limit})
	res, err := a.Send(context.Background(), NewConversation(time.Now()), "go", nil)
	if err != nil {
		t.Fatal(err)
	}
	if peak.Load() != limit {
		t.Errorf("peak parallel sub-agents = %d, want %d", peak.Load(), limit)
	}
	if !strings.Contains(res.Text, "done: task 5") {
		t.Errorf("text = %q", res.Text)
	}
}

func TestTurnLimit(t *testing.T) {
	s := newStub(t, func(w wireRequest) stubReply {
		return stubReply{ToolUses: []stubToolUse{{ID: "toolu_x", Name: "list_files", Input: map[string]string{}}}}
	})
	a := newAgent(t, bearerRuntime(s.URL), Config{Tools: []string{"list_files"}, MaxTurns: 3, WorkDir: t.TempDir()})
	conv := NewConversation(time.Now())
	_, err := a.Send(context.Background(), conv, "loop", nil)
	if !errors.Is(err, ErrTurnLimit) || !strings.Contains(err.Error(), "3 model turns") {
		t.Fatalf("err = %v", err)
	}
	if len(s.Requests()) != 3 || len(conv.Messages) != 0 {
		t.Errorf("%d requests, %d messages kept", len(s.Requests()), len(conv.Messages))
	}
}

func TestAuthErrorIsSafeAndExit4(t *testing.T) {
	s := newStub(t, func(wireRequest) stubReply { return stubReply{Status: 401} })
	a := newAgent(t, bearerRuntime(s.URL), Config{})
	conv := NewConversation(time.Now())
	_, err := a.Send(context.Background(), conv, "hi", nil)
	var ae *APIError
	if !errors.As(err, &ae) || ae.ExitCode() != 4 || ae.RequestID != "req_stub_error" {
		t.Fatalf("err = %#v", err)
	}
	// The stub echoes the Authorization header into its message.
	if strings.Contains(err.Error(), testToken) || !strings.Contains(err.Error(), "Authentication failed") {
		t.Errorf("error = %q", err)
	}
	if len(conv.Messages) != 0 {
		t.Error("failed turn kept in the conversation")
	}
}

func TestCancelMidAnswer(t *testing.T) {
	s := newStub(t, func(wireRequest) stubReply { return stubReply{Block: true} })
	a := newAgent(t, bearerRuntime(s.URL), Config{})
	conv := NewConversation(time.Now())
	ctx, cancel := context.WithCancel(context.Background())
	_, err := a.Send(ctx, conv, "hi", func(e Event) {
		if e.Type == "message_start" {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	<-s.release
	if len(conv.Messages) != 0 {
		t.Error("cancelled turn kept in the conversation")
	}
}

func TestStreamCutIsAnError(t *testing.T) {
	s := newStub(t, func(wireRequest) stubReply { return stubReply{Text: "partial", Cut: true} })
	a := newAgent(t, bearerRuntime(s.URL), Config{})
	_, err := a.Send(context.Background(), NewConversation(time.Now()), "hi", nil)
	if err == nil || !strings.Contains(err.Error(), "ended before") {
		t.Fatalf("err = %v", err)
	}
}

// rotatingSource hands out a new token on every call, like a WIF source
// whose tokens expire between requests.
type rotatingSource struct {
	mu   sync.Mutex
	n    int
	seen []string
}

func (r *rotatingSource) Token(context.Context) (credential.Token, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	v := fmt.Sprintf("sk-ant-oat01-rotation%04d", r.n)
	r.seen = append(r.seen, v)
	return credential.Token{Value: v, Expiry: time.Now().Add(time.Second)}, nil
}

func TestLongChatAsksForTheTokenPerRequest(t *testing.T) {
	s := newStub(t, nil)
	src := &rotatingSource{}
	rt := &credential.Runtime{BaseURL: s.URL, Mode: credential.ModeBearer, Kind: credential.KindWIF, Tokens: src}
	a := newAgent(t, rt, Config{})
	conv := NewConversation(time.Now())
	for i := range 3 {
		if _, err := a.Send(context.Background(), conv, fmt.Sprint(i), nil); err != nil {
			t.Fatal(err)
		}
	}
	for i, r := range s.Requests() {
		if got, want := r.Header.Get("Authorization"), "Bearer "+src.seen[i]; got != want {
			t.Errorf("request %d: Authorization %q, want %q", i, got, want)
		}
	}
}

// failingWhile fails every token lookup while fail is set, the way a WIF
// source does while the token endpoint answers 5xx.
type failingWhile struct {
	fail  *atomic.Bool
	calls *atomic.Int32
	err   error
}

func (s failingWhile) Token(context.Context) (credential.Token, error) {
	s.calls.Add(1)
	if s.fail.Load() {
		return credential.Token{}, s.err
	}
	return credential.Token{Value: testToken}, nil
}

// A sub-agent whose requests cannot get a credential for a reason that may
// pass (the exchange answered 503) fails as a tool: the parent is told and
// goes on; it is not the end of the whole run the way a refused credential is.
func TestDelegateTemporaryExchangeFailureIsAToolError(t *testing.T) {
	s := delegateStub(t, 1)
	var fail atomic.Bool
	var calls atomic.Int32
	exchange := &wif.ExchangeError{URL: "https://api.example/v1/oauth/token", StatusCode: http.StatusServiceUnavailable, Message: "overloaded"}
	rt := bearerRuntime(s.URL)
	rt.Tokens = failingWhile{fail: &fail, calls: &calls, err: exchange}
	a := newAgent(t, rt, Config{Tools: []string{"delegate"}, MaxDepth: 1})
	var results []Event
	res, err := a.Send(context.Background(), NewConversation(time.Now()), "split it", func(e Event) {
		switch {
		case e.Type == "tool_use" && e.Depth == 0:
			fail.Store(true) // the sub-agent's lookups fail …
		case e.Type == "tool_result" && e.Depth == 0:
			fail.Store(false) // … until the parent has its tool result
			results = append(results, e)
		}
	})
	if err != nil {
		t.Fatalf("Send = %v, want the run to go on", err)
	}
	if exitcode.IsAuth(exchange) {
		t.Fatal("test premise: a 503 exchange failure must not be an auth failure")
	}
	if len(results) != 1 || !results[0].IsError || !strings.Contains(results[0].Output, "sub-agent failed") || !strings.Contains(results[0].Output, "status 503") {
		t.Fatalf("tool results = %+v, want one error naming the failed exchange", results)
	}
	if !strings.HasPrefix(res.Text, "all: ") || !strings.Contains(res.Text, "status 503") {
		t.Errorf("final text = %q, want the parent's reply after the tool error", res.Text)
	}
	if got := len(s.Requests()); got != 2 {
		t.Errorf("%d API requests, want 2 (the parent's two turns; the sub-agent sent none)", got)
	}
}
