// Package slacktest gives tests the Slack stand-in
// (internal/slackstandin): New starts one for a test and closes it when
// the test ends.
package slacktest

import (
	"testing"

	"github.com/hermes-agent/hermes/internal/slackstandin"
)

// New starts a stand-in for a test.
func New(t testing.TB, cfg Config) *Server {
	t.Helper()
	s, err := slackstandin.Start(cfg)
	if err != nil {
		t.Fatalf("slacktest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start starts a stand-in that the caller must Close.
func Start(cfg Config) (*Server, error) { return slackstandin.Start(cfg) }

type (
	Server   = slackstandin.Server
	Config   = slackstandin.Config
	Incoming = slackstandin.Incoming
	Call     = slackstandin.Call
	Message  = slackstandin.Message
	Fault    = slackstandin.Fault
	Signing  = slackstandin.Signing
)

const (
	TeamID     = slackstandin.TeamID
	BotUserID  = slackstandin.BotUserID
	SignValid  = slackstandin.SignValid
	SignForged = slackstandin.SignForged
	SignStale  = slackstandin.SignStale
)
