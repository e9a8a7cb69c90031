package chat

//lint:file-ignore SA1019 the model catalogue names deprecated and retired models on purpose

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/models"
)

// refusal is what every refused-model message must say.
func assertRefusal(t *testing.T, msg, model, use string) {
	t.Helper()
	for _, want := range []string{`refused the model "` + model + `"`, "it may be retired", "The default hermes would use is " + use,
		"-m " + use, "/model " + use, "hermes cron edit NAME --model " + use} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
}

func TestOneShotRefusedModel(t *testing.T) {
	t.Parallel()
	s := stub(t)
	s.RefuseModel(anthropic.ModelClaudeOpus4_8, http.StatusNotFound)
	h := newHarness(t, s.URL, testKey)
	err := h.run(context.Background(), "-q", "hi", "-m", anthropic.ModelClaudeOpus4_8)
	var ue *models.UnavailableError
	if !errors.As(err, &ue) || cmdutil.ExitCode(err) != 1 {
		t.Fatalf("err = %v (exit %d)", err, cmdutil.ExitCode(err))
	}
	assertRefusal(t, err.Error(), anthropic.ModelClaudeOpus4_8, models.Default())

	// A 400 naming the model is a refusal too; HERMES_MODEL is offered.
	s.RefuseModel(anthropic.ModelClaudeOpus4_6, http.StatusBadRequest)
	h.env["HERMES_MODEL"] = anthropic.ModelClaudeHaiku5_5
	err = h.run(context.Background(), "-q", "hi", "-m", anthropic.ModelClaudeOpus4_6)
	if !errors.As(err, &ue) {
		t.Fatalf("err = %v", err)
	}
	assertRefusal(t, err.Error(), anthropic.ModelClaudeOpus4_6, anthropic.ModelClaudeHaiku5_5)
}

func TestInteractiveModelRefusedAndRetiredSession(t *testing.T) {
	t.Parallel()
	s := stub(t)
	h := newHarness(t, s.URL, testKey)
	// A stored session on the retired Sonnet 4.5.
	store := agent.NewStore(h.home)
	old := agent.NewConversation(time.Now())
	old.Model = anthropic.ModelClaudeSonnet4_5
	old.Messages = []agent.Message{
		{Role: "user", Content: []agent.Block{{Type: "text", Text: "earlier"}}},
		{Role: "assistant", Content: []agent.Block{{Type: "text", Text: "echo: earlier"}}},
	}
	if err := store.Save(old, time.Now()); err != nil {
		t.Fatal(err)
	}
	sess, err := h.session(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	conv, lock, err := store.Open(old.ID)
	if err != nil {
		t.Fatal(err)
	}
	sess.Adopt(conv, lock)
	defer sess.Release()

	lines := make(chanReader)
	done := make(chan error)
	go func() { done <- sess.loop(context.Background(), lines, make(chan struct{})) }()
	lines <- "n"                                 // the offer at start: keep the retired model
	lines <- "still there?"                      // refused by the stand-in
	lines <- ""                                  // take the offered default: the prompt is sent again
	lines <- "/model claude-3-7-sonnet-20250219" // retired long ago: GET /v1/models/{id} says 404
	lines <- "/model"
	lines <- "/exit"
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	out := h.out.String()
	for _, want := range []string{
		"This session's model claude-sonnet-4-5 reached end-of-life on November 30, 2026.",
		"Switch this session to " + models.Default() + "? [Y/n]",
		"Model stays claude-sonnet-4-5",
		"Model: " + models.Default(), "echo: still there?",
		"* " + models.Default() + " (default)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	assertRefusal(t, out, anthropic.ModelClaudeSonnet4_5, models.Default())
	if !strings.Contains(out, `refused the model "claude-3-7-sonnet-20250219"`) {
		t.Errorf("/model of an unknown model was not refused:\n%s", out)
	}
	reqs := s.MessageRequests()
	if len(reqs) != 2 || reqs[0].Model != anthropic.ModelClaudeSonnet4_5 || reqs[1].Model != models.Default() || reqs[1].LastUserText() != "still there?" {
		t.Fatalf("requests: %+v", reqs)
	}
	if sess.Conversation().Model != models.Default() {
		t.Errorf("session model %q after a refused /model", sess.Conversation().Model)
	}
}

func TestDefaultModelIsTheSDKs(t *testing.T) {
	t.Parallel()
	s := stub(t)
	h := newHarness(t, s.URL, testKey)
	if err := h.run(context.Background(), "-q", "hi"); err != nil {
		t.Fatal(err)
	}
	if m := s.MessageRequests()[0].Model; m != anthropic.ModelClaudeSonnet5_5 {
		t.Fatalf("model %q, want the SDK's %q", m, anthropic.ModelClaudeSonnet5_5)
	}
}

// The terminal UI's model hooks: /model NAME is checked with the API (a
// refused model's error says what to do, HERMES_MODEL offered), and a
// retired model is announced with the default offered.
func TestTUIModelHooks(t *testing.T) {
	t.Parallel()
	s := stub(t)
	h := newHarness(t, s.URL, testKey)
	h.env["HERMES_MODEL"] = anthropic.ModelClaudeOpus5_5
	sess, err := h.session(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Release()
	err = sess.CheckModel(context.Background(), "claude-3-7-sonnet-20250219")
	var ue *models.UnavailableError
	if !errors.As(err, &ue) {
		t.Fatalf("checkModel of a retired model = %v", err)
	}
	assertRefusal(t, err.Error(), "claude-3-7-sonnet-20250219", anthropic.ModelClaudeOpus5_5)
	if err := sess.CheckModel(context.Background(), anthropic.ModelClaudeHaiku5_5); err != nil {
		t.Fatalf("checkModel of a served model = %v", err)
	}
	notice, offer := sess.ModelNotice(anthropic.ModelClaudeSonnet4_5)
	if !strings.Contains(notice, "claude-sonnet-4-5 reached end-of-life on November 30, 2026") || offer != anthropic.ModelClaudeOpus5_5 {
		t.Fatalf("retired: notice %q, offer %q", notice, offer)
	}
	if notice, offer := sess.ModelNotice(models.Default()); notice != "" || offer != "" {
		t.Fatalf("the default: notice %q, offer %q", notice, offer)
	}
}
