package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hermes-agent/hermes/internal/fsutil"
)

// DefaultTelegramAPI is the Bot API's base URL (HERMES_TELEGRAM_API_URL
// replaces it).
const DefaultTelegramAPI = "https://api.telegram.org"

// TelegramClient calls the Bot API by hand: a handful of JSON methods
// do not need a library (and none links in under the start-up budget
// with nothing to show for it).
type TelegramClient struct {
	BaseURL string
	Token   string
	HTTP    *http.Client
}

// maxTelegramResponse bounds one Bot API response.
const maxTelegramResponse = 8 << 20

// callTimeout bounds a call whose context has no deadline: a platform
// that never answers must not hold an answer (or a shutdown) forever.
const callTimeout = 60 * time.Second

// Call posts params to method and decodes the result into out.
func (c *TelegramClient) Call(ctx context.Context, method string, params, out any) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, callTimeout)
		defer cancel()
	}
	body, err := json.Marshal(params)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.BaseURL, "/")+"/bot"+c.Token+"/"+method, bytes.NewReader(body))
	if err != nil {
		return requestError(PlatformTelegram, method, err, c.Token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return requestError(PlatformTelegram, method, err, c.Token)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxTelegramResponse))
	if err != nil {
		return requestError(PlatformTelegram, method, err, c.Token)
	}
	var r struct {
		OK          bool            `json:"ok"`
		Result      json.RawMessage `json:"result"`
		ErrorCode   int             `json:"error_code"`
		Description string          `json:"description"`
		Parameters  struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	if err := json.Unmarshal(data, &r); err != nil || (!r.OK && r.ErrorCode == 0 && resp.StatusCode == http.StatusOK) {
		return &PlatformError{Platform: PlatformTelegram, Method: method, Status: resp.StatusCode, Code: "malformed response"}
	}
	if !r.OK {
		status := resp.StatusCode
		if status == http.StatusOK {
			status = r.ErrorCode
		}
		pe := &PlatformError{Platform: PlatformTelegram, Method: method, Status: status, Code: strconv.Itoa(r.ErrorCode), Description: truncate(r.Description, 200)}
		if r.Parameters.RetryAfter > 0 {
			pe.RetryAfter = time.Duration(r.Parameters.RetryAfter) * time.Second
		} else if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			pe.RetryAfter = time.Duration(s) * time.Second
		}
		return pe
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(r.Result, out); err != nil {
		return &PlatformError{Platform: PlatformTelegram, Method: method, Status: resp.StatusCode, Code: "malformed result"}
	}
	return nil
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// Telegram types, the fields hermes reads.
type (
	tgUser struct {
		ID       int64  `json:"id"`
		IsBot    bool   `json:"is_bot"`
		Username string `json:"username"`
	}
	tgChat struct {
		ID   int64  `json:"id"`
		Type string `json:"type"`
	}
	tgMessage struct {
		MessageID       int64      `json:"message_id"`
		MessageThreadID int64      `json:"message_thread_id"`
		From            *tgUser    `json:"from"`
		Chat            tgChat     `json:"chat"`
		Text            string     `json:"text"`
		ReplyTo         *tgMessage `json:"reply_to_message"`
	}
	tgUpdate struct {
		UpdateID int64      `json:"update_id"`
		Message  *tgMessage `json:"message"`
	}
)

// Telegram serves the Bot API by long polling. The offset confirmed to
// Telegram (and kept in HERMES_HOME/bot/telegram.offset) moves past an
// update only once its answer or refusal is sent, so neither a restart
// nor an outage loses one, and none is answered twice.
type Telegram struct {
	Client *TelegramClient
	Home   string
	Log    *slog.Logger
	// PollTimeout is getUpdates' long-poll timeout (default 30 s).
	PollTimeout time.Duration

	me    tgUser
	ready atomic.Bool

	mu        sync.Mutex
	committed int64          // the next update id not yet answered
	inflight  map[int64]bool // fetched, answer pending
	finished  map[int64]bool // answered, waiting for the ones before
	changed   chan struct{}  // signalled when an answer finishes
	// undelivered holds answers Telegram did not take (an outage): the
	// update comes again and gets that answer, not a second model call.
	undelivered map[int64]string
}

// Ready reports whether the bot token was accepted.
func (t *Telegram) Ready() bool { return t.ready.Load() }

func (t *Telegram) offsetPath() string { return filepath.Join(StateDir(t.Home), "telegram.offset") }

// Serve polls until ctx ends. Answers run through b.Go.
func (t *Telegram) Serve(ctx context.Context, b *Bot) error {
	if err := t.start(ctx); err != nil {
		return err
	}
	poll := t.PollTimeout
	if poll <= 0 {
		poll = 30 * time.Second
	}
	backoff := time.Second
	for ctx.Err() == nil {
		var updates []tgUpdate
		pctx, cancel := context.WithTimeout(ctx, poll+callTimeout)
		err := t.Client.Call(pctx, "getUpdates", map[string]any{
			"offset": t.offset(), "timeout": int(poll / time.Second), "allowed_updates": []string{"message"},
		}, &updates)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			wait := backoff
			if pe := (*PlatformError)(nil); errors.As(err, &pe) && pe.RetryAfter > 0 {
				wait = min(pe.RetryAfter, maxRetryAfter)
			}
			t.Log.Warn("telegram getUpdates failed; retrying", "err", err, "in", wait)
			sleep(ctx, wait)
			backoff = min(2*backoff, 30*time.Second)
			continue
		}
		backoff = time.Second
		if fresh := t.dispatch(ctx, b, updates); !fresh && t.pending() {
			// Telegram sends unconfirmed updates again at once: wait
			// for an answer to finish (or a second, for new messages).
			select {
			case <-ctx.Done():
			case <-t.changed:
			case <-time.After(time.Second):
			}
		}
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// start checks the token (getMe) and reads the saved offset.
func (t *Telegram) start(ctx context.Context) error {
	t.inflight, t.finished, t.changed = map[int64]bool{}, map[int64]bool{}, make(chan struct{}, 1)
	t.undelivered = map[int64]string{}
	data, err := fsutil.ReadPrivateFileUnder(t.Home, t.offsetPath(), 4096)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	default:
		var st struct {
			Offset int64 `json:"offset"`
		}
		if err := json.Unmarshal(data, &st); err != nil {
			return fmt.Errorf("%s: %w (remove it to start from the updates Telegram still holds)", t.offsetPath(), err)
		}
		t.committed = st.Offset
	}
	err = retry(ctx, 5, func() error { return t.Client.Call(ctx, "getMe", struct{}{}, &t.me) })
	if pe := (*PlatformError)(nil); errors.As(err, &pe) && (pe.Status == http.StatusUnauthorized || pe.Status == http.StatusNotFound) {
		return fmt.Errorf("Telegram refused the bot token (HTTP %d): check TELEGRAM_BOT_TOKEN or --telegram-token-file (the token @BotFather gave)", pe.Status)
	}
	if err != nil {
		return err
	}
	t.ready.Store(true)
	t.Log.Info("telegram: polling", "bot", t.me.Username)
	return nil
}

func (t *Telegram) offset() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.committed
}

