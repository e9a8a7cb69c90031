// Package slackstandin is a stand-in for Slack on loopback: the Web API
// methods hermes bot calls (auth.test, apps.connections.open,
// chat.postMessage, chat.update), a Socket Mode websocket (hello, then
// events_api envelopes the bot must acknowledge) and a client for the
// Events API over HTTP that signs its POSTs as Slack does (v0 HMAC-SHA256
// of "v0:TIMESTAMP:BODY"), or forges or backdates them. It records every
// call and injects 429s with Retry-After. Like anthropicstandin it
// imports neither testing nor httptest; tests use internal/slacktest.
package slackstandin

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/hermes-agent/hermes/internal/loopback"
)

// The workspace and bot the stand-in plays.
const (
	TeamID    = "T0HERMES1"
	BotUserID = "U0HERMESBOT"
	BotID     = "B0HERMES1"
)

// Config is the tokens and secret the stand-in accepts.
type Config struct {
	BotToken, AppToken, SigningSecret string
}

// Call is one recorded Web API call.
type Call struct {
	Method   string
	Status   int
	Channel  string
	ThreadTS string
	TS       string
	Text     string
}

// Message is a message the bot posted, as it reads now.
type Message struct {
	Channel, TS, ThreadTS, Text string
	Edits                       int
}

// Fault makes the next Times calls of a method answer Status (429: with
// Retry-After seconds).
type Fault struct {
	Status, RetryAfter, Times int
}

// Server is a running stand-in.
type Server struct {
	URL string // base; the Web API is under URL + "/api/"
	cfg Config
	srv *loopback.Server

	mu      sync.Mutex
	calls   []Call
	sent    []*Message
	faults  map[string]*Fault
	nextTS  int64
	nextEnv int
	sock    *websocket.Conn
	sockMu  sync.Mutex // writes to sock
	acks    map[string]bool
	hello   chan struct{} // closed when a socket is connected
}

// Start starts a stand-in.
func Start(cfg Config) (*Server, error) {
	s := &Server{cfg: cfg, faults: map[string]*Fault{}, nextTS: 1700000000, acks: map[string]bool{}, hello: make(chan struct{})}
	srv, err := loopback.Start(http.HandlerFunc(s.serve))
	if err != nil {
		return nil, err
	}
	s.srv, s.URL = srv, srv.URL
	return s, nil
}

// Close stops the server and its socket.
func (s *Server) Close() {
	s.mu.Lock()
	if s.sock != nil {
		s.sock.Close()
	}
	s.mu.Unlock()
	s.srv.Close()
}

// APIURL is what HERMES_SLACK_API_URL is set to.
func (s *Server) APIURL() string { return s.URL + "/api/" }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/socket" {
		s.serveSocket(w, r)
		return
	}
	method, ok := strings.CutPrefix(r.URL.Path, "/api/")
	if !ok || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	r.ParseForm()
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if token == "" {
		token = r.Form.Get("token")
	}
	want := s.cfg.BotToken
	if method == "apps.connections.open" {
		want = s.cfg.AppToken
	}
	if token != want {
		s.record(Call{Method: method, Status: 200})
		reply(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return
	}
	if f := s.fault(method); f != nil {
		s.record(Call{Method: method, Status: f.Status, Channel: r.Form.Get("channel"), Text: r.Form.Get("text")})
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
		}
		w.WriteHeader(f.Status)
		json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "ratelimited"})
		return
	}
	switch method {
	case "auth.test":
		s.record(Call{Method: method, Status: 200})
		reply(w, map[string]any{"ok": true, "url": "https://hermes.slack.com/", "team": "Hermes", "user": "hermes", "team_id": TeamID, "user_id": BotUserID, "bot_id": BotID})
	case "apps.connections.open":
		s.record(Call{Method: method, Status: 200})
		reply(w, map[string]any{"ok": true, "url": "ws" + strings.TrimPrefix(s.URL, "http") + "/socket"})
	case "chat.postMessage":
		s.mu.Lock()
		s.nextTS++
		m := &Message{Channel: r.Form.Get("channel"), TS: fmt.Sprintf("%d.000100", s.nextTS), ThreadTS: r.Form.Get("thread_ts"), Text: r.Form.Get("text")}
		s.sent = append(s.sent, m)
		s.calls = append(s.calls, Call{Method: method, Status: 200, Channel: m.Channel, ThreadTS: m.ThreadTS, TS: m.TS, Text: m.Text})
		s.mu.Unlock()
		reply(w, map[string]any{"ok": true, "channel": m.Channel, "ts": m.TS, "message": map[string]any{"text": m.Text}})
	case "chat.update":
		s.mu.Lock()
		var m *Message
		for _, c := range s.sent {
			if c.Channel == r.Form.Get("channel") && c.TS == r.Form.Get("ts") {
				m = c
			}
		}
		if m != nil {
			m.Text = r.Form.Get("text")
			m.Edits++
		}
		s.calls = append(s.calls, Call{Method: method, Status: 200, Channel: r.Form.Get("channel"), TS: r.Form.Get("ts"), Text: r.Form.Get("text")})
		s.mu.Unlock()
		if m == nil {
			reply(w, map[string]any{"ok": false, "error": "message_not_found"})
			return
		}
		reply(w, map[string]any{"ok": true, "channel": m.Channel, "ts": m.TS, "text": m.Text})
	default:
		s.record(Call{Method: method, Status: 200})
		reply(w, map[string]any{"ok": false, "error": "unknown_method"})
	}
}

