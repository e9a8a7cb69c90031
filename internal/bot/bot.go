// Package bot is `hermes bot`'s platform-neutral core: who may talk to
// the agent (Allow), one agent session per chat thread (stored like the
// CLI's, so `hermes chat --list-sessions` lists them and `-r ID` resumes
// them), the in-chat commands, and answers streamed into the platform by
// editing the reply as it grows. The platform adapters (telegram.go,
// slack.go) turn their updates into Messages and give the core a
// Replier to answer through.
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/secret"
	"github.com/hermes-agent/hermes/internal/telemetry"
)

// The platforms.
const (
	PlatformTelegram = "telegram"
	PlatformSlack    = "slack"
)

// Message is one message addressed to the bot.
type Message struct {
	// Sender and Chat are the allow-list ids of who wrote and where
	// ("telegram:123", "slack:T1/U2"; "telegram:-100…", "slack:T1/C3").
	Sender, Chat string
	// Thread keys the agent session: a Telegram chat, a Slack thread.
	Thread string
	Text   string
}

// Replier answers in the message's thread. Text is already in the
// platform's dialect and within its limit.
type Replier interface {
	Post(ctx context.Context, text string) (ref string, err error)
	Update(ctx context.Context, ref, text string) error
}

// Platform is what the core needs to know of a platform's messages.
type Platform struct {
	Name string
	// Limit is the longest message text, in UTF-16 code units.
	Limit int
	// EditEvery throttles the edits of a growing answer.
	EditEvery time.Duration
	dialect   dialect
}

// TelegramPlatform and SlackPlatform are the platforms' limits: Telegram
// takes 4096 characters and about one edit a second per chat; Slack
// truncates text past 40,000 characters but renders long messages
// poorly, and chat.update is a Tier 3 method (about 50 a minute).
var (
	TelegramPlatform = Platform{Name: PlatformTelegram, Limit: 4096, EditEvery: time.Second, dialect: dialectTelegramHTML}
	SlackPlatform    = Platform{Name: PlatformSlack, Limit: 4000, EditEvery: 1200 * time.Millisecond, dialect: dialectSlack}
)

// Bot answers messages with one agent.
type Bot struct {
	Agent   *agent.Agent
	Runtime *credential.Runtime
	Store   *agent.Store
	Threads *Threads
	Allow   *Allow
	// Model is the default model (for /status; the agent's own decides).
	Model string
	Now   func() time.Time
	Log   *slog.Logger

	mu    sync.Mutex
	locks map[string]*sync.Mutex // per thread: one answer at a time

	// work is the context answers run in: cancelled only when the grace
	// period after a shutdown request is over.
	work     context.Context
	inflight sync.WaitGroup
}

// Go runs fn as an answer in flight: Drain waits for it.
func (b *Bot) Go(fn func(ctx context.Context)) {
	b.inflight.Add(1)
	go func() {
		defer b.inflight.Done()
		fn(b.workContext())
	}()
}

func (b *Bot) workContext() context.Context {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.work == nil {
		return context.Background()
	}
	return b.work
}

// SetWorkContext sets the context answers run in.
func (b *Bot) SetWorkContext(ctx context.Context) {
	b.mu.Lock()
	b.work = ctx
	b.mu.Unlock()
}

// Wait waits for the answers in flight.
func (b *Bot) Wait() { b.inflight.Wait() }

func (b *Bot) threadLock(key string) *sync.Mutex {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.locks == nil {
		b.locks = map[string]*sync.Mutex{}
	}
	l := b.locks[key]
	if l == nil {
		l = &sync.Mutex{}
		b.locks[key] = l
	}
	return l
}

// Refusal is the reply to someone not on the allow-list: their id, so an
// admin can allow them.
func Refusal(m Message) string {
	if m.Chat == m.Sender || m.Chat == "" {
		return fmt.Sprintf("Sorry, you are not on this bot's allow-list. An admin can add you with --allow %s.", m.Sender)
	}
	return fmt.Sprintf("Sorry, you are not on this bot's allow-list. An admin can add you with --allow %s (or %s for this whole chat).", m.Sender, m.Chat)
}

// Handle answers m through r: a refusal, an in-chat command, or the
// agent's streamed answer. The returned error is the platform's (the
// answer could not be posted); what went wrong with the model is told in
// the chat.
func (b *Bot) Handle(ctx context.Context, p Platform, m Message, r Replier) error {
	if !b.Allow.Allows(m.Sender, m.Chat) {
		// Nothing of the message goes further than this line: not the
		// model, not the log (only the ids).
		b.Log.Info("refused a message from someone not allowed", "platform", p.Name, "sender", m.Sender, "chat", m.Chat)
		_, err := r.Post(ctx, escape(Refusal(m)))
		return err
	}
	l := b.threadLock(m.Thread)
	l.Lock()
	defer l.Unlock()
	if reply, ok := b.command(m); ok {
		_, err := r.Post(ctx, convert(reply, p.dialect))
		return err
	}
	return b.answer(ctx, p, m, r)
}