func (t *Telegram) pending() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.inflight) > 0
}

// dispatch starts an answer for each update not already in hand; fresh
// is whether there was any.
func (t *Telegram) dispatch(ctx context.Context, b *Bot, updates []tgUpdate) (fresh bool) {
	for _, u := range updates {
		t.mu.Lock()
		known := u.UpdateID < t.committed || t.inflight[u.UpdateID] || t.finished[u.UpdateID]
		if !known {
			t.inflight[u.UpdateID] = true
		}
		t.mu.Unlock()
		if known {
			continue
		}
		fresh = true
		m, reply, ok := t.message(u)
		if !ok {
			t.done(u.UpdateID)
			continue
		}
		id := u.UpdateID
		b.Go(func(wctx context.Context) {
			var err error
			if answer, ok := t.takeUndelivered(id); ok {
				err = b.Resend(wctx, TelegramPlatform, m, answer, reply)
			} else {
				err = b.Handle(wctx, TelegramPlatform, m, reply)
			}
			if err != nil {
				t.Log.Warn("telegram: answer not delivered", "chat", m.Chat, "err", err)
			}
			switch {
			case wctx.Err() != nil:
				// Cut short by shutdown: answered again after the restart.
				t.release(id, "")
			case Retryable(err):
				// Telegram is failing (an outage, rate limits past the
				// retries): the offset stays, and the update, which
				// comes again, is answered then.
				var ue *UndeliveredError
				answer := ""
				if errors.As(err, &ue) {
					answer = ue.Answer
				}
				t.release(id, answer)
			default:
				// Sent, or refused for good (a chat that blocked the
				// bot): holding the offset would stall every update.
				t.done(id)
			}
		})
	}
	return fresh
}

