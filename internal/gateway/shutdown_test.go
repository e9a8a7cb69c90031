package gateway

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// serveHeld serves the harness's gateway with ServeForce and opens one
// stream the upstream holds after its first event.
func serveHeld(t *testing.T, h *harness, grace time.Duration) (addr string, stop context.CancelFunc, done <-chan error, stream *http.Response) {
	t.Helper()
	h.up.hold = make(chan struct{})
	ln, err := Listen("127.0.0.1:0", false)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := make(chan error, 1)
	go func() { d <- ServeForce(ctx, nil, ln, h.gw, grace, nil) }()
	addr = ln.Addr().String()
	req, _ := http.NewRequest("POST", "http://"+addr+"/v1/messages", strings.NewReader(`{"stream":true}`))
	req.Header.Set("X-Api-Key", testKey)
	resp, err := h.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	<-h.up.firstSent
	return addr, cancel, d, resp
}

// readAllBounded reads body to its end; a body that never ends fails the
// test (after a minute) instead of hanging it.
func readAllBounded(t *testing.T, body io.ReadCloser) (string, error) {
	t.Helper()
	type res struct {
		b   []byte
		err error
	}
	c := make(chan res, 1)
	go func() { b, err := io.ReadAll(body); c <- res{b, err} }()
	select {
	case r := <-c:
		return string(r.b), r.err
	case <-time.After(time.Minute):
		body.Close()
		t.Fatal("the stream never ended")
		return "", nil
	}
}

// TestShutdownGraceZeroStopsAtOnce (issue 23 item 7): --shutdown-grace 0
// stops at once (main waited the 30 s default); the open stream ends with
// an SSE error event saying why.
func TestShutdownGraceZeroStopsAtOnce(t *testing.T) {
	h := newHarness(t, "tok", nil)
	defer func() { close(h.up.hold) }()
	_, stop, done, resp := serveHeld(t, h, 0)
	stop()
	body, err := readAllBounded(t, resp.Body)
	if err != nil || !strings.Contains(body, "event: error") || !strings.Contains(body, "shutting down") {
		t.Errorf("stream after a grace-0 stop: %v\n%s", err, body)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ServeForce: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("ServeForce did not return")
	}
}

// TestDrainingDuringGrace (issue 23 item 7): during the grace period the
// listener stays open: /readyz answers 503 (load balancers stop sending;
// on main the listener closed at once and probes got connection
// refused), a new request gets 503, and the open stream finishes whole.
func TestDrainingDuringGrace(t *testing.T) {
	h := newHarness(t, "tok", nil)
	addr, stop, done, resp := serveHeld(t, h, time.Hour)
	stop()
	// The gateway drains as soon as ServeForce sees ctx done.
	var ready *http.Response
	for i := 0; ; i++ {
		r, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			close(h.up.hold)
			t.Fatalf("/readyz during the grace: %v", err)
		}
		if r.StatusCode == http.StatusServiceUnavailable || i == 500 {
			ready = r
			break
		}
		r.Body.Close()
		time.Sleep(10 * time.Millisecond)
	}
	ready.Body.Close()
	if ready.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz during the grace: %d, want 503", ready.StatusCode)
	}
	req, _ := http.NewRequest("POST", "http://"+addr+"/v1/messages", strings.NewReader(`{"stream":true}`))
	req.Header.Set("X-Api-Key", testKey)
	if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a new request during the grace: %v %v, want 503", r, err)
	} else {
		r.Body.Close()
	}
	close(h.up.hold)
	body, err := readAllBounded(t, resp.Body)
	if err != nil || strings.Contains(body, "event: error") || !strings.Contains(body, "message_stop") {
		t.Errorf("the open stream did not finish whole: %v\n%s", err, body)
	}
	if err := <-done; err != nil {
		t.Errorf("ServeForce: %v", err)
	}
}

