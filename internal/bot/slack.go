package bot

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// DefaultSlackAPI is the Web API's base URL (HERMES_SLACK_API_URL
// replaces it).
const DefaultSlackAPI = "https://slack.com/api/"

// NewSlackAPI is slack-go's Web API client on base with the bot token
// (and the app-level token for Socket Mode, "" without).
func NewSlackAPI(base, botToken, appToken string) *slack.Client {
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	opts := []slack.Option{slack.OptionAPIURL(base), slack.OptionHTTPClient(&http.Client{Timeout: 60 * time.Second})}
	if appToken != "" {
		opts = append(opts, slack.OptionAppLevelToken(appToken))
	}
	return slack.New(botToken, opts...)
}

// Slack serves Slack through Socket Mode (when it has an app-level
// token), the Events API over HTTP (when Listen is set), or both.
type Slack struct {
	API *slack.Client
	// SocketMode connects with the app-level token.
	SocketMode bool
	// Listen, when set, serves the Events API on ADDR (POST /slack/events
	// or /), checking each request's signature with SigningSecret.
	Listen        string
	SigningSecret string
	Log           *slog.Logger
	OnListen      func(addr string)
	// Now is the clock the signature timestamps are checked against.
	Now func() time.Time

	botUser string
	ready   atomic.Bool
	socket  atomic.Bool // Socket Mode said hello

	mu   sync.Mutex
	seen map[string]time.Time // event ids answered: Slack retries
}

// Ready reports whether Slack accepted the bot token (and, in Socket
// Mode, the connection is up).
func (s *Slack) Ready() bool { return s.ready.Load() && (!s.SocketMode || s.socket.Load()) }

// Serve receives events until ctx ends.
func (s *Slack) Serve(ctx context.Context, b *Bot) error {
	var auth *slack.AuthTestResponse
	err := retry(ctx, 5, func() error {
		var err error
		auth, err = s.API.AuthTestContext(ctx)
		return slackError("auth.test", err)
	})
	if err != nil {
		if pe := (*PlatformError)(nil); errors.As(err, &pe) && (pe.Code == "invalid_auth" || pe.Code == "not_authed" || pe.Code == "token_revoked") {
			return fmt.Errorf("Slack refused the bot token (%s): check SLACK_BOT_TOKEN (the xoxb- token under OAuth & Permissions)", pe.Code)
		}
		return err
	}
	s.botUser = auth.UserID
	s.ready.Store(true)
	s.Log.Info("slack: connected", "team", auth.TeamID, "bot_user", auth.UserID)
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if s.SocketMode {
		wg.Go(func() {
			if err := s.serveSocket(ctx, b); err != nil {
				errs <- err
				cancel()
			}
		})
	}
	if s.Listen != "" {
		wg.Go(func() {
			if err := s.serveHTTP(ctx, b); err != nil {
				errs <- err
				cancel()
			}
		})
	}
	wg.Wait()
	close(errs)
	return errors.Join(collect(errs)...)
}

// serveSocket runs Socket Mode: each envelope is acknowledged at once
// (Slack sends it again otherwise), then answered.
func (s *Slack) serveSocket(ctx context.Context, b *Bot) error {
	client := socketmode.New(s.API)
	runErr := make(chan error, 1)
	go func() { runErr <- client.RunContext(ctx) }()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-runErr:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("slack Socket Mode: %w", slackError("apps.connections.open", err))
		case evt := <-client.Events:
			switch evt.Type {
			case socketmode.EventTypeConnected:
				s.socket.Store(true)
				s.Log.Info("slack: Socket Mode connected")
			case socketmode.EventTypeConnecting, socketmode.EventTypeConnectionError:
				s.socket.Store(false)
			case socketmode.EventTypeInvalidAuth:
				return errors.New("Slack refused the app-level token: check SLACK_APP_TOKEN (an xapp- token with the connections:write scope)")
			case socketmode.EventTypeEventsAPI:
				if evt.Request != nil {
					if err := client.AckCtx(ctx, evt.Request.EnvelopeID, nil); err != nil {
						s.Log.Warn("slack: ack failed", "err", err)
					}
				}
				if ev, ok := evt.Data.(slackevents.EventsAPIEvent); ok {
					s.dispatch(b, ev)
				}
			}
		}
	}
}