// answer runs the agent on m in its thread's session and streams the
// answer.
func (b *Bot) answer(ctx context.Context, p Platform, m Message, r Replier) error {
	conv, lock, err := b.conversation(m.Thread)
	if err != nil {
		b.Log.Warn("session", "thread", m.Thread, "err", err)
		_, perr := r.Post(ctx, escape("hermes: "+secret.RedactShapes(err.Error())))
		return perr
	}
	defer lock.Unlock()
	s := &streamer{p: p, r: r, now: b.Now, log: b.Log}
	_, err = b.Agent.Send(ctx, conv, m.Text, func(e agent.Event) { s.event(ctx, e) })
	if err == nil {
		if serr := b.Store.Save(conv, b.Now()); serr != nil {
			err = fmt.Errorf("the answer was not saved to the session: %w", serr)
		} else {
			err = b.Threads.Set(m.Thread, conv.ID)
		}
	}
	if err != nil {
		if errors.Is(err, context.Canceled) || ctx.Err() != nil {
			s.note("(stopped: hermes is shutting down)")
		} else {
			b.Log.Warn("answer", "thread", m.Thread, "err", err)
			s.note("hermes: " + secret.RedactShapes(err.Error()))
		}
	}
	// The final edit gets a context of its own: a shutdown that cut the
	// answer short still tells the chat so.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := s.flush(fctx, true); err != nil {
		return &UndeliveredError{Answer: strings.TrimSpace(s.md.String()), Err: err}
	}
	return nil
}

// UndeliveredError is an answer the model made that the platform did
// not take: the adapter can send it again (Resend) without asking the
// model twice.
type UndeliveredError struct {
	Answer string // Markdown
	Err    error
}

func (e *UndeliveredError) Error() string { return "the answer was not delivered: " + e.Err.Error() }
func (e *UndeliveredError) Unwrap() error { return e.Err }

// Resend posts an answer whose delivery failed, whole, in the thread.
func (b *Bot) Resend(ctx context.Context, p Platform, m Message, answer string, r Replier) error {
	l := b.threadLock(m.Thread)
	l.Lock()
	defer l.Unlock()
	if err := postAll(ctx, p, r, answer); err != nil {
		return &UndeliveredError{Answer: answer, Err: err}
	}
	return nil
}

// postAll posts Markdown as new messages, split at the platform's limit.
func postAll(ctx context.Context, p Platform, r Replier, md string) error {
	if md = strings.TrimSpace(md); md == "" {
		md = "(no answer)"
	}
	for _, piece := range split(md, p.dialect, p.Limit) {
		if _, err := r.Post(ctx, convert(piece, p.dialect)); err != nil {
			return err
		}
	}
	return nil
}

// conversation is the thread's session, locked, or a new one.
func (b *Bot) conversation(thread string) (*agent.Conversation, *agent.SessionLock, error) {
	if id := b.Threads.Get(thread); id != "" {
		conv, lock, err := b.Store.Open(id)
		if err == nil {
			return conv, lock, nil
		}
		if errors.Is(err, agent.ErrSessionInUse) {
			return nil, nil, fmt.Errorf("this chat's session %s is open in another hermes process (a `hermes chat -r`?): finish that first, or send /new", id)
		}
		b.Log.Warn("the thread's session could not be opened; starting a new one", "thread", thread, "session", id, "err", err)
	}
	conv := agent.NewConversation(b.Now())
	telemetry.CountSession(context.Background(), "bot")
	lock, err := b.Store.Lock(conv.ID)
	if err != nil {
		return nil, nil, err
	}
	return conv, lock, nil
}

// streamer shows an answer as it grows: the first text posts a message,
// later text edits it (at most every Platform.EditEvery), and text past
// the platform's limit goes on in new messages.
type streamer struct {
	p   Platform
	r   Replier
	now func() time.Time
	log *slog.Logger

	md     strings.Builder // the answer so far, Markdown, tool lines included
	inputs map[string]string
	refs   []string // messages posted, in order
	shown  []string // what each shows
	last   time.Time
}

func (s *streamer) event(ctx context.Context, e agent.Event) {
	switch {
	case e.Type == "text" && e.Depth == 0:
		s.md.WriteString(e.Text)
	case e.Type == "tool_use":
		if s.inputs == nil {
			s.inputs = map[string]string{}
		}
		s.inputs[e.ToolID] = agent.ToolSummary(e.Tool, e.Input)
	case e.Type == "tool_result":
		mark := "✓"
		if e.IsError || e.Denied {
			mark = "✗"
		}
		s.note(fmt.Sprintf("%s%s %s %s · %s", strings.Repeat("  ", e.Depth), mark, e.Tool, s.inputs[e.ToolID], agent.ResultSummary(e)))
	case e.Type == "compact" && e.Depth == 0:
		s.note("(" + e.Text + ")")
	default:
		return
	}
	if err := s.flush(ctx, false); err != nil {
		// The next flush tries again; the final one reports.
		s.log.Debug("streaming edit", "platform", s.p.Name, "err", err)
	}
}

// note adds a line of its own (a tool call, an error).
func (s *streamer) note(line string) {
	if t := s.md.String(); t != "" && !strings.HasSuffix(t, "\n") {
		s.md.WriteString("\n")
	}
	s.md.WriteString(line + "\n")
}

// flush brings the posted messages up to date: always when final, else
// when the platform's edit interval has passed.
func (s *streamer) flush(ctx context.Context, final bool) error {
	if !final && s.now().Sub(s.last) < s.p.EditEvery {
		return nil
	}
	md := strings.TrimSpace(s.md.String())
	if md == "" {
		if !final {
			return nil
		}
		md = "(no answer)"
	}
	s.last = s.now()
	for i, piece := range split(md, s.p.dialect, s.p.Limit) {
		text := convert(piece, s.p.dialect)
		if i < len(s.refs) {
			if s.shown[i] == text {
				continue
			}
			if err := s.r.Update(ctx, s.refs[i], text); err != nil {
				return err
			}
			s.shown[i] = text
			continue
		}
		ref, err := s.r.Post(ctx, text)
		if err != nil {
			return err
		}
		s.refs, s.shown = append(s.refs, ref), append(s.shown, text)
	}
	return nil
}
