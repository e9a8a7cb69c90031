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

// withBounds lowers the response bounds of one agent.
func withBounds(cfg Config, limit int64, idle time.Duration) Config {
	cfg.bounds = responseBounds{maxBytes: limit, idle: idle}
	return cfg
}

// A server that starts a stream and then goes silent ends the request with
// a clear error; hermes (or a cron job) does not wait forever.
func TestStalledStreamEnds(t *testing.T) {
	t.Parallel()
	s := newStub(t, func(wireRequest) stubReply { return stubReply{Block: true} })
	a := newAgent(t, bearerRuntime(s.URL), withBounds(Config{}, 64<<20, 50*time.Millisecond))
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
	t.Parallel()
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
	a := newAgent(t, bearerRuntime(srv.URL), withBounds(Config{}, 4<<10, time.Minute))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // backstop only
	defer cancel()
	_, err := a.Send(ctx, NewConversation(time.Now()), "hi", nil)
	if !errors.Is(err, errTooLarge) {
		t.Fatalf("err = %v, want the size error", err)
	}
}
