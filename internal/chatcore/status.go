package chatcore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/termtext"
)

// Backend is the chat as a front end sees it: one session at a time.
// *Session is the real one; tests fake it.
type Backend interface {
	// Send answers prompt in the current session, calling onEvent for
	// each streamed event (from another goroutine). Cancelling ctx stops
	// the answer and running tools and leaves the session as it was.
	Send(ctx context.Context, prompt string, onEvent func(agent.Event)) (*agent.Result, error)
	// NewSession starts a new session and makes it current.
	NewSession() error
	// Resume makes the saved session id current.
	Resume(id string) error
	// Sessions lists saved sessions, newest first.
	Sessions() ([]agent.SessionInfo, error)
	// Transcript is the current session's messages so far.
	Transcript() []agent.Message
	// SetModel switches the current session's model.
	SetModel(model string)
	// Status describes the session and credential now.
	Status() Status
	// Compact replaces the current session's older turns by a summary
	// (/compact [focus]), calling onEvent like Send.
	Compact(ctx context.Context, focus string, onEvent func(agent.Event)) (*agent.Result, error)
}

// Status is what a status line and /status show.
type Status struct {
	Model     string
	SessionID string
	// CredentialKind is short ("WIF", "API key", "OAuth", "bearer");
	// CredentialSource says which credential won, never a secret.
	CredentialKind   string
	CredentialSource string
	// Expiry of the credential's current token; zero when unknown or none.
	Expiry       time.Time
	InputTokens  int64 // plain input, neither read from nor written to the cache
	OutputTokens int64
	// CacheWriteTokens and CacheReadTokens are the prompt-cache input.
	CacheWriteTokens, CacheReadTokens int64
	// CostUSD is the session's cost in this process; nil when unknown.
	CostUSD *float64
	// Instructions are the project instruction files (AGENTS.md,
	// CLAUDE.md) in the system prompt.
	Instructions []string
	// MCP are the configured MCP servers and their state.
	MCP []MCPServer
}

// MCPServer is an MCP server as /status shows it.
type MCPServer struct {
	Name string
	// State is "starting", "connected", "failed" or "skipped" (a
	// project server not approved).
	State string
	// Tools is how many tools a connected server offers.
	Tools int
	// Reason is why a server failed or was skipped, in one line.
	Reason string
}

// String is the server and its state in one line:
// "test: connected, 5 tools", "db: failed: exec: \"x\": not found".
func (m MCPServer) String() string {
	s := termtext.Clean(termtext.OneLine(m.Name, 40)) + ": " + m.State
	switch {
	case m.State == "connected" && m.Tools == 1:
		s += ", 1 tool"
	case m.State == "connected":
		s += fmt.Sprintf(", %d tools", m.Tools)
	case m.Reason != "":
		// A server's stderr may be in the reason: no escapes reach the
		// terminal.
		s += ": " + termtext.Clean(termtext.OneLine(m.Reason, 160))
	}
	return s
}

// Report is /status: credential, token expiry, model, session, tokens,
// cost, instruction files and MCP servers, one per line.
func (s Status) Report(now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Credential: %s · %s\n", s.CredentialKind, s.CredentialSource)
	if s.Expiry.IsZero() {
		b.WriteString("Token:      no expiry (a static credential)\n")
	} else {
		fmt.Fprintf(&b, "Token:      expires in %s (%s)\n", Until(now, s.Expiry), s.Expiry.Local().Format("15:04:05"))
	}
	fmt.Fprintf(&b, "Model:      %s\nSession:    %s\nTokens:     %d in · %d out", s.Model, s.SessionID, s.InputTokens, s.OutputTokens)
	if s.CacheWriteTokens+s.CacheReadTokens > 0 {
		fmt.Fprintf(&b, " · %d cache write · %d cache read", s.CacheWriteTokens, s.CacheReadTokens)
		if all := s.InputTokens + s.CacheWriteTokens + s.CacheReadTokens; all > 0 {
			fmt.Fprintf(&b, " (%d%% of input from the cache)", s.CacheReadTokens*100/all)
		}
	}
	switch {
	case s.CostUSD != nil:
		fmt.Fprintf(&b, "\nCost:       %s (list price, this run)", agent.FormatUSD(*s.CostUSD))
	case s.InputTokens+s.OutputTokens > 0:
		b.WriteString("\nCost:       unknown (no price for this model)")
	}
	if len(s.Instructions) == 0 {
		b.WriteString("\nInstructions: none")
	}
	for i, f := range s.Instructions {
		label := "\n              "
		if i == 0 {
			label = "\nInstructions: "
		}
		b.WriteString(label + f)
	}
	if len(s.MCP) == 0 {
		b.WriteString("\nMCP servers: none")
	}
	for i, m := range s.MCP {
		label := "\n             "
		if i == 0 {
			label = "\nMCP servers: "
		}
		b.WriteString(label + m.String())
	}
	return b.String()
}

// SessionTitle is a saved session's first prompt on one line.
func SessionTitle(s agent.SessionInfo) string {
	if s.Title == "" {
		return "(no prompt yet)"
	}
	return termtext.OneLine(s.Title, 70)
}

// Age is how long ago t was, in one short unit.
func Age(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	default:
		return fmt.Sprintf("%dd ago", int(d.Hours()/24))
	}
}

// Until is how long until t ("7m", "1h05m"; "0s" when past).
func Until(now, t time.Time) string {
	d := t.Sub(now)
	switch {
	case d <= 0:
		return "0s"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	default:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
}

// HumanTokens is a token count in a few characters ("950", "1.2k").
func HumanTokens(n int64) string {
	if n < 1000 {
		return fmt.Sprint(n)
	}
	return fmt.Sprintf("%.1fk", float64(n)/1000)
}