// maxEventBody bounds an Events API request.
const maxEventBody = 1 << 20

// serveHTTP is the Events API endpoint.
func (s *Slack) serveHTTP(ctx context.Context, b *Bot) error {
	l, err := net.Listen("tcp", s.Listen)
	if err != nil {
		return fmt.Errorf("--slack-listen %s: %w", s.Listen, err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.event(w, r, b) }), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
	if s.OnListen != nil {
		s.OnListen(l.Addr().String())
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	return nil
}

// event answers one Events API POST: 401 unless Slack signed it within
// the last 5 minutes, the challenge for url_verification, else 200 at
// once (Slack retries after 3 s) and the answer in the background.
func (s *Slack) event(w http.ResponseWriter, r *http.Request, b *Bot) {
	if r.Method != http.MethodPost || (r.URL.Path != "/" && r.URL.Path != "/slack/events") {
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxEventBody+1))
	if err != nil || len(body) > maxEventBody {
		http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
		return
	}
	if err := s.verify(r.Header, body); err != nil {
		s.Log.Warn("slack: refused an Events API request", "reason", err.Error(), "remote", r.RemoteAddr)
		http.Error(w, "signature refused", http.StatusUnauthorized)
		return
	}
	ev, err := slackevents.ParseEvent(body, slackevents.OptionNoVerifyToken())
	if err != nil {
		http.Error(w, "unreadable event", http.StatusBadRequest)
		return
	}
	if ev.Type == slackevents.URLVerification {
		if c, ok := ev.Data.(*slackevents.EventsAPIURLVerificationEvent); ok {
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, c.Challenge)
			return
		}
	}
	w.WriteHeader(http.StatusOK)
	if ev.Type == slackevents.CallbackEvent {
		if cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent); ok && !s.firstTime(cb.EventID) {
			return // a retry of an event already in hand
		}
		s.dispatch(b, ev)
	}
}

// verify checks Slack's v0 signature and a timestamp within 5 minutes.
func (s *Slack) verify(h http.Header, body []byte) error {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	raw := h.Get("X-Slack-Request-Timestamp")
	stamp, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return errors.New("no timestamp")
	}
	if d := now().Sub(time.Unix(stamp, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return errors.New("timestamp older than 5 minutes (or in the future)")
	}
	// Computed here rather than with slack.NewSecretsVerifier, which
	// checks the timestamp against time.Now instead of s.Now.
	mac := hmac.New(sha256.New, []byte(s.SigningSecret))
	fmt.Fprintf(mac, "v0:%s:", raw) // the header as Slack signed it
	mac.Write(body)
	want := "v0=" + hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(h.Get("X-Slack-Signature")), []byte(want)) {
		return errors.New("signature mismatch")
	}
	return nil
}

