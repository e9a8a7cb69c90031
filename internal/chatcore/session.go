// Package chatcore is the chat behind every chat front end: the session
// controller (Session: send a prompt, stream its events, switch model,
// start, resume and list sessions, compact, status and cost) and the
// slash-command table (Commands) with the model offers and notices the
// commands share. It knows no terminal: the full-screen UI (internal/tui),
// the line chat (internal/cli/chat) and any other front end drive it
// through the UI interface, so every command exists in each of them.
package chatcore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/models"
)

// Config is what a Session is built from.
type Config struct {
	// Agent answers; it may be replaced between prompts (tests point it
	// at another stand-in).
	Agent   *agent.Agent
	Runtime *credential.Runtime
	Store   *agent.Store
	Now     func() time.Time
	Getenv  func(string) string
	// Model is the model of a session that names none (-m, else
	// HERMES_MODEL); "" means models.DefaultModel.
	Model string
	// System (--append-system-prompt) is given to a resumed session that
	// has none.
	System string
	// Instructions are the project instruction files in the system prompt.
	Instructions []string
	// MCPServers, when set, is the MCP servers' state now, for /status.
	MCPServers func() []MCPServer
}

// Session is one chat: the current conversation (its session lock held),
// the agent answering it and the tokens each session used in this process.
// Send and Compact may run on another goroutine than the front end; the
// other methods change the conversation and are called between them.
type Session struct {
	Config

	conv *agent.Conversation
	lock *agent.SessionLock

	mu sync.Mutex // guards usage and model, written by Send's goroutine
	// usage is the tokens used by this process per session id.
	usage map[string]agent.Usage
	// model is what Status shows, kept here because a status line must
	// not read the conversation while Send's goroutine writes it.
	model string
}

// New returns the controller of conv, whose session lock (may be nil for
// tests) it now holds.
func New(cfg Config, conv *agent.Conversation, lock *agent.SessionLock) *Session {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Getenv == nil {
		cfg.Getenv = func(string) string { return "" }
	}
	s := &Session{Config: cfg, conv: conv, lock: lock}
	s.syncModel()
	return s
}

// Conversation is the current conversation.
func (s *Session) Conversation() *agent.Conversation { return s.conv }

// Adopt makes conv (locked by lock) the current conversation, releasing
// the one before.
func (s *Session) Adopt(conv *agent.Conversation, lock *agent.SessionLock) {
	s.Release()
	s.conv, s.lock = conv, lock
	s.syncModel()
}

// Release lets another process use the current session.
func (s *Session) Release() {
	if s.lock != nil {
		s.lock.Unlock()
		s.lock = nil
	}
}

// Resumed reports whether the conversation has earlier turns.
func (s *Session) Resumed() bool { return len(s.conv.Messages) > 0 }

// Model is the model the next answer will use.
func (s *Session) Model() string {
	for _, m := range []string{s.conv.Model, s.Config.Model} {
		if m != "" {
			return m
		}
	}
	return models.DefaultModel
}

// syncModel records the session's model for Status. Call it only where no
// Send is running or from Send's own goroutine.
func (s *Session) syncModel() {
	m := s.Model()
	s.mu.Lock()
	s.model = m
	s.mu.Unlock()
}

// Send answers prompt in the current session, calling onEvent for each
// streamed event, and saves the session. Cancelling ctx stops the answer
// and leaves the session as it was (cmdutil.ErrCancel). A budget stop
// (--max-budget-usd) keeps and returns the partial answer with its error.
func (s *Session) Send(ctx context.Context, prompt string, onEvent func(agent.Event)) (*agent.Result, error) {
	res, err := s.Agent.Send(ctx, s.conv, prompt, onEvent)
	s.syncModel()
	if be := (*agent.BudgetError)(nil); errors.As(err, &be) && res != nil {
		s.addUsage(res.Usage)
		if serr := s.Store.Save(s.conv, s.Now()); serr != nil {
			return res, fmt.Errorf("%w; the answer was not saved to the session: %v", err, serr)
		}
		return res, err
	}
	if err != nil {
		return nil, s.explain(ctx, err)
	}
	s.addUsage(res.Usage)
	if err := s.Store.Save(s.conv, s.Now()); err != nil {
		return res, fmt.Errorf("the answer was not saved to the session: %w", err)
	}
	return res, nil
}

// Compact replaces the current session's older turns by a summary
// (/compact [focus]) and saves it (the replaced turns go to its side file).
func (s *Session) Compact(ctx context.Context, focus string, onEvent func(agent.Event)) (*agent.Result, error) {
	res, err := s.Agent.Compact(ctx, s.conv, focus, onEvent)
	if err != nil {
		return nil, s.explain(ctx, err)
	}
	s.addUsage(res.Usage)
	if err := s.Store.Save(s.conv, s.Now()); err != nil {
		return res, fmt.Errorf("the compacted session was not saved: %w", err)
	}
	return res, nil
}

func (s *Session) addUsage(u agent.Usage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.usage == nil {
		s.usage = map[string]agent.Usage{}
	}
	cur := s.usage[s.conv.ID]
	cur.Add(u)
	s.usage[s.conv.ID] = cur
}

// explain maps errors to the spec's exit codes: a refused credential is an
// AuthError (4) naming the credential used, an interrupt is ErrCancel (130).
// Errors from the resolver already carry their exit code and explanation.
func (s *Session) explain(ctx context.Context, err error) error {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return cmdutil.ErrCancel
	}
	var ue *models.UnavailableError
	if errors.As(err, &ue) {
		// The default to offer is HERMES_MODEL, unless that is the
		// refused model itself.
		if env := s.Getenv("HERMES_MODEL"); env != "" && env != ue.Model {
			ue.Default = env
		}
		return err
	}
	var ae *agent.APIError
	if errors.As(err, &ae) && ae.IsAuth() {
		return &cmdutil.AuthError{Err: fmt.Errorf("%w\nThe credential used was %s; check it with `hermes auth status --check`", err, s.Runtime.Source)}
	}
	return err
}

