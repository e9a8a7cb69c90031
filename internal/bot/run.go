package bot

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Adapter is one platform's connection.
type Adapter interface {
	// Serve receives messages until ctx ends, answering each through
	// Bot.Go; it returns nil when ctx ended, an error when the platform
	// cannot be served (a refused token).
	Serve(ctx context.Context, b *Bot) error
	// Ready reports whether the platform accepted the bot.
	Ready() bool
}

// Server runs a bot's adapters and its health endpoints.
type Server struct {
	Bot      *Bot
	Adapters []Adapter
	// Listen, when set, serves GET /healthz (the process is up) and
	// /readyz (every platform accepted the bot, and no shutdown began).
	Listen string
	// Grace bounds how long answers in flight may finish after ctx ends;
	// Force ends it early.
	Grace time.Duration
	Force <-chan struct{}
	// OnListen, when set, is told the health address.
	OnListen func(addr string)

	draining atomic.Bool
}

// Run serves until ctx ends (SIGTERM), then lets the answers in flight
// finish (at most Grace) and returns nil. An adapter's failure stops all.
func (s *Server) Run(ctx context.Context) error {
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	s.Bot.SetWorkContext(work)
	recv, stopRecv := context.WithCancel(ctx)
	defer stopRecv()
	go func() {
		<-recv.Done()
		s.draining.Store(true) // /readyz: take this pod out of rotation
	}()
	if s.Listen != "" {
		stopHealth, err := s.serveHealth()
		if err != nil {
			return err
		}
		defer stopHealth()
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(s.Adapters))
	for _, a := range s.Adapters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := a.Serve(recv, s.Bot); err != nil {
				errs <- err
				stopRecv()
			}
		}()
	}
	wg.Wait()
	s.draining.Store(true)
	close(errs)
	err := errors.Join(collect(errs)...)
	done := make(chan struct{})
	go func() { s.Bot.Wait(); close(done) }()
	grace := time.NewTimer(s.Grace)
	defer grace.Stop()
	select {
	case <-done:
		return err
	case <-grace.C:
	case <-s.Force:
	}
	// Out of time: cancel the answers; each still posts that it stopped.
	cancelWork()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
	}
	return err
}

func collect(ch <-chan error) []error {
	var out []error
	for err := range ch {
		out = append(out, err)
	}
	return out
}

func (s *Server) serveHealth() (stop func(), err error) {
	l, err := net.Listen("tcp", s.Listen)
	if err != nil {
		return nil, fmt.Errorf("--listen %s: %w", s.Listen, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if s.draining.Load() {
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		for _, a := range s.Adapters {
			if !a.Ready() {
				http.Error(w, "not connected to every platform yet", http.StatusServiceUnavailable)
				return
			}
		}
		w.Write([]byte("ready\n"))
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
	if s.OnListen != nil {
		s.OnListen(l.Addr().String())
	}
	return func() { srv.Close() }, nil
}