// release gives update id back unanswered, with the answer to send when
// it comes again ("" for none yet).
func (t *Telegram) release(id int64, answer string) {
	t.mu.Lock()
	delete(t.inflight, id)
	if answer != "" {
		t.undelivered[id] = answer
	}
	t.mu.Unlock()
	select {
	case t.changed <- struct{}{}:
	default:
	}
}

func (t *Telegram) takeUndelivered(id int64) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	answer, ok := t.undelivered[id]
	delete(t.undelivered, id)
	return answer, ok
}

// done records update id as answered and moves the offset past every
// answered update with no unanswered one before it.
func (t *Telegram) done(id int64) {
	t.mu.Lock()
	delete(t.inflight, id)
	t.finished[id] = true
	next := t.committed
	for {
		lowest := int64(-1)
		for f := range t.finished {
			if lowest < 0 || f < lowest {
				lowest = f
			}
		}
		pendingBefore := false
		for p := range t.inflight {
			if p < lowest {
				pendingBefore = true
			}
		}
		if lowest < 0 || pendingBefore {
			break
		}
		delete(t.finished, lowest)
		next = max(next, lowest+1)
	}
	moved := next != t.committed
	t.committed = next
	t.mu.Unlock()
	if moved {
		data, _ := json.Marshal(map[string]int64{"offset": next})
		err := fsutil.EnsureDir(StateDir(t.Home))
		if err == nil {
			err = fsutil.WritePrivateFile(t.Home, t.offsetPath(), append(data, '\n'))
		}
		if err != nil {
			t.Log.Error("telegram: the offset was not saved; a restart may answer again", "err", err)
		}
	}
	select {
	case t.changed <- struct{}{}:
	default:
	}
}

// message turns an update into a Message for the bot; ok is false for
// what the bot does not answer: other bots, non-text, and group messages
// that neither mention nor reply to it.
func (t *Telegram) message(u tgUpdate) (Message, Replier, bool) {
	msg := u.Message
	if msg == nil || msg.From == nil || msg.From.IsBot || strings.TrimSpace(msg.Text) == "" {
		return Message{}, nil, false
	}
	text := msg.Text
	private := msg.Chat.Type == "private"
	if !private {
		if msg.Chat.Type != "group" && msg.Chat.Type != "supergroup" {
			return Message{}, nil, false
		}
		mention := "@" + t.me.Username
		mentioned := t.me.Username != "" && strings.Contains(strings.ToLower(text), strings.ToLower(mention))
		repliedTo := msg.ReplyTo != nil && msg.ReplyTo.From != nil && msg.ReplyTo.From.ID == t.me.ID
		if !mentioned && !repliedTo {
			return Message{}, nil, false
		}
		if mentioned {
			text = mentionPattern(t.me.Username).ReplaceAllString(text, "")
		}
	}
	// "/new@hermes_bot" is "/new".
	if name, rest, _ := strings.Cut(strings.TrimSpace(text), " "); strings.HasPrefix(name, "/") {
		if cmd, bot, ok := strings.Cut(name, "@"); ok && strings.EqualFold(bot, t.me.Username) {
			text = cmd + " " + rest
		}
	}
	chat := strconv.FormatInt(msg.Chat.ID, 10)
	thread := PlatformTelegram + ":" + chat
	if msg.MessageThreadID != 0 {
		thread += "/" + strconv.FormatInt(msg.MessageThreadID, 10)
	}
	m := Message{
		Sender: PlatformTelegram + ":" + strconv.FormatInt(msg.From.ID, 10),
		Chat:   PlatformTelegram + ":" + chat,
		Thread: thread,
		Text:   strings.TrimSpace(text),
	}
	r := &telegramReply{c: t.Client, chat: msg.Chat.ID, topic: msg.MessageThreadID}
	if !private {
		r.replyTo = msg.MessageID
	}
	return m, r, true
}

