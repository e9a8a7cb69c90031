package tui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hermes-agent/hermes/internal/agent"
)

// fakeBackend answers "echo: PROMPT" as two text deltas, or, with hold
// set, streams one delta and waits for cancellation.
type fakeBackend struct {
	mu       sync.Mutex
	prompts  []string
	hold     bool
	model    string
	session  string
	sessions []agent.SessionInfo
	resumed  string
	msgs     []agent.Message
	// fail, when set, is the next Send's error (before any event).
	fail error
	// cache and cost, when set, are added to Status.
	cacheWrite, cacheRead int64
	cost                  *float64
}

func (f *fakeBackend) Send(ctx context.Context, prompt string, on func(agent.Event)) (*agent.Result, error) {
	f.mu.Lock()
	f.prompts = append(f.prompts, prompt)
	hold, fail := f.hold, f.fail
	f.fail = nil
	f.mu.Unlock()
	if fail != nil {
		return nil, fail
	}
	on(agent.Event{Type: "text", Text: "echo: "})
	if hold {
		<-ctx.Done()
		return nil, context.Canceled
	}
	on(agent.Event{Type: "tool_use", ToolID: "t1", Tool: "read_file", Input: []byte(`{"path":"a.go"}`)})
	on(agent.Event{Type: "tool_result", ToolID: "t1"})
	on(agent.Event{Type: "text", Text: prompt})
	return &agent.Result{Text: "echo: " + prompt}, nil
}
func (f *fakeBackend) NewSession() error                      { f.session = "new-session"; return nil }
func (f *fakeBackend) Resume(id string) error                 { f.resumed = id; f.session = id; return nil }
func (f *fakeBackend) Sessions() ([]agent.SessionInfo, error) { return f.sessions, nil }
func (f *fakeBackend) Transcript() []agent.Message            { return f.msgs }
func (f *fakeBackend) SetModel(m string)                      { f.model = m }
func (f *fakeBackend) Compact(_ context.Context, focus string, on func(agent.Event)) (*agent.Result, error) {
	f.mu.Lock()
	f.prompts = append(f.prompts, "/compact "+focus)
	f.mu.Unlock()
	on(agent.Event{Type: "compact", Text: "compacted 4 earlier messages into a summary"})
	return &agent.Result{}, nil
}
func (f *fakeBackend) Status() Status {
	return Status{Model: f.model, SessionID: f.session, CredentialKind: "WIF", CredentialSource: "anthropic-wif (configured WIF)",
		Expiry: time.Date(2026, 1, 1, 12, 7, 0, 0, time.UTC), InputTokens: 1200, OutputTokens: 34,
		CacheWriteTokens: f.cacheWrite, CacheReadTokens: f.cacheRead, CostUSD: f.cost,
		Instructions: []string{"/repo/AGENTS.md", "/repo/sub/CLAUDE.md"}}
}

var now = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func newModel(t *testing.T, b *fakeBackend) *Model {
	t.Helper()
	if b.model == "" {
		b.model = "claude-test"
	}
	if b.session == "" {
		b.session = "s1"
	}
	m := New(Config{Backend: b, Now: func() time.Time { return now }, History: OpenHistory(filepath.Join(t.TempDir(), "history"))})
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 20})
	return m
}

// run delivers msg and then every message its commands produce, until
// none is left (tea.Batch is expanded; ticks are dropped).
func run(m *Model, msg tea.Msg) (quit bool) {
	queue := []tea.Msg{msg}
	for len(queue) > 0 {
		msg, queue = queue[0], queue[1:]
		if _, ok := msg.(tea.QuitMsg); ok {
			quit = true
			continue
		}
		_, cmd := m.Update(msg)
		queue = append(queue, expand(cmd)...)
	}
	return quit
}

func expand(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	switch msg := msg.(type) {
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			out = append(out, expand(c)...)
		}
		return out
	case nil, tickMsg:
		return nil
	}
	if _, ok := msg.(interface{ Tag() int }); ok {
		return nil
	}
	if strings.Contains(strings.ToLower(typeName(msg)), "tick") {
		return nil // spinner ticks
	}
	return []tea.Msg{msg}
}

