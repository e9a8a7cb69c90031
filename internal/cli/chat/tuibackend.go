package chat

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	tea "charm.land/bubbletea/v2"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/models"
	"github.com/hermes-agent/hermes/internal/tui"
)

// runTUI runs the interactive chat as a full-screen terminal UI.
func (s *chatSession) runTUI(ctx context.Context, home string) error {
	ios := s.opts.IO
	b := &tuiBackend{s: s, model: s.model()}
	list := s.opts.ListModels
	if list == nil {
		// /model offers what the API offers to this credential.
		list = func(ctx context.Context) ([]string, error) { return models.IDs(ctx, s.rt) }
	}
	m := tui.New(tui.Config{
		Backend: b,
		Models:  list,
		History: tui.OpenHistory(filepath.Join(home, "history")),
		Now:     s.opts.Now,
		// nil unless tools can ask (s.approver is *tui.Approver).
		Approver:    s.approver,
		CheckModel:  s.checkModel,
		ModelNotice: s.modelNotice,
	})
	opts := []tea.ProgramOption{tea.WithInput(ios.In), tea.WithOutput(ios.Out), tea.WithContext(ctx)}
	_, err := tea.NewProgram(m, opts...).Run()
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		return fmt.Errorf("terminal UI: %w", err)
	}
	if len(s.conv.Messages) > 0 {
		fmt.Fprintf(ios.Out, "Session %s saved; continue it with `hermes chat --session %s`.\n", s.conv.ID, s.conv.ID)
	}
	return nil
}

// tuiBackend is the chat session as the terminal UI sees it.
type tuiBackend struct {
	s  *chatSession
	mu sync.Mutex // guards usage and model, written by Send's goroutine
	// usage is the tokens used by this process per session id.
	usage map[string]agent.Usage
	// model is what the status line shows, kept here because the render
	// must not read the conversation while Send's goroutine writes it (a
	// data race the race-enabled binary tests found).
	model string
}

// syncModel records the session's model for the status line. Call it only
// where no Send is running or from Send's own goroutine.
func (b *tuiBackend) syncModel() {
	m := b.s.model()
	b.mu.Lock()
	b.model = m
	b.mu.Unlock()
}

func (b *tuiBackend) Send(ctx context.Context, prompt string, onEvent func(agent.Event)) (*agent.Result, error) {
	res, err := b.s.agent.Send(ctx, b.s.conv, prompt, onEvent)
	b.syncModel()
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, context.Canceled) {
			return nil, context.Canceled
		}
		return nil, b.s.explain(ctx, err)
	}
	b.mu.Lock()
	if b.usage == nil {
		b.usage = map[string]agent.Usage{}
	}
	u := b.usage[b.s.conv.ID]
	u.Add(res.Usage)
	b.usage[b.s.conv.ID] = u
	b.mu.Unlock()
	if err := b.s.store.Save(b.s.conv, b.s.opts.Now()); err != nil {
		return res, fmt.Errorf("the answer was not saved to the session: %w", err)
	}
	return res, nil
}

func (b *tuiBackend) Compact(ctx context.Context, focus string, onEvent func(agent.Event)) (*agent.Result, error) {
	res, err := b.s.compact(ctx, focus, onEvent)
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, context.Canceled) {
			return nil, context.Canceled
		}
		return nil, err
	}
	b.mu.Lock()
	if b.usage == nil {
		b.usage = map[string]agent.Usage{}
	}
	u := b.usage[b.s.conv.ID]
	u.Add(res.Usage)
	b.usage[b.s.conv.ID] = u
	b.mu.Unlock()
	return res, nil
}

func (b *tuiBackend) NewSession() error {
	conv, lock, err := newConversation(b.s.store, b.s.opts.Now())
	if err != nil {
		return err
	}
	conv.Model, conv.System = b.s.conv.Model, b.s.conv.System
	b.s.release()
	b.s.conv, b.s.lock = conv, lock
	b.syncModel()
	return nil
}

func (b *tuiBackend) Resume(id string) error {
	if err := agent.CheckID(id); err != nil {
		return err
	}
	conv, lock, err := b.s.store.Open(id)
	if err != nil {
		return err
	}
	if b.s.opts.System != "" && conv.System == "" {
		conv.System = b.s.opts.System
	}
	b.s.release()
	b.s.conv, b.s.lock = conv, lock
	b.syncModel()
	return nil
}

func (b *tuiBackend) Sessions() ([]agent.SessionInfo, error) { return b.s.store.List() }

func (b *tuiBackend) Transcript() []agent.Message { return b.s.conv.Messages }

func (b *tuiBackend) SetModel(model string) {
	b.s.conv.Model = model
	b.syncModel()
}

func (b *tuiBackend) Status() tui.Status {
	rt := b.s.rt
	b.mu.Lock()
	model := b.model
	b.mu.Unlock()
	st := tui.Status{
		Model:            model,
		SessionID:        b.s.conv.ID,
		CredentialKind:   kindLabel(rt.Kind),
		CredentialSource: rt.Source,
	}
	for _, f := range b.s.instructions {
		st.Instructions = append(st.Instructions, f.Path)
	}
	if p, ok := rt.Tokens.(credential.Peeker); ok {
		if tok, ok := p.Peek(); ok {
			st.Expiry = tok.Expiry
		}
	}
	b.mu.Lock()
	u := b.usage[b.s.conv.ID]
	b.mu.Unlock()
	st.InputTokens, st.OutputTokens = u.InputTokens, u.OutputTokens
	st.CacheWriteTokens, st.CacheReadTokens = u.CacheCreationInputTokens, u.CacheReadInputTokens
	if c, ok := u.Cost(); ok && u.PromptTokens() > 0 {
		st.CostUSD = &c
	}
	return st
}

func kindLabel(k credential.Kind) string {
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

// checkModel asks the API about a model typed as /model NAME: an error
// only when the API refuses it (it names the default to use instead);
// when the API cannot be asked the switch happens and the first answer
// will tell.
func (s *chatSession) checkModel(ctx context.Context, name string) error {
	_, err := models.Check(ctx, s.rt, name)
	var ue *models.UnavailableError
	if !errors.As(err, &ue) {
		return nil
	}
	if env := s.opts.Getenv("HERMES_MODEL"); env != "" && env != name {
		ue.Default = env
	}
	return err
}

// modelNotice is what the terminal UI says about the session's model: a
// retired one (a resumed session) with the default offered instead, or the
// once-per-run deprecation warning for one switched to.
func (s *chatSession) modelNotice(model string) (notice, offer string) {
	r, ok := models.Retirement(model)
	if !ok {
		return "", ""
	}
	now := s.opts.Now()
	if r.Past(now) {
		return fmt.Sprintf("This session's model %s reached end-of-life on %s.", r.Model, r.Date()), s.suggestedModel(model)
	}
	var b strings.Builder
	if models.WarnDeprecated(&b, model, now) {
		return strings.TrimSpace(b.String()), ""
	}
	return "", ""
}
