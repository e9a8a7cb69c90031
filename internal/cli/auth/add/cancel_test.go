package add

import (
	"context"
	"errors"
	"io"
	"sync"
	"testing"
)

// blockedReader says when the first Read starts.
type blockedReader struct {
	r       io.Reader
	once    sync.Once
	reading chan struct{}
}

func (b *blockedReader) Read(p []byte) (int, error) {
	b.once.Do(func() { close(b.reading) })
	return b.r.Read(p)
}

// Issue 11 item 15: an API key or an OAuth code read from a stdin that
// never delivers (a pipe whose writer hangs) gives up on Ctrl-C (the
// command's context), and stores nothing.
func TestStdinReadsAreCancelable(t *testing.T) {
	t.Parallel()
	for _, typ := range []string{TypeAPIKey, TypeOAuth} {
		t.Run(typ, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, false, &fakePrompter{})
			h.opts.Type = typ
			r, w := io.Pipe()
			defer w.Close()
			in := &blockedReader{r: r, reading: make(chan struct{})}
			h.opts.IO.In = in
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- Run(ctx, h.opts) }()
			<-in.reading // the command is blocked reading stdin
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			if n := len(h.file(t).Pool()); n != 0 {
				t.Fatalf("%d entries stored", n)
			}
		})
	}
}
