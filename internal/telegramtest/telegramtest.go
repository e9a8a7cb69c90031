// Package telegramtest gives tests the Telegram Bot API stand-in
// (internal/telegramstandin): New starts one for a test and closes it
// when the test ends.
package telegramtest

import (
	"testing"

	"github.com/hermes-agent/hermes/internal/telegramstandin"
)

// New starts a stand-in accepting token for a test.
func New(t testing.TB, token string) *Server {
	t.Helper()
	s, err := telegramstandin.Start(token)
	if err != nil {
		t.Fatalf("telegramtest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start starts a stand-in that the caller must Close.
func Start(token string) (*Server, error) { return telegramstandin.Start(token) }

type (
	Server   = telegramstandin.Server
	Incoming = telegramstandin.Incoming
	Call     = telegramstandin.Call
	Message  = telegramstandin.Message
	Fault    = telegramstandin.Fault
)

const (
	BotID       = telegramstandin.BotID
	BotUsername = telegramstandin.BotUsername
)