// firstTime reports whether event id is new; ids are kept an hour.
func (s *Slack) firstTime(id string) bool {
	if id == "" {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil {
		s.seen = map[string]time.Time{}
	}
	if _, ok := s.seen[id]; ok {
		return false
	}
	now := time.Now()
	for k, t := range s.seen {
		if now.Sub(t) > time.Hour {
			delete(s.seen, k)
		}
	}
	s.seen[id] = now
	return true
}

// dispatch answers a mention in a channel (in its thread) or a direct
// message (in the DM).
func (s *Slack) dispatch(b *Bot, ev slackevents.EventsAPIEvent) {
	if cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent); ok && !s.firstTime("socket:"+cb.EventID) {
		return
	}
	team := ev.TeamID
	var user, channel, text, threadTS string
	switch e := ev.InnerEvent.Data.(type) {
	case *slackevents.AppMentionEvent:
		if e.BotID != "" || e.User == "" {
			return
		}
		user, channel, text = e.User, e.Channel, e.Text
		threadTS = e.ThreadTimeStamp
		if threadTS == "" {
			threadTS = e.TimeStamp // answer in a thread under the mention
		}
	case *slackevents.MessageEvent:
		if e.ChannelType != "im" || e.SubType != "" || e.BotID != "" || e.User == "" || e.User == s.botUser {
			return
		}
		user, channel, text, threadTS = e.User, e.Channel, e.Text, e.ThreadTimeStamp
	default:
		return
	}
	text = strings.TrimSpace(strings.ReplaceAll(text, "<@"+s.botUser+">", ""))
	if text == "" {
		return
	}
	thread := PlatformSlack + ":" + team + "/" + channel
	if threadTS != "" {
		thread += "/" + threadTS
	}
	m := Message{Sender: PlatformSlack + ":" + team + "/" + user, Chat: PlatformSlack + ":" + team + "/" + channel, Thread: thread, Text: text}
	r := &slackReply{api: s.API, channel: channel, threadTS: threadTS}
	b.Go(func(ctx context.Context) {
		if err := b.Handle(ctx, SlackPlatform, m, r); err != nil {
			s.Log.Warn("slack: answer not delivered", "chat", m.Chat, "err", err)
		}
	})
}

// slackReply answers in one channel or thread.
type slackReply struct {
	api      *slack.Client
	channel  string
	threadTS string
}

// slackAttempts bounds the tries of one post or update.
const slackAttempts = 5

func (r *slackReply) Post(ctx context.Context, text string) (string, error) {
	opts := []slack.MsgOption{slack.MsgOptionText(text, false), slack.MsgOptionDisableLinkUnfurl()}
	if r.threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(r.threadTS))
	}
	var ts string
	err := retry(ctx, slackAttempts, func() error {
		var err error
		_, ts, err = r.api.PostMessageContext(ctx, r.channel, opts...)
		return slackError("chat.postMessage", err)
	})
	return ts, err
}

func (r *slackReply) Update(ctx context.Context, ts, text string) error {
	return retry(ctx, slackAttempts, func() error {
		_, _, _, err := r.api.UpdateMessageContext(ctx, r.channel, ts, slack.MsgOptionText(text, false))
		return slackError("chat.update", err)
	})
}

// slackError is a PlatformError for slack-go's errors: a 429 with its
// Retry-After, Slack's error code, or a failed request (no secret: the
// tokens travel in headers, and known secrets are masked anyway).
func slackError(method string, err error) error {
	if err == nil {
		return nil
	}
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return &PlatformError{Platform: PlatformSlack, Method: method, Status: http.StatusTooManyRequests, Code: "ratelimited", RetryAfter: rl.RetryAfter}
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return &PlatformError{Platform: PlatformSlack, Method: method, Status: http.StatusOK, Code: se.Err}
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) {
		return &PlatformError{Platform: PlatformSlack, Method: method, Status: sc.Code, Code: sc.Status}
	}
	if msg := err.Error(); !strings.Contains(msg, " ") {
		// slack-go returns Slack's error code alone ("invalid_auth").
		return &PlatformError{Platform: PlatformSlack, Method: method, Status: http.StatusOK, Code: msg}
	}
	return requestError(PlatformSlack, method, err)
}

// slackDeliverer is a Replier posting to channel with SLACK_BOT_TOKEN.
func slackDeliverer(getenv func(string) string, channel string) (Replier, error) {
	token := strings.TrimSpace(getenv("SLACK_BOT_TOKEN"))
	if token == "" {
		return nil, errors.New("set SLACK_BOT_TOKEN (the bot's xoxb- token) where this runs, or run hermes bot for Slack on this HERMES_HOME")
	}
	rememberSecrets(token)
	base := strings.TrimSpace(getenv("HERMES_SLACK_API_URL"))
	if base == "" {
		base = DefaultSlackAPI
	}
	return &slackReply{api: NewSlackAPI(base, token, ""), channel: channel}, nil
}