// mentionPattern matches "@username" (any case), built on first use.
func mentionPattern(username string) *regexp.Regexp {
	return regexp.MustCompile(`(?i)@` + regexp.QuoteMeta(username) + `\b`)
}

// telegramReply answers in one chat.
type telegramReply struct {
	c       *TelegramClient
	chat    int64
	topic   int64
	replyTo int64
}

// telegramAttempts bounds the tries of one send or edit.
const telegramAttempts = 5

func (r *telegramReply) Post(ctx context.Context, text string) (string, error) {
	params := map[string]any{"chat_id": r.chat, "text": text, "parse_mode": "HTML", "link_preview_options": map[string]bool{"is_disabled": true}}
	if r.topic != 0 {
		params["message_thread_id"] = r.topic
	}
	if r.replyTo != 0 {
		params["reply_parameters"] = map[string]any{"message_id": r.replyTo, "allow_sending_without_reply": true}
	}
	var sent tgMessage
	err := retry(ctx, telegramAttempts, func() error { return r.c.Call(ctx, "sendMessage", params, &sent) })
	if isEntityError(err) {
		params["text"], params["parse_mode"] = plainText(text), ""
		err = retry(ctx, telegramAttempts, func() error { return r.c.Call(ctx, "sendMessage", params, &sent) })
	}
	if err != nil {
		return "", err
	}
	return strconv.FormatInt(sent.MessageID, 10), nil
}

func (r *telegramReply) Update(ctx context.Context, ref, text string) error {
	id, err := strconv.ParseInt(ref, 10, 64)
	if err != nil {
		return err
	}
	params := map[string]any{"chat_id": r.chat, "message_id": id, "text": text, "parse_mode": "HTML", "link_preview_options": map[string]bool{"is_disabled": true}}
	err = retry(ctx, telegramAttempts, func() error { return r.c.Call(ctx, "editMessageText", params, nil) })
	if isEntityError(err) {
		params["text"], params["parse_mode"] = plainText(text), ""
		err = retry(ctx, telegramAttempts, func() error { return r.c.Call(ctx, "editMessageText", params, nil) })
	}
	if pe := (*PlatformError)(nil); errors.As(err, &pe) && strings.Contains(pe.Description, "message is not modified") {
		return nil
	}
	return err
}

// isEntityError is Telegram refusing the HTML: the text goes again plain.
func isEntityError(err error) bool {
	pe := (*PlatformError)(nil)
	return errors.As(err, &pe) && pe.Status == http.StatusBadRequest && strings.Contains(pe.Description, "can't parse entities")
}

// plainText is HTML without its tags, unescaped.
func plainText(s string) string {
	var b strings.Builder
	in := false
	for _, c := range s {
		switch {
		case c == '<':
			in = true
		case c == '>' && in:
			in = false
		case !in:
			b.WriteRune(c)
		}
	}
	return html.UnescapeString(b.String())
}
