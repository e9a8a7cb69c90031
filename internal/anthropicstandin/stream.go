package anthropicstandin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// message is an assistant reply, built once and rendered as JSON or SSE.
type message struct {
	id, model, stopReason string
	blocks                []block
	usage                 Usage
	stall                 bool
}

type block struct {
	typ       string // text | tool_use | server_tool_use | a server tool result
	text      string
	id, name  string
	inputJSON string
	// raw is a server tool result block, sent whole in content_block_start.
	raw map[string]any
}

func buildMessage(req *MessagesRequest, r Reply) *message {
	m := &message{id: "msg_" + randomString(24), model: req.Model, stopReason: r.StopReason, stall: r.Stall}
	m.blocks = append(m.blocks, serverBlocks(req, r.ServerToolUses)...)
	if r.Text != "" || len(r.ToolUses) == 0 {
		m.blocks = append(m.blocks, block{typ: "text", text: r.Text})
	}
	for _, tu := range r.ToolUses {
		id := tu.ID
		if id == "" {
			id = "toolu_" + randomString(24)
		}
		input := []byte("{}")
		if tu.Input != nil {
			var err error
			if input, err = json.Marshal(tu.Input); err != nil {
				input = []byte("{}")
			}
		}
		m.blocks = append(m.blocks, block{typ: "tool_use", id: id, name: tu.Name, inputJSON: string(input)})
	}
	if m.stopReason == "" {
		m.stopReason = "end_turn"
		if len(r.ToolUses) > 0 {
			m.stopReason = "tool_use"
		}
	}
	if r.Usage != nil {
		m.usage = *r.Usage
	} else {
		m.usage = Usage{InputTokens: promptTokens(segments(req.Raw))}
	}
	if m.usage.OutputTokens == 0 {
		out := 1
		for _, b := range m.blocks {
			out += (len(b.text) + len(b.inputJSON)) / 4
		}
		m.usage.OutputTokens = out
	}
	return m
}

func (b block) json() map[string]any {
	if b.raw != nil {
		return b.raw
	}
	if b.typ == "tool_use" || b.typ == "server_tool_use" {
		return map[string]any{"type": b.typ, "id": b.id, "name": b.name, "input": json.RawMessage(b.inputJSON)}
	}
	return map[string]any{"type": "text", "text": b.text}
}

func (m *message) json() map[string]any {
	content := []map[string]any{}
	for _, b := range m.blocks {
		content = append(content, b.json())
	}
	return map[string]any{
		"id": m.id, "type": "message", "role": "assistant", "model": m.model,
		"content": content, "stop_reason": m.stopReason, "stop_sequence": nil,
		"usage": m.usageJSON(m.usage.OutputTokens),
	}
}

func (m *message) usageJSON(output int) map[string]any {
	return map[string]any{
		"input_tokens": m.usage.InputTokens, "output_tokens": output,
		"cache_creation_input_tokens": m.usage.CacheCreationInputTokens, "cache_read_input_tokens": m.usage.CacheReadInputTokens,
	}
}

// event is one server-sent event.
type event struct {
	name string
	data map[string]any
}

// typeFirst marshals an event's data with "type" first, as the API does.
func typeFirst(data map[string]any) []byte {
	rest := make(map[string]any, len(data))
	for k, v := range data {
		if k != "type" {
			rest[k] = v
		}
	}
	typ, _ := json.Marshal(data["type"])
	b, _ := json.Marshal(rest)
	if len(rest) == 0 {
		return []byte(`{"type":` + string(typ) + `}`)
	}
	return append([]byte(`{"type":`+string(typ)+`,`), b[1:]...)
}

// events is the real Messages streaming sequence: message_start, then per
// block content_block_start, deltas, content_block_stop (a ping after the
// first block starts), then message_delta and message_stop.
func (m *message) events() []event {
	start := m.json()
	start["content"] = []any{}
	start["stop_reason"] = nil
	start["usage"] = m.usageJSON(1)
	evs := []event{{"message_start", map[string]any{"type": "message_start", "message": start}}}
	for i, b := range m.blocks {
		first := b.json()
		switch {
		case b.raw != nil:
		case b.typ == "tool_use" || b.typ == "server_tool_use":
			first["input"] = map[string]any{}
		default:
			first["text"] = ""
		}
		evs = append(evs, event{"content_block_start", map[string]any{"type": "content_block_start", "index": i, "content_block": first}})
		if i == 0 {
			evs = append(evs, event{"ping", map[string]any{"type": "ping"}})
		}
		for _, piece := range chunks(b) {
			delta := map[string]any{"type": "text_delta", "text": piece}
			if b.typ == "tool_use" || b.typ == "server_tool_use" {
				delta = map[string]any{"type": "input_json_delta", "partial_json": piece}
			}
			evs = append(evs, event{"content_block_delta", map[string]any{"type": "content_block_delta", "index": i, "delta": delta}})
		}
		evs = append(evs, event{"content_block_stop", map[string]any{"type": "content_block_stop", "index": i}})
	}
	evs = append(evs,
		event{"message_delta", map[string]any{"type": "message_delta",
			"delta": map[string]any{"stop_reason": m.stopReason, "stop_sequence": nil},
			"usage": map[string]any{"output_tokens": m.usage.OutputTokens}}},
		event{"message_stop", map[string]any{"type": "message_stop"}},
	)
	return evs
}

// chunks splits a block's text at word boundaries, or its input JSON into
// short pieces, so clients really have to assemble deltas.
func chunks(b block) []string {
	if b.raw != nil {
		return nil
	}
	if b.typ == "tool_use" || b.typ == "server_tool_use" {
		var out []string
		for s := b.inputJSON; s != ""; {
			n := min(len(s), 8)
			out = append(out, s[:n])
			s = s[n:]
		}
		return out
	}
	var out []string
	for s := b.text; s != ""; {
		n := strings.IndexByte(s[1:], ' ') + 1
		if n == 0 {
			n = len(s)
		}
		out = append(out, s[:n])
		s = s[n:]
	}
	return out
}

// stream writes the reply as SSE, flushing each event, broken as the
// request's fault says.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, m *message) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	f := faultOf(r)
	malformedDone := false
	for n, ev := range m.events() {
		data := typeFirst(ev.data)
		frame := fmt.Sprintf("event: %s\ndata: %s\n\n", ev.name, data)
		if f != nil && f.MalformedJSON && !malformedDone && (ev.name == "content_block_delta" || ev.name == "message_delta") {
			malformedDone = true
			frame = fmt.Sprintf("event: %s\ndata: %s\n\n", ev.name, data[:len(data)/2])
		}
		if f != nil && f.StallStreamAfterEvents > 0 && n == f.StallStreamAfterEvents {
			<-r.Context().Done()
			return
		}
		if f != nil && f.CutStreamAfterEvents > 0 && n == f.CutStreamAfterEvents {
			_, _ = w.Write([]byte(frame[:len(frame)/2]))
			abort(w)
		}
		if _, err := w.Write([]byte(frame)); err != nil {
			return
		}
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		if m.stall && ev.name == "content_block_stop" {
			<-r.Context().Done()
			return
		}
	}
}
