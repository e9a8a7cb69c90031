package acp

import (
	"bytes"
	"encoding/json"
	"io"
	"sync"
	"time"
)

// drainTimeout bounds how long Serve waits, once the editor has closed
// stdin, for answers to requests it had already sent.
const drainTimeout = 10 * time.Second

// pending counts requests read but not yet answered, so that Serve can
// answer everything an editor sent before it closed stdin (an editor, or
// a script, may write its requests and close at once) instead of exiting
// with the answers unwritten.
type pending struct {
	mu   sync.Mutex
	n    int
	zero *sync.Cond
	line []byte // the incoming line read so far
}

func newPending() *pending {
	p := &pending{}
	p.zero = sync.NewCond(&p.mu)
	return p
}

type envelope struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
}

// reader counts each complete incoming line that is a request.
func (p *pending) reader(r io.Reader) io.Reader { return &countingReader{r: r, p: p} }

// writer counts each outgoing response; the SDK writes one message a Write.
func (p *pending) writer(w io.Writer) io.Writer { return &countingWriter{w: w, p: p} }

type countingReader struct {
	r io.Reader
	p *pending
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.p.sawInput(b[:n])
	return n, err
}

func (p *pending) sawInput(b []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			p.line = append(p.line, b...)
			return
		}
		p.line = append(p.line, b[:i]...)
		b = b[i+1:]
		var e envelope
		if json.Unmarshal(p.line, &e) == nil && e.Method != "" && len(e.ID) > 0 && string(e.ID) != "null" {
			p.n++
		}
		p.line = p.line[:0]
	}
}

type countingWriter struct {
	w io.Writer
	p *pending
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	var e envelope
	if json.Unmarshal(b, &e) == nil && e.Method == "" && len(e.ID) > 0 {
		c.p.mu.Lock()
		if c.p.n > 0 {
			c.p.n--
		}
		if c.p.n == 0 {
			c.p.zero.Broadcast()
		}
		c.p.mu.Unlock()
	}
	return n, err
}

// wait returns once every counted request is answered, or after timeout.
func (p *pending) wait(timeout time.Duration) {
	t := time.AfterFunc(timeout, func() {
		p.mu.Lock()
		p.n = 0
		p.zero.Broadcast()
		p.mu.Unlock()
	})
	defer t.Stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.n > 0 {
		p.zero.Wait()
	}
}
