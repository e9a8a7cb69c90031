package agent

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// A small stand-in for the Messages API that streams the real SSE event
// sequence. Replies come from a function of the request, so parallel
// sub-agents get deterministic answers whatever order they arrive in.

type stubToolUse struct {
	ID, Name string
	Input    any
}

type stubReply struct {
	Text     string
	ToolUses []stubToolUse
	Status   int  // non-zero: an error answer with this status
	Block    bool // stream message_start, then wait for the client to go away
	Cut      bool // end the stream without message_stop
}

type stubRequest struct {
	Header http.Header
	Body   wireRequest
}

type wireRequest struct {
	Model     string `json:"model"`
	MaxTokens int    `json:"max_tokens"`
	Stream    bool   `json:"stream"`
	System    []struct {
		Text string `json:"text"`
	} `json:"system"`
	Tools []struct {
		Name string `json:"name"`
	} `json:"tools"`
	Messages []struct {
		Role    string            `json:"role"`
		Content []json.RawMessage `json:"content"`
	} `json:"messages"`
}

func (w wireRequest) system() string {
	if len(w.System) == 0 {
		return ""
	}
	return w.System[0].Text
}

func (w wireRequest) toolNames() []string {
	var out []string
	for _, t := range w.Tools {
		out = append(out, t.Name)
	}
	return out
}

// last returns the last message's blocks, decoded loosely.
func (w wireRequest) last() []map[string]any {
	if len(w.Messages) == 0 {
		return nil
	}
	var out []map[string]any
	for _, raw := range w.Messages[len(w.Messages)-1].Content {
		var m map[string]any
		json.Unmarshal(raw, &m)
		out = append(out, m)
	}
	return out
}

// resultText is a tool_result block's content, a string or text blocks.
func resultText(b map[string]any) string {
	switch c := b["content"].(type) {
	case string:
		return c
	case []any:
		var out string
		for _, x := range c {
			if m, ok := x.(map[string]any); ok {
				out += fmt.Sprint(m["text"])
			}
		}
		return out
	}
	return ""
}

func (w wireRequest) lastText() string {
	for _, b := range w.last() {
		if b["type"] == "text" {
			s, _ := b["text"].(string)
			return s
		}
	}
	return ""
}

type stub struct {
	*httptest.Server
	mu       sync.Mutex
	requests []stubRequest
	reply    func(wireRequest) stubReply
	release  chan struct{} // closed when a Block reply's client went away
}

func newStub(t *testing.T, reply func(wireRequest) stubReply) *stub {
	s := &stub{reply: reply, release: make(chan struct{}, 16)}
	if s.reply == nil {
		s.reply = func(w wireRequest) stubReply { return stubReply{Text: "echo: " + w.lastText()} }
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *stub) Requests() []stubRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]stubRequest(nil), s.requests...)
}

func (s *stub) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/messages" || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	data, _ := io.ReadAll(r.Body)
	var body wireRequest
	if err := json.Unmarshal(data, &body); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, stubRequest{Header: r.Header.Clone(), Body: body})
	s.mu.Unlock()
	rep := s.reply(body)
	if rep.Status != 0 {
		w.Header().Set("request-id", "req_stub_error")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rep.Status)
		fmt.Fprintf(w, `{"type":"error","error":{"type":"authentication_error","message":"Authentication failed for %s"}}`, r.Header.Get("Authorization"))
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("request-id", "req_stub")
	fl := w.(http.Flusher)
	send := func(event string, v any) {
		b, _ := json.Marshal(v)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b)
		fl.Flush()
	}
	send("message_start", map[string]any{"type": "message_start", "message": map[string]any{
		"id": "msg_stub", "type": "message", "role": "assistant", "model": body.Model, "content": []any{},
		"stop_reason": nil, "stop_sequence": nil, "usage": map[string]any{"input_tokens": 10, "output_tokens": 1},
	}})
	if rep.Block {
		<-r.Context().Done()
		s.release <- struct{}{}
		return
	}
	idx := 0
	if rep.Text != "" {
		send("content_block_start", map[string]any{"type": "content_block_start", "index": idx, "content_block": map[string]any{"type": "text", "text": ""}})
		// Two deltas, to exercise streaming.
		half := len(rep.Text) / 2
		for _, part := range []string{rep.Text[:half], rep.Text[half:]} {
			send("content_block_delta", map[string]any{"type": "content_block_delta", "index": idx, "delta": map[string]any{"type": "text_delta", "text": part}})
		}
		send("content_block_stop", map[string]any{"type": "content_block_stop", "index": idx})
		idx++
	}
	for _, tu := range rep.ToolUses {
		send("content_block_start", map[string]any{"type": "content_block_start", "index": idx, "content_block": map[string]any{"type": "tool_use", "id": tu.ID, "name": tu.Name, "input": map[string]any{}}})
		in, _ := json.Marshal(tu.Input)
		send("content_block_delta", map[string]any{"type": "content_block_delta", "index": idx, "delta": map[string]any{"type": "input_json_delta", "partial_json": string(in)}})
		send("content_block_stop", map[string]any{"type": "content_block_stop", "index": idx})
		idx++
	}
	if rep.Cut {
		return
	}
	stop := "end_turn"
	if len(rep.ToolUses) > 0 {
		stop = "tool_use"
	}
	send("message_delta", map[string]any{"type": "message_delta", "delta": map[string]any{"stop_reason": stop, "stop_sequence": nil}, "usage": map[string]any{"output_tokens": 5}})
	send("message_stop", map[string]any{"type": "message_stop"})
}
