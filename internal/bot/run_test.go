package bot

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// oneAnswer starts one answer that runs until release is closed (or its
// context ends), then serves until ctx ends.
type oneAnswer struct {
	started, release, finished chan struct{}
	cut                        bool
}

func (a *oneAnswer) Ready() bool { return true }

func (a *oneAnswer) Serve(ctx context.Context, b *Bot) error {
	b.Go(func(wctx context.Context) {
		close(a.started)
		select {
		case <-a.release:
		case <-wctx.Done():
			a.cut = true
		}
		close(a.finished)
	})
	<-ctx.Done()
	return nil
}

func newOneAnswer() *oneAnswer {
	return &oneAnswer{started: make(chan struct{}), release: make(chan struct{}), finished: make(chan struct{})}
}

func TestRunFinishesAnswersInFlight(t *testing.T) {
	a := newOneAnswer()
	s := &Server{Bot: &Bot{Log: discard()}, Adapters: []Adapter{a}, Grace: time.Hour}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	<-a.started
	stop() // SIGTERM
	select {
	case <-done:
		t.Fatal("Run returned with an answer in flight")
	case <-time.After(50 * time.Millisecond):
	}
	close(a.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if a.cut {
		t.Fatal("the answer was cancelled within the grace period")
	}
}

func TestRunCutsAnswersAfterGrace(t *testing.T) {
	a := newOneAnswer()
	force := make(chan struct{})
	s := &Server{Bot: &Bot{Log: discard()}, Adapters: []Adapter{a}, Grace: time.Hour, Force: force}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	<-a.started
	stop()
	close(force) // a second signal
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !a.cut {
		t.Fatal("the answer was not cancelled")
	}
}

func TestHealthAndReadiness(t *testing.T) {
	a := newOneAnswer()
	addrs := make(chan string, 1)
	s := &Server{Bot: &Bot{Log: discard()}, Adapters: []Adapter{a}, Grace: time.Hour, Listen: "127.0.0.1:0", OnListen: func(addr string) { addrs <- addr }}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	addr := <-addrs
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, resp.StatusCode, want)
		}
	}
	<-a.started
	stop()
	// Draining: not ready, still healthy, until the answer finishes.
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusServiceUnavailable {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("/readyz still ready after SIGTERM")
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(a.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
