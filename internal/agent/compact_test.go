package agent

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/anthropictest"
)

// toolPairsIntact reports the first tool_use without its tool_result in
// the next message (or a result without its call), "" when all pair up.
func toolPairsIntact(msgs []Message) string {
	for i, m := range msgs {
		for _, b := range m.Content {
			switch b.Type {
			case "tool_use":
				if i+1 >= len(msgs) || !containsResult(msgs[i+1], b.ID) {
					return "tool_use " + b.ID + " has no result"
				}
			case "tool_result":
				if i == 0 || !containsUse(msgs[i-1], b.ToolUseID) {
					return "tool_result " + b.ToolUseID + " has no call"
				}
			}
		}
	}
	return ""
}

func containsResult(m Message, id string) bool {
	for _, b := range m.Content {
		if b.Type == "tool_result" && b.ToolUseID == id {
			return true
		}
	}
	return false
}

func containsUse(m Message, id string) bool {
	for _, b := range m.Content {
		if b.Type == "tool_use" && b.ID == id {
			return true
		}
	}
	return false
}

// TestCompactionKeepsToolPairsAndGoesOn: a session with a tool call in
// every prompt grows far past a 4,000-token window; every prompt is
// answered, older turns are replaced by a summary, tool pairs stay
// intact, and no request was over the window.
func TestCompactionKeepsToolPairsAndGoesOn(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte(strings.Repeat("a line of notes\n", 200)), 0o600) // ~800 tokens
	api, rt := standIn(t, anthropictest.Config{ContextWindow: 4000})
	api.SetAutoTool(ToolReadFile, map[string]string{"path": "notes.txt"})
	a := newAgent(t, rt, Config{Tools: []string{ToolReadFile}, WorkDir: dir, ContextWindow: 4000})
	conv := NewConversation(time.Now())
	var compactions int
	for i := range 12 {
		res, err := a.Send(context.Background(), conv, "question "+itoa(i), func(e Event) {
			if e.Type == "compact" {
				compactions++
			}
		})
		if err != nil {
			t.Fatalf("prompt %d: %v", i, err)
		}
		if !strings.HasPrefix(res.Text, "done: ") {
			t.Fatalf("prompt %d answered %q", i, res.Text)
		}
		if p := toolPairsIntact(conv.Messages); p != "" {
			t.Fatalf("after prompt %d: %s", i, p)
		}
	}
	if compactions == 0 || len(conv.Compactions) != compactions || len(conv.Archived) != compactions {
		t.Fatalf("%d compact events, %d notes, %d archives", compactions, len(conv.Compactions), len(conv.Archived))
	}
	if !strings.HasPrefix(conv.Messages[0].Content[0].Text, compactedHeader+"summary of ") {
		t.Errorf("first message = %q", conv.Messages[0].Content[0].Text)
	}
	for _, r := range api.Requests() {
		if r.Path == "/v1/messages" && r.Status != 200 {
			t.Errorf("a request was refused (%d): compaction came too late", r.Status)
		}
	}
	// The last prompt and its tool call are kept as they were.
	n := len(conv.Messages)
	if conv.Messages[n-4].Content[0].Text != "question 11" || conv.Messages[n-3].Content[0].Type != "tool_use" {
		t.Errorf("the last turn was not kept: %+v", conv.Messages[n-4:])
	}
	// The session file keeps the compacted history and a note; the
	// replaced turns are in the side files.
	store := NewStore(t.TempDir())
	if err := store.Save(conv, time.Now()); err != nil {
		t.Fatal(err)
	}
	back, err := store.Load(conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Compactions) != compactions || back.Compactions[0].Archive == "" || len(back.Messages) != len(conv.Messages) {
		t.Fatalf("saved session: %+v", back.Compactions)
	}
	side, err := os.ReadFile(filepath.Join(store.Dir, back.Compactions[0].Archive))
	if err != nil || !strings.Contains(string(side), `"text":"question 0"`) {
		t.Errorf("side file: %v\n%.300s", err, side)
	}
	if fi, err := os.Stat(filepath.Join(store.Dir, back.Compactions[0].Archive)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("side file mode: %v %v", fi.Mode(), err)
	}
}

