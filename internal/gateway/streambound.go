package gateway

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hermes-agent/hermes/internal/credential"
)

// A streamed upstream body is bounded by the gap between reads (the
// upstream stalled) and by the end of the shutdown grace. Either ends the
// client's stream with an SSE error event, as the API itself reports an
// error mid-stream, instead of a bare end of file the client cannot tell
// from a finished answer, or a hold that never ends.

// streamBody wraps an upstream SSE body.
type streamBody struct {
	body io.ReadCloser
	g    *Gateway

	mu     sync.Mutex
	why    string // set when the stream is ended: the error event's message
	tail   []byte // the error event still to hand to the proxy
	last2  [2]byte
	timer  *time.Timer
	gap    time.Duration
	closed bool
}

// boundStream wraps resp.Body when resp is a successful event stream.
func (g *Gateway) boundStream(resp *http.Response) {
	if resp.StatusCode != http.StatusOK || resp.Body == nil || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		return
	}
	s := &streamBody{body: resp.Body, g: g, gap: g.streamIdle(), last2: [2]byte{'\n', '\n'}}
	s.timer = time.AfterFunc(s.gap, func() {
		s.end("the upstream API sent nothing for " + s.gap.String() + " (" + credential.HTTPTimeoutEnv + "); the stream was ended")
	})
	g.streamsMu.Lock()
	if g.streams == nil {
		g.streams = map[*streamBody]struct{}{}
	}
	g.streams[s] = struct{}{}
	cut := g.cutting
	g.streamsMu.Unlock()
	if cut {
		s.end(shutdownMessage)
	}
	resp.Body = s
}

const shutdownMessage = "the hermes gateway is shutting down; retry the request"

func (g *Gateway) streamIdle() time.Duration {
	if g.opts.StreamIdleTimeout > 0 {
		return g.opts.StreamIdleTimeout
	}
	return credential.HTTPTimeout(nil, upstreamHeaderTimeout)
}

// end stops the stream: the upstream body is closed (a blocked Read
// returns) and the next Read hands the client the error event.
func (s *streamBody) end(why string) {
	s.mu.Lock()
	if s.why != "" || s.closed {
		s.mu.Unlock()
		return
	}
	s.why = why
	s.mu.Unlock()
	s.body.Close()
}

func (s *streamBody) Read(p []byte) (int, error) {
	s.mu.Lock()
	if s.why != "" {
		defer s.mu.Unlock()
		return s.readTail(p)
	}
	s.mu.Unlock()
	n, err := s.body.Read(p)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.why != "" {
		// Ended while reading: drop whatever the broken read returned.
		return s.readTail(p)
	}
	if n > 0 {
		s.timer.Reset(s.gap)
		if n >= 2 {
			s.last2 = [2]byte{p[n-2], p[n-1]}
		} else {
			s.last2 = [2]byte{s.last2[1], p[0]}
		}
	}
	return n, err
}

// readTail hands out the error event, then EOF. Called with mu held.
func (s *streamBody) readTail(p []byte) (int, error) {
	if s.tail == nil {
		var b strings.Builder
		if s.last2 != [2]byte{'\n', '\n'} {
			b.WriteString("\n\n") // end the event the upstream broke off
		}
		data, _ := json.Marshal(map[string]any{"type": "error", "error": map[string]string{"type": "api_error", "message": "hermes gateway: " + s.why}})
		b.WriteString("event: error\ndata: " + string(data) + "\n\n")
		s.tail = []byte(b.String())
	}
	n := copy(p, s.tail)
	s.tail = s.tail[n:]
	if len(s.tail) == 0 {
		return n, io.EOF
	}
	return n, nil
}

func (s *streamBody) Close() error {
	s.timer.Stop()
	s.g.streamsMu.Lock()
	delete(s.g.streams, s)
	s.g.streamsMu.Unlock()
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return s.body.Close()
}

// CutStreams ends every open stream (and any that opens from now on) with
// an SSE error event saying the gateway is shutting down.
func (g *Gateway) CutStreams() {
	g.streamsMu.Lock()
	g.cutting = true
	open := make([]*streamBody, 0, len(g.streams))
	for s := range g.streams {
		open = append(open, s)
	}
	g.streamsMu.Unlock()
	for _, s := range open {
		s.end(shutdownMessage)
	}
}

// InFlight is the number of requests being proxied.
func (g *Gateway) InFlight() int64 { return g.inflight.Load() }
