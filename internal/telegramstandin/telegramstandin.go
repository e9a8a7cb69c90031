// Package telegramstandin is a stand-in for the Telegram Bot API on
// loopback: getMe, getUpdates (long polling with Telegram's offset
// rules: an update is dropped once a call asks for a later offset),
// sendMessage and editMessageText, with messages injected as if users
// wrote them, every call recorded, and faults (a 429 with retry_after)
// per method. Like anthropicstandin it imports neither testing nor
// httptest; tests use internal/telegramtest.
package telegramstandin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hermes-agent/hermes/internal/loopback"
)

// The bot the stand-in plays.
const (
	BotID       = 7000000001
	BotUsername = "hermes_test_bot"
)

// Call is one recorded Bot API call.
type Call struct {
	Method    string
	Status    int
	ChatID    int64
	MessageID int64
	Text      string
	ParseMode string
}

// Message is a message the bot sent, with its text after edits.
type Message struct {
	ChatID    int64
	MessageID int64
	Text      string
	Edits     int
}

// Fault makes the next Times calls of a method fail with Status (429:
// with RetryAfter seconds).
type Fault struct {
	Status     int
	RetryAfter int
	Times      int
}

// Server is a running stand-in.
type Server struct {
	URL   string
	Token string

	srv *loopback.Server

	mu       sync.Mutex
	updates  []update // not yet confirmed
	history  []update // every update sent
	nextID   int64    // next update_id
	nextMsg  int64
	calls    []Call
	sent     []*Message
	faults   map[string]*Fault
	arrived  chan struct{} // closed and replaced when an update arrives
	closed   chan struct{}
	closeOne sync.Once
}

type update struct {
	ID  int64          `json:"update_id"`
	Msg map[string]any `json:"message"`
}

// Start starts a stand-in accepting token.
func Start(token string) (*Server, error) {
	s := &Server{Token: token, nextID: 100, nextMsg: 5000, faults: map[string]*Fault{}, arrived: make(chan struct{}), closed: make(chan struct{})}
	srv, err := loopback.Start(http.HandlerFunc(s.serve))
	if err != nil {
		return nil, err
	}
	s.srv, s.URL = srv, srv.URL
	return s, nil
}

// Close stops the server.
func (s *Server) Close() {
	s.closeOne.Do(func() { close(s.closed) })
	s.srv.Close()
}

// Incoming is a message a user writes to the bot.
type Incoming struct {
	From     int64
	Chat     int64  // default From (a private chat)
	ChatType string // default "private"
	Text     string
	// ReplyToBot makes it a reply to one of the bot's messages.
	ReplyToBot bool
}

// Send queues a user's message as an update and returns its update_id.
func (s *Server) Send(in Incoming) int64 {
	if in.Chat == 0 {
		in.Chat = in.From
	}
	if in.ChatType == "" {
		in.ChatType = "private"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextMsg++
	msg := map[string]any{
		"message_id": s.nextMsg, "date": time.Now().Unix(), "text": in.Text,
		"from": map[string]any{"id": in.From, "is_bot": false, "first_name": fmt.Sprint("user", in.From)},
		"chat": map[string]any{"id": in.Chat, "type": in.ChatType},
	}
	if in.ReplyToBot {
		msg["reply_to_message"] = map[string]any{"message_id": 1, "from": map[string]any{"id": BotID, "is_bot": true, "username": BotUsername}}
	}
	id := s.nextID
	s.nextID++
	s.updates = append(s.updates, update{ID: id, Msg: msg})
	s.history = append(s.history, update{ID: id, Msg: msg})
	close(s.arrived)
	s.arrived = make(chan struct{})
	return id
}

// Redeliver queues every update ever sent again, as Telegram holds
// updates no getUpdates call confirmed (a bot that died after answering
// but before polling again): a bot must skip those its saved offset
// says it answered.
func (s *Server) Redeliver() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.updates = append([]update(nil), s.history...)
	close(s.arrived)
	s.arrived = make(chan struct{})
}

// SetFault makes the next f.Times calls of method fail.
func (s *Server) SetFault(method string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[method] = &f
}

// Calls is every call so far, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Messages is every message the bot sent, as it reads now.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.sent))
	for i, m := range s.sent {
		out[i] = *m
	}
	return out
}

// Pending is how many updates Telegram still holds (not confirmed by a
// later offset).
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.updates)
}

