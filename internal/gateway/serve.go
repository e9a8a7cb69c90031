package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// DefaultShutdownGrace is how long open streams may run after shutdown starts.
const DefaultShutdownGrace = 30 * time.Second

// Listen opens addr for the gateway. Without allowRemote it refuses any
// address that is not loopback, both as written and as actually bound.
func Listen(addr string, allowRemote bool) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("invalid listen address %q (want host:port, e.g. 127.0.0.1:8787): %w", addr, err)
	}
	if !allowRemote && host != "localhost" {
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			return nil, fmt.Errorf("refusing to listen on %q: not a loopback address; use 127.0.0.1 or [::1], or pass --allow-remote to accept other machines (they still need the gateway key)", addr)
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !allowRemote && !tcp.IP.IsLoopback() {
		ln.Close()
		return nil, fmt.Errorf("refusing to listen on %s: %q resolved to a non-loopback address; pass --allow-remote to allow that", ln.Addr(), host)
	}
	return ln, nil
}

// Serve serves h on ln until ctx is done, then shuts down gracefully:
// it stops accepting, lets open requests and streams finish for up to
// grace (0: DefaultShutdownGrace), then closes what is left. It returns
// nil after a shutdown that ctx asked for.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, grace time.Duration, logger *slog.Logger) error {
	return ServeForce(ctx, nil, ln, h, grace, logger)
}

// ServeForce is Serve whose grace period ends early when force is closed
// (a second Ctrl-C or SIGTERM: the user wants it stopped now).
func ServeForce(ctx context.Context, force <-chan struct{}, ln net.Listener, h http.Handler, grace time.Duration, logger *slog.Logger) error {
	if grace <= 0 {
		grace = DefaultShutdownGrace
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		// No WriteTimeout: a streamed answer may take minutes.
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelDebug),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	forced := make(chan struct{})
	if force != nil {
		go func() {
			select {
			case <-force:
				close(forced)
				cancel()
			case <-sctx.Done():
			}
		}()
	}
	err := srv.Shutdown(sctx)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		logger.Warn("gateway: streams still open after the shutdown grace period; closing them", "grace", grace)
		err = srv.Close()
	case errors.Is(err, context.Canceled) && isClosed(forced):
		logger.Warn("gateway: stopping now; closing open streams")
		err = srv.Close()
	}
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	return err
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
