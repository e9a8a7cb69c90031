package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync/atomic"
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

// Serve serves h on ln until ctx is done, then shuts down gracefully
// (see ServeForce). It returns nil after a shutdown that ctx asked for.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, grace time.Duration, logger *slog.Logger) error {
	return ServeForce(ctx, nil, ln, h, grace, logger)
}

// drainable is a handler that can shut down gracefully: the Gateway.
type drainable interface {
	Drain()
	InFlight() int64
	CutStreams()
}

// BodyGap bounds the wait for each piece of a request body: a client
// trickling a body (or sending none after its headers) does not hold a
// connection for longer.
const BodyGap = 30 * time.Second

// cutWait bounds how long handlers get to hand their streams the error
// event after the grace period ends.
const cutWait = 5 * time.Second

// ServeForce serves h on ln until ctx is done, then shuts down: a Gateway
// is drained (/readyz answers 503, new requests get 503, the listener
// stays open) while open requests and streams finish for up to grace;
// then streams still open are ended with an SSE error event and the
// server closes. grace 0 stops at once. Closing force (a second Ctrl-C or
// SIGTERM) stops at once too, cutting connections.
func ServeForce(ctx context.Context, force <-chan struct{}, ln net.Listener, h http.Handler, grace time.Duration, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	srv := &http.Server{
		Handler:           boundBodies(h, BodyGap),
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		// No WriteTimeout: a streamed answer may take minutes (bounded by
		// the upstream's gaps instead, see streambound.go).
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelDebug),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	forced := false
	d, _ := h.(drainable)
	if d != nil {
		d.Drain()
		forced = waitDrained(d, grace, force) == "forced"
		if !forced && d.InFlight() > 0 {
			logger.Warn("gateway: streams still open after the shutdown grace period; ending them", "grace", grace)
		}
	}
	var err error
	if forced {
		logger.Warn("gateway: stopping now; closing open streams")
		err = srv.Close()
	} else {
		if d != nil {
			d.CutStreams()
		}
		wait := cutWait
		if d == nil {
			wait = grace
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), wait)
		defer cancel()
		go func() {
			select {
			case <-force:
				cancel()
			case <-sctx.Done():
			}
		}()
		err = srv.Shutdown(sctx)
		if err != nil {
			err = srv.Close()
		}
	}
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	return err
}

// waitDrained waits until d has nothing in flight ("drained"), grace has
// passed ("grace") or force is closed ("forced").
func waitDrained(d drainable, grace time.Duration, force <-chan struct{}) string {
	if grace <= 0 {
		return "grace"
	}
	deadline := time.NewTimer(grace)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for d.InFlight() > 0 {
		select {
		case <-force:
			return "forced"
		case <-deadline.C:
			return "grace"
		case <-tick.C:
		}
	}
	if isClosed(force) {
		return "forced"
	}
	return "drained"
}

// boundBodies bounds every gap in reading a request body by gap, and makes
// a refusal answered before the body was read close the connection at
// once: net/http would otherwise read (up to 256 KiB of) the rest of the
// body after the handler returns, at whatever pace the client sends it.
func boundBodies(h http.Handler, gap time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			h.ServeHTTP(w, r)
			return
		}
		b := &gapBody{ReadCloser: r.Body, ctl: http.NewResponseController(w), gap: gap}
		r.Body = b
		// The handler learns of a stall from the request (bodyStalled):
		// the read error it gets may only say the request was canceled.
		r = r.WithContext(context.WithValue(r.Context(), gapBodyKey{}, b))
		h.ServeHTTP(&closeUnread{ResponseWriter: w, body: b}, r)
	})
}

// gapBody is a request body whose every Read has gap to return.
type gapBody struct {
	io.ReadCloser
	ctl     *http.ResponseController
	gap     time.Duration
	done    atomic.Bool // read to the end
	stalled atomic.Bool // a Read waited gap for nothing
	cut     atomic.Bool // closeUnread stopped reading (not a stall)
}

func (b *gapBody) Read(p []byte) (int, error) {
	b.ctl.SetReadDeadline(time.Now().Add(b.gap))
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.done.Store(true)
		b.ctl.SetReadDeadline(time.Time{})
	} else if err != nil && errors.Is(err, os.ErrDeadlineExceeded) && !b.cut.Load() {
		b.stalled.Store(true)
	}
	return n, err
}

type gapBodyKey struct{}

// bodyStalled reports whether r's body was cut because the client paused
// in it for longer than the gap; the gap is returned for the message.
func bodyStalled(r *http.Request) (time.Duration, bool) {
	b, _ := r.Context().Value(gapBodyKey{}).(*gapBody)
	if b == nil || !b.stalled.Load() {
		return 0, false
	}
	return b.gap, true
}

// closeUnread closes the connection after an error answered while the
// request body is still unread (an unauthenticated client trickling one).
type closeUnread struct {
	http.ResponseWriter
	body  *gapBody
	wrote bool
}

func (c *closeUnread) WriteHeader(code int) {
	if !c.wrote && code >= 400 && !c.body.done.Load() {
		c.ResponseWriter.Header().Set("Connection", "close")
		c.body.cut.Store(true)
		c.body.ctl.SetReadDeadline(time.Now()) // no draining afterwards
	}
	if code >= 200 {
		c.wrote = true
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *closeUnread) Write(p []byte) (int, error) {
	c.wrote = true
	return c.ResponseWriter.Write(p)
}

func (c *closeUnread) Unwrap() http.ResponseWriter { return c.ResponseWriter }

func (c *closeUnread) Flush() { http.NewResponseController(c.ResponseWriter).Flush() }

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