func typeName(v any) string {
	return strings.TrimPrefix(strings.TrimPrefix(fmtType(v), "*"), "spinner.")
}

func press(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "ctrl+j":
		return tea.KeyPressMsg{Code: 'j', Mod: tea.ModCtrl}
	case "shift+enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter, Mod: tea.ModShift}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	}
	panic(s)
}

func typeText(m *Model, s string) {
	for _, r := range s {
		run(m, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func screen(m *Model) string { return ansi.Strip(m.View().Content) }

func TestPasteIsOneMessage(t *testing.T) {
	t.Parallel()
	b := &fakeBackend{}
	m := newModel(t, b)
	run(m, tea.PasteMsg{Content: "line one\nline two\nline three"})
	if len(b.prompts) != 0 {
		t.Fatal("a paste was sent")
	}
	run(m, press("enter"))
	if len(b.prompts) != 1 || b.prompts[0] != "line one\nline two\nline three" {
		t.Fatalf("prompts = %q", b.prompts)
	}
	if sc := screen(m); !strings.Contains(sc, "line one line two line three") || !strings.Contains(sc, "⏺ read_file") || !strings.Contains(sc, "✓") {
		t.Errorf("screen:\n%s", sc)
	}
}

func TestNewlineKeys(t *testing.T) {
	t.Parallel()
	for _, k := range []string{"ctrl+j", "shift+enter"} {
		b := &fakeBackend{}
		m := newModel(t, b)
		typeText(m, "a")
		run(m, press(k))
		typeText(m, "b")
		run(m, press("enter"))
		if len(b.prompts) != 1 || b.prompts[0] != "a\nb" {
			t.Errorf("%s: prompts = %q", k, b.prompts)
		}
	}
}

func TestCtrlC(t *testing.T) {
	t.Parallel()
	b := &fakeBackend{}
	m := newModel(t, b)
	typeText(m, "draft")
	if run(m, press("ctrl+c")) || m.input.Value() != "" {
		t.Fatalf("Ctrl+C on text: quit or kept %q", m.input.Value())
	}
	if !run(m, press("ctrl+c")) {
		t.Fatal("Ctrl+C on an empty input did not quit")
	}
}

// Ctrl+C (and Esc) during an answer cancel it; the partial text stays,
// the chat goes on, and text typed meanwhile stays in the input.
func TestCancelAnswer(t *testing.T) {
	t.Parallel()
	for _, k := range []string{"ctrl+c", "esc"} {
		b := &fakeBackend{hold: true}
		m := newModel(t, b)
		typeText(m, "slow")
		_, cmd := m.Update(press("enter"))
		// The first delta arrives while the answer is still running.
		first := m.waitEvent()()
		m.Update(first)
		if !m.busy || !strings.Contains(screen(m), "echo:") || !strings.Contains(screen(m), "thinking") {
			t.Fatalf("%s: not streaming:\n%s", k, screen(m))
		}
		typeText(m, "next")
		if run(m, press(k)) {
			t.Fatalf("%s quit during an answer", k)
		}
		_ = cmd
		run(m, m.waitEvent()())
		if m.busy || !strings.Contains(screen(m), "(cancelled)") {
			t.Errorf("%s: after cancel:\n%s", k, screen(m))
		}
		if m.input.Value() != "next" {
			t.Errorf("%s: typed text lost: %q", k, m.input.Value())
		}
	}
}

func TestHistoryWalkAndFile(t *testing.T) {
	t.Parallel()
	b := &fakeBackend{}
	m := newModel(t, b)
	for _, p := range []string{"first", "second", "key sk-ant-api03-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"} {
		typeText(m, p)
		run(m, press("enter"))
	}
	typeText(m, "dra")
	run(m, press("up"))
	if got := m.input.Value(); got != "second" {
		t.Fatalf("Up: %q (a prompt holding a key must not be in the history)", got)
	}
	run(m, press("up"))
	run(m, press("down"))
	run(m, press("down"))
	if got := m.input.Value(); got != "dra" {
		t.Errorf("Down back to the draft: %q", got)
	}
	data, err := os.ReadFile(m.cfg.History.path)
	if err != nil || string(data) != "\"first\"\n\"second\"\n" {
		t.Errorf("history file %q %v", data, err)
	}
	fi, _ := os.Stat(m.cfg.History.path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("history mode %v", fi.Mode())
	}
	// A new chat reads it back.
	if h := OpenHistory(m.cfg.History.path).Entries(); len(h) != 2 {
		t.Errorf("reopened: %q", h)
	}
}

func TestHistoryCap(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "history")
	var lines []string
	for i := range MaxHistory + 4 {
		lines = append(lines, `"`+strings.Repeat("x", i+1)+`"`)
	}
	os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600)
	h := OpenHistory(path)
	h.Add("newest")
	if got := OpenHistory(h.path).Entries(); len(got) != MaxHistory || got[0] != strings.Repeat("x", 6) || got[MaxHistory-1] != "newest" {
		t.Errorf("%d entries, first %q", len(got), got[0])
	}
}

func TestSlashCommands(t *testing.T) {
	t.Parallel()
	b := &fakeBackend{sessions: []agent.SessionInfo{
		{ID: "s1", Title: "current", Updated: now},
		{ID: "s0", Title: "the earlier question", Updated: now.Add(-2 * time.Hour)},
	}}
	m := newModel(t, b)
	// Completion: /st + Tab → /status.
	typeText(m, "/st")
	if !strings.Contains(screen(m), "/status") {
		t.Fatalf("no completion:\n%s", screen(m))
	}
	run(m, press("tab"))
	run(m, press("enter"))
	sc := screen(m)
	for _, want := range []string{"Credential: WIF · anthropic-wif", "expires in 7m", "Model:      claude-test", "Session:    s1", "1200 in · 34 out",
		"Instructions: /repo/AGENTS.md", "\n              /repo/sub/CLAUDE.md"} {
		if !strings.Contains(sc, want) {
			t.Errorf("/status lacks %q:\n%s", want, sc)
		}
	}
	// The status line.
	if !strings.Contains(sc, "claude-test · WIF · expires in 7m · session s1 · 1.2k tokens") {
		t.Errorf("status line:\n%s", sc)
	}
	// /resume: a picker with the first prompt and the age.
	b.msgs = []agent.Message{{Role: "user", Content: []agent.Block{{Type: "text", Text: "the earlier question"}}}, {Role: "assistant", Content: []agent.Block{{Type: "text", Text: "the earlier **answer**"}}}}
	typeText(m, "/resume")
	run(m, press("enter"))
	if sc := screen(m); !strings.Contains(sc, "2h ago") || !strings.Contains(sc, "the earlier question") || strings.Contains(sc, "current") {
		t.Fatalf("picker:\n%s", sc)
	}
	run(m, press("enter"))
	if sc := screen(m); b.resumed != "s0" || !strings.Contains(sc, "the earlier answer") || !strings.Contains(sc, "Resumed session s0") {
		t.Errorf("resumed %q:\n%s", b.resumed, sc)
	}
	// /model with the injected list: a picker; Enter picks.
	m.cfg.Models = func(context.Context) ([]string, error) { return []string{"claude-a", "claude-b"}, nil }
	typeText(m, "/model")
	run(m, press("enter"))
	run(m, press("down"))
	run(m, press("enter"))
	if b.model != "claude-a" && b.model != "claude-b" || b.model == "claude-test" {
		t.Errorf("model %q", b.model)
	}
	typeText(m, "/model claude-x")
	run(m, press("enter"))
	if b.model != "claude-x" {
		t.Errorf("/model NAME: %q", b.model)
	}
	typeText(m, "/new")
	run(m, press("enter"))
	if b.session != "new-session" || strings.Contains(screen(m), "earlier answer") {
		t.Errorf("/new:\n%s", screen(m))
	}
	typeText(m, "/bogus")
	run(m, press("enter"))
	if !strings.Contains(screen(m), "Unknown command /bogus") {
		t.Errorf("unknown command:\n%s", screen(m))
	}
	typeText(m, "/exit")
	if !run(m, press("enter")) {
		t.Error("/exit did not quit")
	}
}

// A resize re-flows the transcript to the new width.
func TestResizeReflows(t *testing.T) {
	t.Parallel()
	b := &fakeBackend{}
	m := newModel(t, b)
	typeText(m, strings.Repeat("word ", 30))
	run(m, press("enter"))
	for _, w := range []int{60, 30} {
		run(m, tea.WindowSizeMsg{Width: w, Height: 30})
		for _, l := range strings.Split(screen(m), "\n") {
			if ansi.StringWidth(l) > w {
				t.Errorf("width %d: %q", w, l)
			}
		}
	}
}

// Start to a drawn input: the UI's part of "interactive start to ready".
func BenchmarkNewAndView(b *testing.B) {
	fb := &fakeBackend{model: "m", session: "s"}
	for b.Loop() {
		m := New(Config{Backend: fb})
		m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
		_ = m.View()
	}
}

func fmtType(v any) string { return fmt.Sprintf("%T", v) }

// approvingBackend asks the approver before "running" a tool.
type approvingBackend struct {
	fakeBackend
	ap  *Approver
	got chan agent.Approval
	req *agent.ApprovalRequest // nil: a plain go test request
}

func (b *approvingBackend) Send(ctx context.Context, prompt string, on func(agent.Event)) (*agent.Result, error) {
	on(agent.Event{Type: "tool_use", ToolID: "t1", Tool: "bash"})
	req := agent.ApprovalRequest{ToolID: "t1", Tool: "bash", Title: "bash: go test ./...", Command: "go test ./...", AlwaysRules: []string{"bash(go test:*)"}}
	if b.req != nil {
		req = *b.req
	}
	ap, err := b.ap.Approve(ctx, req)
	if err != nil {
		return nil, err
	}
	b.got <- ap
	on(agent.Event{Type: "tool_result", ToolID: "t1", Denied: !ap.Allow})
	return &agent.Result{}, nil
}

func TestApprovalDialog(t *testing.T) {
	t.Parallel()
	cases := []struct {
		keys []string
		want agent.Approval
	}{
		{[]string{"enter"}, agent.Approval{Allow: true}},
		{[]string{"down", "enter"}, agent.Approval{Allow: true, Always: true}},
		{[]string{"3", "n", "o", "enter"}, agent.Approval{Reason: "the user refused bash: go test ./...; they said: no"}},
		{[]string{"esc"}, agent.Approval{Reason: "the user refused bash: go test ./..."}},
	}
	for _, c := range cases {
		ap := NewApprover()
		b := &approvingBackend{ap: ap, got: make(chan agent.Approval, 1)}
		b.model, b.session = "m", "s"
		m := New(Config{Backend: b, Approver: ap, Now: func() time.Time { return now }})
		m.Update(tea.WindowSizeMsg{Width: 80, Height: 30})
		typeText(m, "run the tests")
		m.Update(press("enter"))
		m.Update(m.waitEvent()()) // tool_use
		m.Update(ap.wait()())     // the request
		if sc := screen(m); !strings.Contains(sc, "hermes wants to bash: go test ./...") || !strings.Contains(sc, "2) Yes, and don't ask again for bash(go test:*) this session") {
			t.Fatalf("dialog:\n%s", sc)
		}
		for _, k := range c.keys {
			if len(k) == 1 {
				m.Update(tea.KeyPressMsg{Code: rune(k[0]), Text: k})
			} else {
				m.Update(press(k))
			}
		}
		if got := <-b.got; got != c.want {
			t.Errorf("%v: %+v, want %+v", c.keys, got, c.want)
		}
		if m.dialog != nil {
			t.Errorf("%v: dialog still open", c.keys)
		}
	}
}

// refusedModel is an error as models.UnavailableError is: it names the
// model to use instead.
type refusedModel struct{ model, use string }

func (e refusedModel) Error() string {
	return "the Anthropic API refused the model " + e.model + ": it may be retired"
}
func (e refusedModel) Suggestion() string { return e.use }

// The model hooks: /model NAME is checked before switching (a refused
// model stays unused), a retired model is announced with the default
// offered, and a refused answer offers the default and asks again.
func TestModelCheckNoticeAndRefusal(t *testing.T) {
	t.Parallel()
	b := &fakeBackend{model: "claude-retired"}
	var checked []string
	cfg := Config{Backend: b, Now: func() time.Time { return now }, History: OpenHistory(filepath.Join(t.TempDir(), "history")),
		CheckModel: func(_ context.Context, name string) error {
			checked = append(checked, name)
			if name == "claude-gone" {
				return refusedModel{"claude-gone", "claude-default"}
			}
			return nil
		},
		ModelNotice: func(model string) (string, string) {
			if model == "claude-retired" {
				return "This session's model claude-retired reached end-of-life on November 30, 2026.", "claude-default"
			}
			return "", ""
		},
	}
	b.session = "s1"
	m := New(cfg)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	// At start: the notice and the offer; "Keep" keeps the model.
	sc := screen(m)
	if !strings.Contains(sc, "reached end-of-life on November 30, 2026") || !strings.Contains(sc, "Switch this session to claude-default?") {
		t.Fatalf("no retirement notice or offer at start:\n%s", sc)
	}
	run(m, press("down"))
	run(m, press("enter"))
	if b.model != "claude-retired" || !strings.Contains(screen(m), "Model stays claude-retired") {
		t.Fatalf("keep: model %q\n%s", b.model, screen(m))
	}
	// A refused answer: the error, then the offer; taking it asks again.
	b.fail = refusedModel{"claude-retired", "claude-default"}
	typeText(m, "still there?")
	run(m, press("enter"))
	if sc := screen(m); !strings.Contains(sc, "it may be retired") || !strings.Contains(sc, "Switch this session to claude-default and ask again?") {
		t.Fatalf("no offer after a refusal:\n%s", sc)
	}
	run(m, press("enter"))
	if b.model != "claude-default" || len(b.prompts) != 2 || b.prompts[1] != "still there?" {
		t.Fatalf("after taking the offer: model %q, prompts %q", b.model, b.prompts)
	}
	// /model NAME is checked: a refused model is not switched to.
	typeText(m, "/model claude-gone")
	run(m, press("enter"))
	if sc := screen(m); b.model != "claude-default" || !strings.Contains(sc, "refused the model claude-gone") || !strings.Contains(sc, "Model stays claude-default") {
		t.Fatalf("refused /model: model %q\n%s", b.model, sc)
	}
	typeText(m, "/model claude-ok")
	run(m, press("enter"))
	if b.model != "claude-ok" || strings.Join(checked, ",") != "claude-gone,claude-ok" {
		t.Fatalf("/model claude-ok: model %q, checked %q", b.model, checked)
	}
	// /resume of a session on the retired model says so again.
	b.model = "claude-retired"
	typeText(m, "/resume s9")
	run(m, press("enter"))
	if sc := screen(m); strings.Count(sc, "Switch this session to claude-default?") != 1 {
		t.Fatalf("no offer after /resume:\n%s", sc)
	}
	run(m, press("enter"))
	if b.model != "claude-default" {
		t.Fatalf("after /resume offer: model %q", b.model)
	}
}

// TestToolCallLines: each tool call is one line — the tool, its input in a
// few words, ✓ or ✗, and the result in a few words; a denial is shown whole
// below it, with the rule that would allow the call.
func TestToolCallLines(t *testing.T) {
	t.Parallel()
	m := newModel(t, &fakeBackend{})
	m.onEvent(agent.Event{Type: "tool_use", ToolID: "t1", Tool: "bash", Input: []byte(`{"command":"go test ./..."}`)})
	m.onEvent(agent.Event{Type: "tool_result", ToolID: "t1", Tool: "bash", Output: "ok  \tx\t0.1s\n[exit code 0]"})
	m.onEvent(agent.Event{Type: "tool_use", ToolID: "t2", Tool: "bash", Input: []byte(`{"command":"touch x"}`)})
	m.onEvent(agent.Event{Type: "tool_result", ToolID: "t2", Tool: "bash", IsError: true, Denied: true,
		Output: "permission denied: bash: touch x needs approval and nobody can be asked here, allow it with --allowed-tools 'bash(touch:*)'"})
	sc := screen(m)
	if !strings.Contains(sc, "⏺ bash go test ./... ✓ · exit code 0") {
		t.Errorf("no one-line call with its result:\n%s", sc)
	}
	if !strings.Contains(sc, "⏺ bash touch x ✗") || !strings.Contains(strings.Join(strings.Fields(sc), " "), "⎿ permission denied: bash: touch x needs approval and nobody can be asked here, allow it with --allowed-tools 'bash(touch:*)'") {
		t.Errorf("denial not shown whole:\n%s", sc)
	}
}

// openDialog starts a turn whose tool call asks with req.
func openDialog(t *testing.T, req agent.ApprovalRequest, h int) (*Model, *approvingBackend) {
	t.Helper()
	ap := NewApprover()
	b := &approvingBackend{ap: ap, got: make(chan agent.Approval, 1), req: &req}
	b.model, b.session = "m", "s"
	m := New(Config{Backend: b, Approver: ap, Now: func() time.Time { return now }})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: h})
	typeText(m, "go")
	m.Update(press("enter"))
	m.Update(m.waitEvent()())
	m.Update(ap.wait()())
	return m, b
}