// NewSession starts a new session on the same model and system prompt
// and makes it current, taking its lock at once.
func (s *Session) NewSession() error {
	conv, lock, err := NewConversation(s.Store, s.Now())
	if err != nil {
		return err
	}
	conv.Model, conv.System = s.conv.Model, s.conv.System
	s.Adopt(conv, lock)
	return nil
}

// NewConversation starts a session and takes its lock at once, so a
// `hermes chat -c` started meanwhile cannot pick it up too.
func NewConversation(store *agent.Store, now time.Time) (*agent.Conversation, *agent.SessionLock, error) {
	conv := agent.NewConversation(now)
	lock, err := store.Lock(conv.ID)
	if err != nil {
		return nil, nil, err
	}
	return conv, lock, nil
}

// Resume makes the saved session id current (its lock taken).
func (s *Session) Resume(id string) error {
	if err := agent.CheckID(id); err != nil {
		return err
	}
	conv, lock, err := s.Store.Open(id)
	if err != nil {
		return err
	}
	if s.System != "" && conv.System == "" {
		conv.System = s.System
	}
	s.Adopt(conv, lock)
	return nil
}

// Sessions lists the saved sessions, newest first.
func (s *Session) Sessions() ([]agent.SessionInfo, error) { return s.Store.List() }

// Transcript is the current session's messages so far.
func (s *Session) Transcript() []agent.Message { return s.conv.Messages }

// SetModel switches the current session's model.
func (s *Session) SetModel(model string) {
	s.conv.Model = model
	s.syncModel()
}

// Status describes the session and the credential now.
func (s *Session) Status() Status {
	rt := s.Runtime
	s.mu.Lock()
	model, u := s.model, s.usage[s.conv.ID]
	s.mu.Unlock()
	st := Status{
		Model:            model,
		SessionID:        s.conv.ID,
		CredentialKind:   KindLabel(rt.Kind),
		CredentialSource: rt.Source,
		Instructions:     s.Instructions,
	}
	if s.MCPServers != nil {
		st.MCP = s.MCPServers()
	}
	if p, ok := rt.Tokens.(credential.Peeker); ok {
		if tok, ok := p.Peek(); ok {
			st.Expiry = tok.Expiry
		}
	}
	st.InputTokens, st.OutputTokens = u.InputTokens, u.OutputTokens
	st.CacheWriteTokens, st.CacheReadTokens = u.CacheCreationInputTokens, u.CacheReadInputTokens
	if c, ok := u.Cost(); ok && u.PromptTokens() > 0 {
		st.CostUSD = &c
	}
	return st
}

// KindLabel is a credential kind as the status line says it.
func KindLabel(k credential.Kind) string {
	switch k {
	case credential.KindWIF:
		return "WIF"
	case credential.KindAPIKey:
		return "API key"
	case credential.KindOAuth:
		return "OAuth"
	case credential.KindAuthToken:
		return "bearer token"
	}
	return string(k)
}

// CheckModel asks the API about a model typed as /model NAME: an error
// only when the API refuses it (it names the default to use instead);
// when the API cannot be asked the switch happens and the first answer
// will tell.
func (s *Session) CheckModel(ctx context.Context, name string) error {
	_, err := models.Check(ctx, s.Runtime, name)
	var ue *models.UnavailableError
	if !errors.As(err, &ue) {
		return nil
	}
	if env := s.Getenv("HERMES_MODEL"); env != "" && env != name {
		ue.Default = env
	}
	return err
}

// ModelNotice is what a chat says about a model: a retired one (a resumed
// session) with the default offered instead, or the once-per-run
// deprecation warning for one switched to.
func (s *Session) ModelNotice(model string) (notice, offer string) {
	r, ok := models.Retirement(model)
	if !ok {
		return "", ""
	}
	now := s.Now()
	if r.Past(now) {
		return fmt.Sprintf("This session's model %s reached end-of-life on %s.", r.Model, r.Date()), s.SuggestedModel(model)
	}
	var b strings.Builder
	if models.WarnDeprecated(&b, model, now) {
		return strings.TrimSpace(b.String()), ""
	}
	return "", ""
}

// SuggestedModel is the model to offer instead of a retired one:
// HERMES_MODEL or the default, unless that is the retired model itself.
func (s *Session) SuggestedModel(retired string) string {
	return (&models.UnavailableError{Model: retired, Default: models.Pick(s.Getenv("HERMES_MODEL"))}).Suggestion()
}

// ModelChoices lists the models the API offers this credential for
// /model, the default and deprecated ones marked.
func (s *Session) ModelChoices(ctx context.Context) ([]Choice, error) {
	list, err := models.List(ctx, s.Runtime, s.Getenv("HERMES_MODEL"))
	if err != nil {
		return nil, err
	}
	out := make([]Choice, 0, len(list))
	for _, m := range list {
		label := m.ID
		if m.Default {
			label += " (default)"
		}
		if m.Lifecycle == "deprecated" {
			label += " (deprecated)"
		}
		out = append(out, Choice{Label: label, Value: m.ID})
	}
	return out, nil
}

// Hooks are the model hooks of this session, for a front end's UI.
func (s *Session) Hooks() ModelHooks {
	return ModelHooks{List: s.ModelChoices, Check: s.CheckModel, Notice: s.ModelNotice}
}
