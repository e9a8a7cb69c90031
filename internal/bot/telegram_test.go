package bot

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/oidctest"
	"github.com/hermes-agent/hermes/internal/telegramtest"
)

const testToken = "7000000001:AAH-SENTINEL-unit-test-token-c0ffee"

func TestTelegramOffsetMovesOnlyPastAnsweredUpdates(t *testing.T) {
	home := t.TempDir()
	tg := &Telegram{Home: home, Log: discard()}
	tg.inflight, tg.finished, tg.changed = map[int64]bool{}, map[int64]bool{}, make(chan struct{}, 1)
	tg.committed = 10
	for _, id := range []int64{10, 11, 12} {
		tg.inflight[id] = true
	}
	tg.done(11) // answered before 10: the offset waits for 10
	if tg.offset() != 10 {
		t.Fatalf("offset %d after 11 only, want 10", tg.offset())
	}
	tg.done(10)
	if tg.offset() != 12 {
		t.Fatalf("offset %d after 10 and 11, want 12", tg.offset())
	}
	tg.done(12)
	if tg.offset() != 13 {
		t.Fatalf("offset %d, want 13", tg.offset())
	}
	data, err := os.ReadFile(filepath.Join(home, "bot", "telegram.offset"))
	if err != nil || !strings.Contains(string(data), `"offset":13`) {
		t.Fatalf("saved offset: %q, %v", data, err)
	}
	// A restart starts from the saved offset.
	again := &Telegram{Home: home, Log: discard(), Client: &TelegramClient{BaseURL: telegramtest.New(t, testToken).URL, Token: testToken, HTTP: http.DefaultClient}}
	if err := again.start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if again.offset() != 13 {
		t.Fatalf("restarted at %d, want 13", again.offset())
	}
}

// The token is in the Bot API's URL path: no error may carry it.
func TestTelegramErrorsNeverShowTheToken(t *testing.T) {
	dead := telegramtest.New(t, testToken)
	url := dead.URL
	dead.Close()
	c := &TelegramClient{BaseURL: url, Token: testToken, HTTP: http.DefaultClient}
	err := c.Call(context.Background(), "getMe", struct{}{}, nil)
	if err == nil {
		t.Fatal("no error from a closed server")
	}
	if strings.Contains(err.Error(), "SENTINEL") {
		t.Fatalf("the token is in the error: %v", err)
	}
	// A refused token: a clear error, and no token either.
	s := telegramtest.New(t, testToken)
	tg := &Telegram{Home: t.TempDir(), Log: discard(), Client: &TelegramClient{BaseURL: s.URL, Token: testToken + "x", HTTP: http.DefaultClient}}
	err = tg.start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "TELEGRAM_BOT_TOKEN") || strings.Contains(err.Error(), "SENTINEL") {
		t.Fatalf("refused token: %v", err)
	}
}

func TestTelegramMessageInGroupsOnlyWhenAddressed(t *testing.T) {
	tg := &Telegram{me: tgUser{ID: 9, Username: "hermes_bot"}}
	group := tgChat{ID: -100, Type: "supergroup"}
	from := &tgUser{ID: 42}
	for _, c := range []struct {
		msg  tgMessage
		ok   bool
		text string
	}{
		{tgMessage{From: from, Chat: group, Text: "hello all"}, false, ""},
		{tgMessage{From: from, Chat: group, Text: "@Hermes_Bot what is WIF?"}, true, "what is WIF?"},
		{tgMessage{From: from, Chat: group, Text: "go on", ReplyTo: &tgMessage{From: &tgUser{ID: 9}}}, true, "go on"},
		{tgMessage{From: from, Chat: group, Text: "/new@hermes_bot"}, true, "/new"},
		{tgMessage{From: &tgUser{ID: 5, IsBot: true}, Chat: tgChat{ID: 5, Type: "private"}, Text: "hi"}, false, ""},
		{tgMessage{From: from, Chat: tgChat{ID: 42, Type: "private"}, Text: "/status@hermes_bot"}, true, "/status"},
		{tgMessage{From: from, Chat: tgChat{ID: -5, Type: "channel"}, Text: "@hermes_bot"}, false, ""},
	} {
		m, _, ok := tg.message(tgUpdate{Message: &c.msg})
		if ok != c.ok || (ok && m.Text != c.text) {
			t.Errorf("%q: ok %t text %q, want %t %q", c.msg.Text, ok, m.Text, c.ok, c.text)
		}
	}
}

