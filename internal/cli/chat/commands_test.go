package chat

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/chatcore"
	"github.com/hermes-agent/hermes/internal/tui"
)

// savedSession stores a session whose one exchange is prompt, updated at t.
func savedSession(t *testing.T, store *agent.Store, prompt string, at time.Time) *agent.Conversation {
	t.Helper()
	c := agent.NewConversation(at)
	c.Messages = []agent.Message{
		{Role: "user", Content: []agent.Block{{Type: "text", Text: prompt}}},
		{Role: "assistant", Content: []agent.Block{{Type: "text", Text: "echo: " + prompt}}},
	}
	if err := store.Save(c, at); err != nil {
		t.Fatal(err)
	}
	return c
}

// runLines runs the line chat on lines and returns its stdout.
func runLines(t *testing.T, h *harness, sess *chatSession, lines ...string) string {
	t.Helper()
	in := make(chanReader, len(lines))
	for _, l := range lines {
		in <- l
	}
	close(in)
	if err := sess.loop(context.Background(), in, make(chan struct{})); err != nil {
		t.Fatal(err)
	}
	return h.out.String()
}

// TestLineChatSessionCommands: the line chat has the full-screen chat's
// /status, /sessions, /resume (a numbered choice, or /resume ID) and
// /quit, from the one command table.
func TestLineChatSessionCommands(t *testing.T) {
	t.Parallel()
	s := stub(t)
	h := newHarness(t, s.URL, testKey)
	store := agent.NewStore(h.home)
	older := savedSession(t, store, "the older question", time.Now().Add(-3*time.Hour))
	earlier := savedSession(t, store, "the earlier question", time.Now().Add(-2*time.Hour))
	sess, err := h.session(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Release()
	out := runLines(t, h, sess,
		"hello",
		"/status",
		"/sessions",
		"/resume", "1", // the earlier session: the newest but the current one
		"again",
		"/resume "+older.ID,
		"/resume", "", // a choice left without picking
		"/resume", "9", // a number not listed
		"/resume", "what changed?", // no number: the next prompt
		"/quit",
		"never read",
	)
	for _, want := range []string{
		"Credential: API key · ANTHROPIC_API_KEY (environment)",
		"Model:      " + sess.Model(),
		"Tokens:     ",
		"Saved sessions (resume one with /resume):",
		earlier.ID + "  2h ago   the earlier question",
		"Resume a session:",
		"  1   2h ago   the earlier question",
		"Resumed session " + earlier.ID + ".",
		"echo: again",
		"Resumed session " + older.ID + ".",
		"There is no 9 here; nothing picked.",
		"echo: what changed?",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Tokens:     0 in · 0 out") {
		t.Errorf("/status did not count the answer's tokens:\n%s", out)
	}
	reqs := s.MessageRequests()
	if len(reqs) != 3 || len(reqs[1].Messages) != 3 || reqs[1].Messages[0].Content[0].Text != "the earlier question" || reqs[2].LastUserText() != "what changed?" {
		t.Fatalf("the prompt after /resume was not sent in the resumed session: %+v", reqs)
	}
	if sess.Conversation().ID != older.ID {
		t.Errorf("current session %s, want %s", sess.Conversation().ID, older.ID)
	}
	// The resumed session is locked by this chat; the one left is not.
	if _, err := store.Lock(older.ID); err == nil {
		t.Error("the session /resume ID opened is not locked")
	}
	if lk, err := store.Lock(earlier.ID); err != nil {
		t.Errorf("the session resumed before is still locked: %v", err)
	} else {
		lk.Unlock()
	}
	saved, err := store.Load(earlier.ID)
	if err != nil || len(saved.Messages) != 4 {
		t.Errorf("the resumed session was not saved with the new turn: %v %+v", err, saved)
	}
	assertNoSecret(t, h, testKey)
}

// TestLineChatClear: /clear clears a terminal's screen, keeps the
// session, and writes nothing to a stream that is no terminal.
func TestLineChatClear(t *testing.T) {
	t.Parallel()
	for _, tty := range []bool{true, false} {
		h := newHarness(t, "http://127.0.0.1:1", testKey)
		h.f.IO.SetStdoutTTY(tty)
		sess, err := h.session(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		id := sess.Conversation().ID
		out := runLines(t, h, sess, "/clear", "/exit")
		if got := strings.Contains(out, "\x1b[2J"); got != tty {
			t.Errorf("tty %v: screen cleared %v:\n%q", tty, got, out)
		}
		if sess.Conversation().ID != id {
			t.Errorf("tty %v: /clear changed the session", tty)
		}
	}
}

// commandNames are the commands a /help lists: the first word of each
// line after "Commands".
func commandNames(t *testing.T, help string) []string {
	t.Helper()
	loc := regexp.MustCompile(`(?m)^\s*Commands\s*$`).FindStringIndex(help)
	if loc == nil {
		t.Fatalf("no command list in the help:\n%s", help)
	}
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^\s*(/[a-z]+)`).FindAllStringSubmatch(help[loc[1]:], -1) {
		names = append(names, m[1])
	}
	return names
}

// TestHelpListsTheTableInBothUIs: the line chat's and the full-screen
// chat's /help list the same commands, chatcore's table, with the same
// usage and help, and every command of the table runs in the line chat.
func TestHelpListsTheTableInBothUIs(t *testing.T) {
	t.Parallel()
	var want []string
	for _, c := range chatcore.Commands() {
		want = append(want, c.Name)
	}

	h := newHarness(t, "http://127.0.0.1:1", testKey)
	sess, err := h.session(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Release()
	line := runLines(t, h, sess, "/help", "/exit")

	m := tui.New(tui.Config{Backend: sess.Session, Now: time.Now})
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 80})
	m.Update(tea.PasteMsg{Content: "/help"})
	m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	full := ansi.Strip(m.View().Content)

	for name, help := range map[string]string{"line chat": line, "full-screen chat": full} {
		if got := commandNames(t, help); !slices.Equal(got, want) {
			t.Errorf("%s /help lists %q, the table %q:\n%s", name, got, want, help)
		}
		for _, c := range chatcore.Commands() {
			if !strings.Contains(help, c.Usage()) || !strings.Contains(help, c.Help) {
				t.Errorf("%s /help lacks %s's usage or help:\n%s", name, c.Name, help)
			}
		}
	}
	if strings.Contains(line, "Unknown command") {
		t.Errorf("the line chat does not know a command of the table:\n%s", line)
	}
}
