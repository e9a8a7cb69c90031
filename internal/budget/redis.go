package budget

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisStore keeps the counters in Redis so that every gateway replica
// pointed at it enforces one budget. Each window is a hash per client
// (fields t: tokens, n: nano-USD) incremented with HINCRBY in one
// MULTI/EXEC, and a set of the window's clients for listing; both expire
// an hour after the window ends.
type RedisStore struct {
	c    *redis.Client
	desc string
}

// redisTimeout bounds one store operation: a request waits at most this
// long on an unreachable Redis before the fail policy applies.
const redisTimeout = 2 * time.Second

// OpenRedisStore connects lazily to a redis://HOST:PORT/DB URL (rediss://
// for TLS; a password in the URL is used, never shown).
func OpenRedisStore(rawURL string) (*RedisStore, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return nil, fmt.Errorf("--budget-store %q: want redis://HOST:PORT/DB (or rediss:// for TLS)", redactURL(rawURL))
	}
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("--budget-store %s: %v", redactURL(rawURL), strings.ReplaceAll(err.Error(), rawURL, redactURL(rawURL)))
	}
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = redisTimeout, redisTimeout, redisTimeout
	opts.MaxRetries = 1
	// No client-side identity or maintenance-notification handshakes a
	// plain redis-server may not know.
	opts.DisableIdentity = true
	// The client's own log lines go to stderr; its errors come back to
	// the gateway, which says them once, in its log.
	quietOnce.Do(func() { redis.SetLogger(quietLogger{}) })
	return &RedisStore{c: redis.NewClient(opts), desc: redactURL(rawURL)}, nil
}

var quietOnce sync.Once

type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	u.User = url.User("xxxxx")
	return u.String()
}

const redisPrefix = "hermes:budget:v1:"

func redisKey(k Key) string {
	return redisPrefix + string(k.Period) + ":" + strconv.FormatInt(k.Start.Unix(), 10) + ":" + k.Client
}

func redisIndex(p Period, start time.Time) string {
	return redisPrefix + "clients:" + string(p) + ":" + strconv.FormatInt(start.Unix(), 10)
}

// expiry keeps a window's keys an hour past its end (clock skew between
// replicas), then Redis drops them.
func expiry(k Key) time.Time { return k.end().Add(time.Hour) }

func (s *RedisStore) Get(ctx context.Context, keys []Key) ([]Spend, error) {
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	cmds := make([]*redis.SliceCmd, len(keys))
	_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.HMGet(ctx, redisKey(k), "t", "n")
		}
		return nil
	})
	if err != nil {
		return nil, s.wrap(err)
	}
	out := make([]Spend, len(keys))
	for i, c := range cmds {
		out[i] = spendOf(c.Val())
	}
	return out, nil
}

func spendOf(vals []any) Spend {
	num := func(v any) int64 {
		str, _ := v.(string)
		n, _ := strconv.ParseInt(str, 10, 64)
		return n
	}
	if len(vals) < 2 {
		return Spend{}
	}
	return Spend{Tokens: num(vals[0]), NanoUSD: num(vals[1])}
}

func (s *RedisStore) Add(ctx context.Context, keys []Key, add Spend) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), redisTimeout)
	defer cancel()
	_, err := s.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			key, idx := redisKey(k), redisIndex(k.Period, k.Start)
			p.HIncrBy(ctx, key, "t", add.Tokens)
			p.HIncrBy(ctx, key, "n", add.NanoUSD)
			p.ExpireAt(ctx, key, expiry(k))
			p.SAdd(ctx, idx, k.Client)
			p.ExpireAt(ctx, idx, expiry(k))
		}
		return nil
	})
	return s.wrap(err)
}

func (s *RedisStore) List(ctx context.Context, period Period, start time.Time) (map[string]Spend, error) {
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	clients, err := s.c.SMembers(ctx, redisIndex(period, start)).Result()
	if err != nil {
		return nil, s.wrap(err)
	}
	keys := make([]Key, len(clients))
	for i, c := range clients {
		keys[i] = Key{Client: c, Period: period, Start: start}
	}
	spends, err := s.Get(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Spend, len(clients))
	for i, c := range clients {
		out[c] = spends[i]
	}
	return out, nil
}

func (s *RedisStore) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	return s.wrap(s.c.Ping(ctx).Err())
}

func (s *RedisStore) Describe() string { return s.desc }
func (s *RedisStore) Close() error     { return s.c.Close() }

// wrap names the store in an error, never its password.
func (s *RedisStore) wrap(err error) error {
	if err == nil || err == redis.Nil {
		return nil
	}
	return fmt.Errorf("budget store %s: %w", s.desc, err)
}