// newTestBot is a bot with a real agent on the Anthropic stand-in (it
// answers "echo: " + the message), allowing allowed.
func newTestBot(t *testing.T, home string, allowed ...string) (*Bot, *anthropictest.Server) {
	t.Helper()
	const apiKey = "sk-ant-api03-BOTtestBOTtestBOTtestBOTtest"
	api := anthropictest.New(t, anthropictest.Config{Issuer: oidctest.New(t), APIKeys: []string{apiKey}})
	rt := credential.NewStaticRuntime(api.URL, credential.ModeAPIKey, credential.KindAPIKey, "test", apiKey)
	a, err := agent.New(rt, agent.Config{})
	if err != nil {
		t.Fatal(err)
	}
	threads, err := OpenThreads(home)
	if err != nil {
		t.Fatal(err)
	}
	allow, err := NewAllow(allowed)
	if err != nil {
		t.Fatal(err)
	}
	// A clock that stands still: after the first, no edit is due, so
	// each answer makes exactly two posts (the first text, the final).
	now := time.Unix(1_800_000_000, 0)
	return &Bot{Agent: a, Runtime: rt, Store: agent.NewStore(home), Threads: threads, Allow: allow, Now: func() time.Time { return now }, Log: discard()}, api
}

// waitFor polls cond until it holds, failing the test after a generous
// deadline (the condition, not the time, is what is tested).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Issue 29: a platform outage never loses an update. Telegram fails
// every try of an answer's posts: the offset stays put, the update
// comes again, and gets the answer already made (the model is not
// asked twice). A refusal for good (a chat that blocked the bot) does
// not hold the offset.
func TestTelegramOutageLosesNoUpdate(t *testing.T) {
	saved := retryBackoff
	retryBackoff = time.Millisecond
	t.Cleanup(func() { retryBackoff = saved })
	home := t.TempDir()
	b, api := newTestBot(t, home, "telegram:42")
	s := telegramtest.New(t, testToken)
	tg := &Telegram{Home: home, Log: discard(), PollTimeout: time.Second, Client: &TelegramClient{BaseURL: s.URL, Token: testToken, HTTP: http.DefaultClient}}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- tg.Serve(ctx, b) }()
	t.Cleanup(func() {
		stop()
		<-served
		b.Wait()
	})

	// Every try of the answer's two posts fails with a 502.
	s.SetFault("sendMessage", telegramtest.Fault{Status: http.StatusBadGateway, Times: 2 * telegramAttempts})
	id := s.Send(telegramtest.Incoming{From: 42, Text: "hello through an outage"})
	waitFor(t, "the answer after the outage", func() bool {
		for _, m := range s.Messages() {
			if m.ChatID == 42 && m.Text == "echo: hello through an outage" {
				return true
			}
		}
		return false
	})
	if n := len(api.MessageRequests()); n != 1 {
		t.Errorf("the model was asked %d times, want once", n)
	}
	waitFor(t, "the offset past the answered update", func() bool { return tg.offset() == id+1 })

	// Blocked by the user: given up at once, and the offset moves on.
	s.SetFault("sendMessage", telegramtest.Fault{Status: http.StatusForbidden, Times: 1})
	blocked := s.Send(telegramtest.Incoming{From: 77, Text: "then blocks the bot"})
	waitFor(t, "the offset past the refused update", func() bool { return tg.offset() == blocked+1 })
	for _, m := range s.Messages() {
		if m.ChatID == 77 {
			t.Errorf("a message reached the chat that refused it: %q", m.Text)
		}
	}
}