func reply(w http.ResponseWriter, body any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(body)
}

func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
}

func (s *Server) fault(method string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults[method]
	if f == nil || f.Times <= 0 {
		return nil
	}
	f.Times--
	c := *f
	return &c
}

// SetFault makes the next f.Times calls of method fail.
func (s *Server) SetFault(method string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[method] = &f
}

// Calls is every Web API call so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Messages is every message the bot posted, as it reads now.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.sent))
	for i, m := range s.sent {
		out[i] = *m
	}
	return out
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// serveSocket is Socket Mode: hello, then envelopes sent by Event; acks
// read back.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	s.sockMu.Lock()
	err = conn.WriteJSON(map[string]any{"type": "hello", "num_connections": 1, "debug_info": map[string]any{"host": "stand-in"}, "connection_info": map[string]any{"app_id": "A0HERMES"}})
	s.sockMu.Unlock()
	if err != nil {
		conn.Close()
		return
	}
	s.mu.Lock()
	if s.sock != nil {
		s.sock.Close()
	}
	s.sock = conn
	select {
	case <-s.hello:
	default:
		close(s.hello)
	}
	s.mu.Unlock()
	for {
		var ack struct {
			EnvelopeID string `json:"envelope_id"`
		}
		if err := conn.ReadJSON(&ack); err != nil {
			return
		}
		s.mu.Lock()
		s.acks[ack.EnvelopeID] = true
		s.mu.Unlock()
	}
}

// Connected waits (up to d) for a Socket Mode connection.
func (s *Server) Connected(d time.Duration) bool {
	select {
	case <-s.hello:
		return true
	case <-time.After(d):
		return false
	}
}

// Incoming is a user's message to the bot.
type Incoming struct {
	User, Channel, Text string
	// DM makes it a direct message (channel_type im, event "message");
	// otherwise an app_mention in a channel.
	DM bool
	// ThreadTS puts it in a thread.
	ThreadTS string
	Team     string // default TeamID
}

// EventPayload is the event_callback Slack sends for in.
func (s *Server) EventPayload(in Incoming) []byte {
	s.mu.Lock()
	s.nextTS++
	ts := fmt.Sprintf("%d.000200", s.nextTS)
	s.nextEnv++
	id := fmt.Sprintf("Ev%06d", s.nextEnv)
	s.mu.Unlock()
	team := in.Team
	if team == "" {
		team = TeamID
	}
	ev := map[string]any{"type": "app_mention", "user": in.User, "text": "<@" + BotUserID + "> " + in.Text, "ts": ts, "channel": in.Channel, "event_ts": ts}
	if in.DM {
		ev = map[string]any{"type": "message", "channel_type": "im", "user": in.User, "text": in.Text, "ts": ts, "channel": in.Channel, "event_ts": ts}
	}
	if in.ThreadTS != "" {
		ev["thread_ts"] = in.ThreadTS
	}
	body, _ := json.Marshal(map[string]any{"token": "unused", "team_id": team, "api_app_id": "A0HERMES", "type": "event_callback", "event_id": id, "event_time": time.Now().Unix(), "event": ev})
	return body
}

// Event sends in over the Socket Mode connection and returns the
// envelope id.
func (s *Server) Event(in Incoming) (string, error) {
	payload := s.EventPayload(in)
	s.mu.Lock()
	conn := s.sock
	s.nextEnv++
	env := fmt.Sprintf("env-%d", s.nextEnv)
	s.mu.Unlock()
	if conn == nil {
		return "", fmt.Errorf("no Socket Mode connection")
	}
	s.sockMu.Lock()
	defer s.sockMu.Unlock()
	return env, conn.WriteJSON(map[string]any{"envelope_id": env, "type": "events_api", "accepts_response_payload": false, "retry_attempt": 0, "payload": json.RawMessage(payload)})
}

// Acked reports whether the bot acknowledged envelope id.
func (s *Server) Acked(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.acks[id]
}

// Signing says how PostEvent signs.
type Signing int

const (
	SignValid  Signing = iota
	SignForged         // signed with another secret
	SignStale          // signed right, 6 minutes ago
)

// PostEvent POSTs in to an Events API endpoint, signed per how, and
// returns the HTTP status.
func (s *Server) PostEvent(endpoint string, in Incoming, how Signing) (int, error) {
	body := s.EventPayload(in)
	return s.post(endpoint, body, how)
}

// PostURLVerification POSTs Slack's url_verification challenge.
func (s *Server) PostURLVerification(endpoint, challenge string) (int, string, error) {
	body, _ := json.Marshal(map[string]string{"token": "unused", "challenge": challenge, "type": "url_verification"})
	req, err := s.signed(endpoint, body, SignValid)
	if err != nil {
		return 0, "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String(), nil
}

func (s *Server) post(endpoint string, body []byte, how Signing) (int, error) {
	req, err := s.signed(endpoint, body, how)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func (s *Server) signed(endpoint string, body []byte, how Signing) (*http.Request, error) {
	if _, err := url.Parse(endpoint); err != nil {
		return nil, err
	}
	ts := time.Now()
	secret := s.cfg.SigningSecret
	switch how {
	case SignForged:
		secret = "not-the-signing-secret-0000"
	case SignStale:
		ts = ts.Add(-6 * time.Minute)
	}
	stamp := strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", stamp, body)
	req, err := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Slack-Request-Timestamp", stamp)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return req, nil
}
