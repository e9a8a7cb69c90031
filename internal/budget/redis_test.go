package budget

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/redisstandin"
)

func startRedis(t *testing.T) *redisstandin.Server {
	t.Helper()
	srv, err := redisstandin.Start(t.TempDir())
	if errors.Is(err, redisstandin.ErrNotInstalled) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	return srv
}

// Two replicas (two clients of one real redis-server) add concurrently:
// the sum is exact and both see one budget spent.
func TestRedisReplicasShareOneBudget(t *testing.T) {
	srv := startRedis(t)
	// Redis expires keys by its own clock: the window must be today's, not
	// a fixed date's (whose keys Redis drops once that day has passed).
	at := time.Now()
	now := func() time.Time { return at }
	rules := []Rule{{Client: "*", Tokens: 500, Period: Day}}
	var replicas []*Enforcer
	for range 2 {
		s, err := OpenRedisStore(srv.URL(3))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		replicas = append(replicas, NewEnforcer(rules, s, false, now))
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Go(func() {
			if err := replicas[i%2].Record(ctx, KeyClient, Usage{Model: "claude-haiku-4-5", Input: 4, Output: 1}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for i, e := range replicas {
		ref := e.Check(ctx, KeyClient)
		if ref == nil || !ref.Spent {
			t.Errorf("replica %d does not see the shared budget spent", i)
		}
	}
	usage, err := replicas[1].Usage(ctx)
	if err != nil || len(usage) != 1 || usage[0].Tokens != 500*1 || usage[0].USD <= 0 {
		// 100 answers of 5 tokens.
		t.Fatalf("usage = %+v, %v", usage, err)
	}
	ttl, err := replicas[0].store.(*RedisStore).c.TTL(ctx, redisKey(Key{Client: KeyClient, Period: Day, Start: windowStart(Day, at)})).Result()
	if err != nil || ttl <= 0 {
		t.Errorf("the window's key has no expiry: %v, %v", ttl, err)
	}
}

func TestRedisUnreachableFailsClosedNamingTheStore(t *testing.T) {
	srv := startRedis(t)
	s, err := OpenRedisStore("redis://:hunter2-sentinel@" + srv.Addr + "/0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	e := NewEnforcer([]Rule{{Client: "*", USD: 1, Period: Day}}, s, false, nil)
	ref := e.Check(context.Background(), KeyClient)
	if ref == nil || ref.Spent {
		t.Fatalf("unreachable store: %v", ref)
	}
	if msg := ref.Error(); !strings.Contains(msg, srv.Addr) || strings.Contains(msg, "hunter2") {
		t.Errorf("message %q: want the store named, its password never", msg)
	}
	if err := s.Ping(context.Background()); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Ping = %v", err)
	}
}

func windowStart(p Period, t time.Time) time.Time {
	start, _ := p.Window(t)
	return start
}