// TestApprovalDialogShowsEverything: a long command is never clipped
// ("… N more lines"): the dialog scrolls to its last line; control
// characters are escaped; "don't ask again" names the rules it adds and
// is not offered when no rule can allow the command.
func TestApprovalDialogShowsEverything(t *testing.T) {
	t.Parallel()
	var cmd []string
	for i := 1; i <= 60; i++ {
		cmd = append(cmd, fmt.Sprintf("echo line-%03d", i))
	}
	cmd = append(cmd, "printf '\x1b]52;c;aGk=\x07' && rm -rf ~ # \u202e")
	req := agent.ApprovalRequest{Tool: "bash", Title: "bash: echo line-001 …", Command: strings.Join(cmd, "\n"),
		AlwaysRules: []string{"bash(echo:*)", "bash(printf:*)", "bash(rm:*)"}}
	m, b := openDialog(t, req, 30)
	sc := screen(m)
	if strings.Contains(sc, "more lines") || !strings.Contains(sc, "line-001") || strings.Contains(sc, "line-061") {
		t.Fatalf("first page:\n%s", sc)
	}
	if !strings.Contains(strings.Join(strings.Fields(sc), " "), "2) Yes, and don't ask again for bash(echo:*) bash(printf:*) bash(rm:*) this session") {
		t.Fatalf("the rules are not named:\n%s", sc)
	}
	for range 20 {
		m.Update(press("pgdown"))
	}
	sc = screen(m)
	if !strings.Contains(sc, "line-060") || !strings.Contains(sc, `printf '\x1b]52;c;aGk=\x07' && rm -rf ~ # \u202e`) || !strings.Contains(sc, "of 61") {
		t.Fatalf("last page:\n%s", sc)
	}
	if strings.ContainsAny(m.View().Content, "\x07\u202e") {
		t.Fatal("a control character reached the terminal")
	}
	m.Update(press("esc"))
	<-b.got

	// Nothing a rule can allow: no "don't ask again"; 2 is "no".
	req = agent.ApprovalRequest{Tool: "bash", Title: "bash: [[ -v … ]]", Command: `[[ -v 'a[$(rm victim)]' ]]`, Unruled: []string{`[[ -v 'a[$(rm victim)]' ]]`}}
	m, b = openDialog(t, req, 30)
	sc = screen(m)
	if strings.Contains(sc, "don't ask again") || !strings.Contains(sc, "2) No, and tell the model why") || !strings.Contains(sc, "no rule can allow") {
		t.Fatalf("unruled dialog:\n%s", sc)
	}
	m.Update(tea.KeyPressMsg{Code: 'a', Text: "a"}) // not an answer here
	if m.dialog == nil {
		t.Fatal("'a' answered a dialog without don't-ask-again")
	}
	m.Update(tea.KeyPressMsg{Code: '2', Text: "2"})
	m.Update(press("enter"))
	if got := <-b.got; got.Allow || got.Always {
		t.Errorf("answer = %+v, want a refusal", got)
	}
}

