package bot

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
