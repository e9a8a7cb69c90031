package budget

import (
	"bytes"
	"encoding/json"
	"math"

	"github.com/hermes-agent/hermes/internal/models"
)

// Usage is one answer's token usage, as the Messages API reports it.
type Usage struct {
	Model      string
	Input      int64
	Output     int64
	CacheWrite int64 // cache_creation_input_tokens
	CacheRead  int64 // cache_read_input_tokens
}

// Tokens is every token the answer was billed for.
func (u Usage) Tokens() int64 { return u.Input + u.Output + u.CacheWrite + u.CacheRead }

// NanoUSD is the answer's cost in billionths of a dollar (integers add
// atomically in Redis), rounded to the nearest; ok is false for a model without a price.
func (u Usage) NanoUSD() (n int64, ok bool) {
	usd, ok := models.Cost(u.Model, u.Input, u.CacheWrite, u.CacheRead, u.Output)
	if !ok {
		return 0, false
	}
	return int64(math.Round(usd * 1e9)), true
}

// apiUsage is the usage object of a message or a message_delta event.
type apiUsage struct {
	InputTokens              *int64 `json:"input_tokens"`
	OutputTokens             *int64 `json:"output_tokens"`
	CacheCreationInputTokens *int64 `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     *int64 `json:"cache_read_input_tokens"`
}

// merge takes every count a (later) usage object states: message_delta's
// counts are cumulative and replace message_start's.
func (u *Usage) merge(a *apiUsage) {
	if a == nil {
		return
	}
	set := func(dst *int64, v *int64) {
		if v != nil {
			*dst = *v
		}
	}
	set(&u.Input, a.InputTokens)
	set(&u.Output, a.OutputTokens)
	set(&u.CacheWrite, a.CacheCreationInputTokens)
	set(&u.CacheRead, a.CacheReadInputTokens)
}

// maxJSONBody bounds what a Meter keeps of a unary answer to read its
// usage; a Messages answer is far smaller.
const maxJSONBody = 16 << 20

// maxEventLine bounds one SSE line kept for parsing.
const maxEventLine = 1 << 20

// Meter reads usage from an answer's bytes as they pass: a unary JSON
// message, or an SSE stream (message_start, then message_delta).
type Meter struct {
	stream bool
	buf    []byte // unary: the body so far; stream: the current line
	skip   bool   // stream: the current line is too long to keep
	over   bool   // unary: the body outgrew maxJSONBody
	usage  Usage
	seen   bool
}

// NewMeter returns a meter for a stream (text/event-stream) or a unary answer.
func NewMeter(stream bool) *Meter { return &Meter{stream: stream} }

// Write feeds the answer's next bytes; it never fails.
func (m *Meter) Write(p []byte) (int, error) {
	if !m.stream {
		if !m.over && len(m.buf)+len(p) <= maxJSONBody {
			m.buf = append(m.buf, p...)
		} else {
			m.over, m.buf = true, nil
		}
		return len(p), nil
	}
	rest := p
	for len(rest) > 0 {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			m.keep(rest)
			break
		}
		m.keep(rest[:i])
		m.line()
		rest = rest[i+1:]
	}
	return len(p), nil
}

func (m *Meter) keep(b []byte) {
	if m.skip || len(m.buf)+len(b) > maxEventLine {
		m.skip, m.buf = true, m.buf[:0]
		return
	}
	m.buf = append(m.buf, b...)
}

// line handles one complete SSE line.
func (m *Meter) line() {
	defer func() { m.buf, m.skip = m.buf[:0], false }()
	if m.skip {
		return
	}
	data, ok := bytes.CutPrefix(bytes.TrimRight(m.buf, "\r"), []byte("data:"))
	if !ok {
		return
	}
	var ev struct {
		Type    string `json:"type"`
		Message *struct {
			Model string    `json:"model"`
			Usage *apiUsage `json:"usage"`
		} `json:"message"`
		Usage *apiUsage `json:"usage"`
	}
	if json.Unmarshal(bytes.TrimSpace(data), &ev) != nil {
		return
	}
	switch ev.Type {
	case "message_start":
		if ev.Message != nil {
			m.usage.Model = ev.Message.Model
			m.usage.merge(ev.Message.Usage)
			m.seen = true
		}
	case "message_delta":
		m.usage.merge(ev.Usage)
		m.seen = true
	}
}

// Usage returns what the answer reported; ok is false when it reported
// nothing readable (not a Messages answer, or a unary body too large).
func (m *Meter) Usage() (Usage, bool) {
	if m.stream {
		if len(m.buf) > 0 {
			m.line() // a last line without its newline
		}
		return m.usage, m.seen
	}
	if m.over {
		return Usage{}, false
	}
	var msg struct {
		Model string    `json:"model"`
		Usage *apiUsage `json:"usage"`
	}
	if json.Unmarshal(m.buf, &msg) != nil || msg.Usage == nil {
		return Usage{}, false
	}
	var u Usage
	u.Model = msg.Model
	u.merge(msg.Usage)
	return u, true
}