// TestStatusShowsCacheAndCost: /status shows the cache tokens, the share
// of input read from the cache and the cost; the status line the cost.
func TestStatusShowsCacheAndCost(t *testing.T) {
	cost := 0.0421
	b := &fakeBackend{cacheWrite: 800, cacheRead: 8000, cost: &cost}
	m := newModel(t, b)
	m.Update(tea.WindowSizeMsg{Width: 140, Height: 30})
	typeText(m, "/status")
	run(m, press("enter"))
	sc := screen(m)
	for _, want := range []string{"1200 in · 34 out · 800 cache write · 8000 cache read (80% of input from the cache)", "Cost:       $0.0421"} {
		if !strings.Contains(sc, want) {
			t.Errorf("/status lacks %q:\n%s", want, sc)
		}
	}
	if !strings.Contains(sc, "10.0k tokens · $0.0421") {
		t.Errorf("status line lacks the cost:\n%s", sc)
	}
	b.cost = nil
	typeText(m, "/status")
	run(m, press("enter"))
	if sc := screen(m); !strings.Contains(sc, "unknown (no price for this model)") {
		t.Errorf("/status without a price:\n%s", sc)
	}
}

// TestCompactCommand: /compact FOCUS runs the backend's Compact with the
// focus and shows what was compacted.
func TestCompactCommand(t *testing.T) {
	b := &fakeBackend{}
	m := newModel(t, b)
	m.Update(tea.WindowSizeMsg{Width: 140, Height: 30})
	typeText(m, "/compact the API design")
	run(m, press("enter"))
	sc := screen(m)
	if !strings.Contains(sc, "compacted 4 earlier messages into a summary") {
		t.Errorf("screen after /compact:\n%s", sc)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.prompts) != 1 || b.prompts[0] != "/compact the API design" {
		t.Errorf("backend got %q", b.prompts)
	}
	if m.busy {
		t.Error("still busy after /compact")
	}
}

