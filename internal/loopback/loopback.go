// Package loopback starts the test doubles' HTTP servers on 127.0.0.1.
package loopback

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
)

// Start serves h on an ephemeral 127.0.0.1 port. Unlike httptest.NewServer
// it returns an error instead of panicking, because `hermes demo` starts
// the doubles outside any test.
func Start(h http.Handler) (*httptest.Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen on loopback: %w", err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	return srv, nil
}