type params struct {
	Offset    int64  `json:"offset"`
	Timeout   int    `json:"timeout"`
	ChatID    int64  `json:"chat_id"`
	MessageID int64  `json:"message_id"`
	Text      string `json:"text"`
	ParseMode string `json:"parse_mode"`
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	token, method, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || r.Method != http.MethodPost {
		reply(w, http.StatusNotFound, map[string]any{"ok": false, "error_code": 404, "description": "Not Found"})
		return
	}
	if token != s.Token {
		s.record(Call{Method: method, Status: http.StatusUnauthorized})
		reply(w, http.StatusUnauthorized, map[string]any{"ok": false, "error_code": 401, "description": "Unauthorized"})
		return
	}
	var p params
	if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
		reply(w, http.StatusBadRequest, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: " + err.Error()})
		return
	}
	if f := s.fault(method); f != nil {
		s.record(Call{Method: method, Status: f.Status, ChatID: p.ChatID, Text: p.Text})
		body := map[string]any{"ok": false, "error_code": f.Status, "description": http.StatusText(f.Status)}
		if f.Status == http.StatusTooManyRequests {
			body["description"] = fmt.Sprintf("Too Many Requests: retry after %d", f.RetryAfter)
			body["parameters"] = map[string]any{"retry_after": f.RetryAfter}
		}
		reply(w, f.Status, body)
		return
	}
	switch method {
	case "getMe":
		s.record(Call{Method: method, Status: 200})
		ok200(w, map[string]any{"id": BotID, "is_bot": true, "first_name": "Hermes", "username": BotUsername})
	case "getUpdates":
		s.getUpdates(w, r, p)
	case "sendMessage":
		s.mu.Lock()
		s.nextMsg++
		m := &Message{ChatID: p.ChatID, MessageID: s.nextMsg, Text: p.Text}
		s.sent = append(s.sent, m)
		s.calls = append(s.calls, Call{Method: method, Status: 200, ChatID: p.ChatID, MessageID: m.MessageID, Text: p.Text, ParseMode: p.ParseMode})
		s.mu.Unlock()
		ok200(w, map[string]any{"message_id": m.MessageID, "chat": map[string]any{"id": p.ChatID}, "text": p.Text})
	case "editMessageText":
		s.mu.Lock()
		var m *Message
		for _, c := range s.sent {
			if c.ChatID == p.ChatID && c.MessageID == p.MessageID {
				m = c
			}
		}
		status := 200
		switch {
		case m == nil:
			status = 400
		case m.Text == p.Text:
			status = 400
		default:
			m.Text = p.Text
			m.Edits++
		}
		s.calls = append(s.calls, Call{Method: method, Status: status, ChatID: p.ChatID, MessageID: p.MessageID, Text: p.Text, ParseMode: p.ParseMode})
		s.mu.Unlock()
		switch {
		case m == nil:
			reply(w, 400, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: message to edit not found"})
		case status == 400:
			reply(w, 400, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: message is not modified"})
		default:
			ok200(w, map[string]any{"message_id": p.MessageID, "text": p.Text})
		}
	default:
		s.record(Call{Method: method, Status: 404})
		reply(w, http.StatusNotFound, map[string]any{"ok": false, "error_code": 404, "description": "Not Found: method not found"})
	}
}

// getUpdates drops the updates before offset and answers those left,
// waiting up to timeout seconds for one.
func (s *Server) getUpdates(w http.ResponseWriter, r *http.Request, p params) {
	deadline := time.After(time.Duration(p.Timeout) * time.Second)
	for {
		s.mu.Lock()
		if p.Offset > 0 {
			kept := s.updates[:0]
			for _, u := range s.updates {
				if u.ID >= p.Offset {
					kept = append(kept, u)
				}
			}
			s.updates = kept
		}
		out := append([]update{}, s.updates...)
		arrived := s.arrived
		if len(out) > 0 || p.Timeout <= 0 {
			s.calls = append(s.calls, Call{Method: "getUpdates", Status: 200})
			s.mu.Unlock()
			ok200(w, out)
			return
		}
		s.mu.Unlock()
		select {
		case <-arrived:
		case <-deadline:
			p.Timeout = 0
		case <-r.Context().Done():
			return
		case <-s.closed:
			return
		}
	}
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

func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
}

func ok200(w http.ResponseWriter, result any) {
	reply(w, http.StatusOK, map[string]any{"ok": true, "result": result})
}

func reply(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	if status == http.StatusTooManyRequests {
		if m, ok := body.(map[string]any); ok {
			if p, ok := m["parameters"].(map[string]any); ok {
				w.Header().Set("Retry-After", fmt.Sprint(p["retry_after"]))
			}
		}
	}
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}
