package bot_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/cli/factory"
	"github.com/hermes-agent/hermes/internal/cli/root"
	"github.com/hermes-agent/hermes/internal/iostreams"
	"github.com/hermes-agent/hermes/internal/oidctest"
	"github.com/hermes-agent/hermes/internal/telegramtest"
)

const (
	apiKey   = "sk-ant-api03-SENTINELbotSIGTERMbotSIGTERM"
	botToken = "7000000001:AAH-SENTINEL-sigterm-test-token-4f1"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func status(url string) int {
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// Issue 29: SIGTERM (a pod being replaced) stops receiving, lets the
// answer in flight finish and reach the chat, then exits 0. The real
// command, with its own signal handling, under a real SIGTERM.
func TestSIGTERMFinishesTheAnswerInFlight(t *testing.T) {
	api := anthropictest.New(t, anthropictest.Config{Issuer: oidctest.New(t), APIKeys: []string{apiKey}})
	hold, arrived := make(chan struct{}), make(chan struct{}, 1)
	api.Fault("/v1/messages", anthropictest.Fault{Hold: hold, Arrived: arrived, Times: 1})
	tg := telegramtest.New(t, botToken)
	health := freeAddr(t)
	env := map[string]string{
		"HERMES_HOME": t.TempDir(), "ANTHROPIC_API_KEY": apiKey, "ANTHROPIC_BASE_URL": api.URL,
		"TELEGRAM_BOT_TOKEN": botToken, "HERMES_TELEGRAM_API_URL": tg.URL,
	}
	// The command's signal handler and its server both write to stderr,
	// from their own goroutines: a plain bytes.Buffer would race.
	ios, _, _, _ := iostreams.Test()
	errOut := &iostreams.SyncBuffer{}
	ios.ErrOut = errOut
	f := factory.New()
	f.IO = ios
	f.Getenv = func(k string) string { return env[k] }
	exit := make(chan int, 1)
	go func() {
		exit <- root.Run(context.Background(), f, []string{"bot", "--allow", "telegram:42", "--tools", "none", "--listen", health, "--grace", "1m"})
	}()

	tg.Send(telegramtest.Incoming{From: 42, Text: "a slow question"})
	select {
	case <-arrived: // the answer is in flight, held by the model
	case code := <-exit:
		t.Fatalf("hermes bot exited %d: %s", code, errOut)
	case <-time.After(30 * time.Second):
		t.Fatal("the question never reached the model")
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Draining: /readyz says so while the answer is still held (unless
	// the command did not wait for it, which the answer shows below).
	code := -1
	waitFor(t, "/readyz to report the shutdown", func() bool {
		select {
		case code = <-exit:
			return true
		default:
			return status("http://"+health+"/readyz") == http.StatusServiceUnavailable
		}
	})
	close(hold)
	if code < 0 {
		select {
		case code = <-exit:
		case <-time.After(60 * time.Second):
			t.Fatal("hermes bot did not exit after SIGTERM")
		}
	}
	if code != 0 {
		t.Fatalf("exit %d after SIGTERM, want 0: %s", code, errOut)
	}
	var answer string
	for _, m := range tg.Messages() {
		if m.ChatID == 42 {
			answer = m.Text
		}
	}
	if answer != "echo: a slow question" {
		t.Fatalf("the answer in flight reads %q in the chat, want it whole", answer)
	}
	if strings.Contains(errOut.String(), "SENTINEL") {
		t.Fatalf("a secret in the output: %s", errOut)
	}
}