// TestGraceEndCutsWithErrorEvent (issue 23 item 7): a stream still open
// when the grace ends gets an SSE error event, not a bare cut.
func TestGraceEndCutsWithErrorEvent(t *testing.T) {
	h := newHarness(t, "tok", nil)
	defer func() { close(h.up.hold) }()
	_, stop, done, resp := serveHeld(t, h, 200*time.Millisecond)
	stop()
	body, err := readAllBounded(t, resp.Body)
	if err != nil || !strings.Contains(body, "event: error") || !strings.Contains(body, "shutting down") {
		t.Errorf("stream cut at the end of the grace: %v\n%s", err, body)
	}
	if err := <-done; err != nil {
		t.Errorf("ServeForce: %v", err)
	}
}

// TestStalledStreamEndsWithErrorEvent (issue 23 item 6): an upstream that
// stops sending mid-stream is given up on after HERMES_HTTP_TIMEOUT of
// silence, and the client's stream ends with an SSE error event naming
// the bound (main held the client as long as the upstream stalled).
func TestStalledStreamEndsWithErrorEvent(t *testing.T) {
	t.Setenv("HERMES_HTTP_TIMEOUT", "300ms")
	resp := heldStream(t)
	body, err := readAllBounded(t, resp.Body)
	if err != nil || !strings.Contains(body, "message_start") || !strings.Contains(body, "event: error") || !strings.Contains(body, "HERMES_HTTP_TIMEOUT") {
		t.Errorf("stalled stream: %v\n%s", err, body)
	}
}

// TestUnauthenticatedSlowBodyClosed (issue 23 item 5): a client with a
// wrong key that trickles a body gets its 401 and the connection closed
// at once; main read the rest of the body first, at the client's pace.
func TestUnauthenticatedSlowBodyClosed(t *testing.T) {
	h := newHarness(t, "tok", nil)
	ln, err := Listen("127.0.0.1:0", false)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go ServeForce(ctx, nil, ln, h.gw, 0, nil)
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v1/messages HTTP/1.1\r\nHost: x\r\nX-Api-Key: wrong\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"stream\":")
	conn.SetReadDeadline(time.Now().Add(time.Minute)) // a guard, not a bound under test
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status %d", resp.StatusCode)
	}
	// The server must hang up without waiting for the rest of the body.
	if _, err := br.ReadByte(); err != io.EOF {
		t.Errorf("after the 401 the connection stayed open (read: %v), waiting for the body", err)
	}
}

// TestStalledBodyCut (issue 23 item 5): an authenticated client that
// sends its headers and part of a body, then nothing, is cut after the
// body gap (BodyGap in ServeForce; shortened here): the gateway answers
// 408 and closes the connection, whether it buffers the body (for a
// replay after a 401) or streams it upstream. main held such a
// connection for as long as the client kept it open.
func TestStalledBodyCut(t *testing.T) {
	for _, streamed := range []bool{false, true} {
		name := "buffered"
		if streamed {
			name = "streamed"
		}
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, "tok", func(o *Options) {
				if streamed {
					o.ReplayBodyBytes = 16
				}
			})
			ln, err := Listen("127.0.0.1:0", false)
			if err != nil {
				t.Fatal(err)
			}
			srv := &http.Server{Handler: boundBodies(h.gw, 200*time.Millisecond)}
			go srv.Serve(ln)
			t.Cleanup(func() { srv.Close() })
			conn, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			fmt.Fprintf(conn, "POST /v1/messages HTTP/1.1\r\nHost: x\r\nX-Api-Key: %s\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"stream\":", testKey)
			conn.SetReadDeadline(time.Now().Add(time.Minute)) // a guard, not a bound under test
			br := bufio.NewReader(conn)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("no answer to a stalled body: %v", err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(body), "paused for more than 200ms") {
				t.Errorf("status %d for a body that stalled, want 408 saying so\n%s", resp.StatusCode, body)
			}
			if _, err := br.ReadByte(); err != io.EOF {
				t.Errorf("after the stalled body the connection stayed open (read: %v)", err)
			}
			if n := len(h.up.requests()); !streamed && n != 0 {
				t.Errorf("the upstream got %d requests from a body that never came", n)
			}
		})
	}
}
