package agent

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// withBounds lowers the response bounds for one test.
func withBounds(t *testing.T, limit int64, idle time.Duration) {
	oldLimit, oldIdle := maxResponseBytes, responseIdleTimeout
	maxResponseBytes, responseIdleTimeout = limit, idle
	t.Cleanup(func() { maxResponseBytes, responseIdleTimeout = oldLimit, oldIdle })
}

// A server that starts a stream and then goes silent ends the request with
// a clear error; hermes (or a cron job) does not wait forever.
func TestStalledStreamEnds(t *testing.T) {
	withBounds(t, 64<<20, 50*time.Millisecond)
	s := newStub(t, func(wireRequest) stubReply { return stubReply{Block: true} })
	a := newAgent(t, bearerRuntime(s.URL), Config{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // backstop only
	defer cancel()
	conv := NewConversation(time.Now())
	_, err := a.Send(ctx, conv, "hi", nil)
	if !errors.Is(err, errStalled) {
		t.Fatalf("err = %v, want the stall error", err)
	}
	if len(conv.Messages) != 0 {
		t.Error("stalled turn kept in the conversation")
	}
}

// A server that never stops sending (here: an endless error body, which
// the SDK reads whole) is cut off at the response limit.
func TestHugeResponseIsCutOff(t *testing.T) {
	withBounds(t, 4<<10, time.Minute)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		chunk := []byte(strings.Repeat("x", 1<<10))
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	a := newAgent(t, bearerRuntime(srv.URL), Config{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // backstop only
	defer cancel()
	_, err := a.Send(ctx, NewConversation(time.Now()), "hi", nil)
	if !errors.Is(err, errTooLarge) {
		t.Fatalf("err = %v, want the size error", err)
	}
}