// TestProgramContextEndsBackgroundWork: the UI's background work runs
// under the program's context (Config.Context), so when the program ends
// a running answer stops and a model check returns, without Esc.
func TestProgramContextEndsBackgroundWork(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	b := &fakeBackend{hold: true, model: "claude-test", session: "s1"}
	m := New(Config{Backend: b, Context: ctx, Now: func() time.Time { return now }, History: OpenHistory(filepath.Join(t.TempDir(), "history")),
		CheckModel: func(ctx context.Context, name string) error {
			<-ctx.Done()
			return ctx.Err()
		}})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	typeText(m, "slow")
	m.Update(press("enter"))
	m.Update(m.waitEvent()()) // the first delta: the answer is running
	if !m.busy {
		t.Fatal("not answering")
	}
	cancel()
	run(m, m.waitEvent()()) // returns only once the answer's context ended
	if m.busy || !strings.Contains(screen(m), "(cancelled)") {
		t.Fatalf("the answer outlived the program's context:\n%s", screen(m))
	}
	typeText(m, "/model claude-x")
	run(m, press("enter")) // the check waits for its context's end
	if sc := screen(m); b.model != "claude-test" || !strings.Contains(sc, "context canceled") || !strings.Contains(sc, "Model stays claude-test") {
		t.Fatalf("model check after the end: model %q\n%s", b.model, sc)
	}
}

// A line from Config.Notices (an MCP server that failed to start while
// the chat runs) is shown in the transcript, and the next one after it.
func TestNoticesShown(t *testing.T) {
	t.Parallel()
	b := &fakeBackend{model: "claude-test", session: "s1"}
	notices := make(chan string, 2)
	m := New(Config{Backend: b, Now: func() time.Time { return now }, History: &History{}, Notices: notices})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 20})
	notices <- "hermes: MCP server db failed to start: exec: \"db\": not found; going on without it"
	_, cmd := m.Update(m.waitNotice()())
	if sc := screen(m); !strings.Contains(sc, "MCP server db failed to start") {
		t.Fatalf("notice not shown:\n%s", sc)
	}
	if cmd == nil {
		t.Fatal("no wait for the next notice")
	}
	notices <- "hermes: MCP server x failed \x1b[31mred\x1b[0m"
	m.Update(cmd())
	if sc := screen(m); !strings.Contains(sc, "MCP server x failed red") {
		t.Fatalf("second notice not shown (or not cleaned):\n%s", sc)
	}
	if (&Model{}).waitNotice() != nil {
		t.Error("a chat without notices waits for one")
	}
}