// TestPromptTooLongCompactsAndRetries: the configured window is wrong
// (too big); the API's "prompt is too long" makes hermes learn the real
// one, compact and retry once, and the prompt is answered.
func TestPromptTooLongCompactsAndRetries(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte(strings.Repeat("a line of notes\n", 200)), 0o600)
	api, rt := standIn(t, anthropictest.Config{})
	api.SetAutoTool(ToolReadFile, map[string]string{"path": "notes.txt"})
	a := newAgent(t, rt, Config{Tools: []string{ToolReadFile}, WorkDir: dir})
	conv := NewConversation(time.Now())
	for i := range 4 {
		if _, err := a.Send(context.Background(), conv, "question "+itoa(i), nil); err != nil {
			t.Fatal(err)
		}
	}
	api.SetContextWindow(3000)
	res, err := a.Send(context.Background(), conv, "one more", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.Text, "done: ") || len(conv.Compactions) == 0 {
		t.Fatalf("answer %q, %d compactions", res.Text, len(conv.Compactions))
	}
	var refused int
	for _, r := range api.Requests() {
		if r.Status == 400 {
			refused++
		}
	}
	if refused != 1 {
		t.Errorf("%d requests refused, want the one that taught the window", refused)
	}
}

// TestContextFullErrorNamesCompactAndNew: when even the current turn does
// not fit, the error says what to do.
func TestContextFullErrorNamesCompactAndNew(t *testing.T) {
	_, rt := standIn(t, anthropictest.Config{ContextWindow: 50})
	a := newAgent(t, rt, Config{})
	conv := NewConversation(time.Now())
	_, err := a.Send(context.Background(), conv, strings.Repeat("too long ", 100), nil)
	if !errors.Is(err, ErrContextFull) || !strings.Contains(err.Error(), "/compact") || !strings.Contains(err.Error(), "/new") {
		t.Fatalf("err = %v", err)
	}
	if len(conv.Messages) != 0 {
		t.Errorf("a failed prompt left %d messages", len(conv.Messages))
	}
}

// TestManualCompactWithFocus: /compact FOCUS summarises all but the last
// turn and passes the focus to the model.
func TestManualCompactWithFocus(t *testing.T) {
	api, rt := standIn(t, anthropictest.Config{})
	a := newAgent(t, rt, Config{})
	conv := NewConversation(time.Now())
	for _, p := range []string{"first", "second", "third"} {
		if _, err := a.Send(context.Background(), conv, p, nil); err != nil {
			t.Fatal(err)
		}
	}
	api.Script(anthropictest.Reply{Text: "we talked about three things"})
	if _, err := a.Compact(context.Background(), conv, "the API design", nil); err != nil {
		t.Fatal(err)
	}
	reqs := api.MessageRequests()
	last := reqs[len(reqs)-1]
	if !strings.Contains(last.LastUserText(), "Focus the summary on: the API design") {
		t.Errorf("summary request's prompt = %q", last.LastUserText())
	}
	if len(conv.Messages) != 4 || conv.Messages[2].Content[0].Text != "third" || conv.Compactions[0].Focus != "the API design" {
		t.Errorf("after /compact: %+v", conv.Messages)
	}
}

// TestBigToolResultIsCut: a result over MaxToolResultChars keeps its head
// and tail and says how to read the rest.
func TestBigToolResultIsCut(t *testing.T) {
	big := "HEAD" + strings.Repeat("x", 50_000) + "TAIL"
	got := cutResult(big, ToolReadFile)
	if len(got) > MaxToolResultChars+300 || !strings.HasPrefix(got, "HEAD") || !strings.HasSuffix(got, "TAIL") || !strings.Contains(got, "read_file with offset and limit") {
		t.Fatalf("cut result: %d bytes, %.80q … %.200q", len(got), got, got[len(got)/2-100:])
	}
	if small := "short"; cutResult(small, ToolBash) != small {
		t.Error("a short result was changed")
	}
}
