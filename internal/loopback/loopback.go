// Package loopback starts the stand-ins' HTTP servers on 127.0.0.1.
//
// It does what net/http/httptest.Server does for them without importing
// httptest, which would link the testing package's flags into the release
// binary (`hermes demo` runs the stand-ins).
package loopback

import (
	"fmt"
	"net"
	"net/http"
	"sync"
)

// Server is an HTTP server on an ephemeral 127.0.0.1 port.
type Server struct {
	// URL is http://127.0.0.1:PORT, without a trailing slash.
	URL string

	listener net.Listener
	srv      *http.Server
	wg       sync.WaitGroup // one per open connection, as in httptest

	mu     sync.Mutex
	closed bool
	conns  map[net.Conn]http.ConnState // open connections and their state
}

// Start serves h on an ephemeral 127.0.0.1 port. Unlike httptest.NewServer
// it returns an error instead of panicking, because `hermes demo` starts
// the doubles outside any test.
func Start(h http.Handler) (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen on loopback: %w", err)
	}
	s := &Server{URL: "http://" + l.Addr().String(), listener: l, conns: map[net.Conn]http.ConnState{}}
	s.srv = &http.Server{Handler: h, ConnState: s.track}
	go s.srv.Serve(l) //nolint:errcheck // returns once Close closes the listener
	return s, nil
}

// track follows each connection's state, as httptest.Server does: Close
// waits for every connection to end and closes those that go idle after it.
func (s *Server) track(c net.Conn, state http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch state {
	case http.StateNew:
		s.wg.Add(1)
		s.conns[c] = state
		if s.closed {
			c.Close()
		}
	case http.StateActive, http.StateIdle:
		if _, ok := s.conns[c]; ok {
			s.conns[c] = state
		}
		if state == http.StateIdle && s.closed {
			c.Close()
		}
	case http.StateHijacked, http.StateClosed:
		if _, ok := s.conns[c]; ok {
			delete(s.conns, c)
			s.wg.Done()
		}
	}
}

// CloseClientConnections closes every open connection, idle or in use, as
// httptest.Server's method of that name does; handlers on them see their
// request's context end. The server keeps accepting new connections.
func (s *Server) CloseClientConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.Close()
	}
}

// Close stops accepting connections, closes idle ones and waits until every
// request in flight has finished, as httptest.Server.Close does. It is safe
// to call more than once.
func (s *Server) Close() {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		s.listener.Close()
		s.srv.SetKeepAlivesEnabled(false)
		for c, st := range s.conns {
			if st == http.StateIdle || st == http.StateNew {
				c.Close()
			}
		}
	}
	s.mu.Unlock()
	// Like httptest: connections the default transport keeps to this server
	// would otherwise outlive it (and show up as leaked goroutines).
	if t, ok := http.DefaultTransport.(interface{ CloseIdleConnections() }); ok {
		t.CloseIdleConnections()
	}
	s.wg.Wait()
}
