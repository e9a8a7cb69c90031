package wif

import (
	"context"
	"log/slog"
	"time"

	"github.com/hermes-agent/hermes/internal/identity"
)

// Test hooks for the external tests of this package (package wif_test),
// which resolve through the real resolver and so cannot be internal.

const AssumedTokenLife = assumedTokenLife

func Diagnose401(cfg Config, c *identity.Claims, src identity.Source, now time.Time) []string {
	return diagnose401(cfg, c, src, now)
}

func AssumedLife(claims *identity.Claims, now time.Time) time.Duration {
	return assumedLife(claims, now)
}

// SetSleep replaces the wait between exchange attempts.
func (s *Source) SetSleep(f func(context.Context, time.Duration) error) { s.x.sleep = f }

// SetTimeout bounds one exchange attempt.
func (s *Source) SetTimeout(d time.Duration) { s.x.timeout = d }

// WaitBackground waits for background refreshes to finish.
func (s *Source) WaitBackground() { s.bgs.Wait() }

// ExchangeWithoutCache runs one exchange for cfg with no identity source
// and no spent-assertion record.
func ExchangeWithoutCache(ctx context.Context, cfg Config) error {
	x := &exchanger{now: time.Now, sleep: sleepCtx, logger: slog.New(slog.DiscardHandler)}
	_, err := x.run(ctx, cfg, nil, newSpentSet(nil))
	return err
}

// HeldForTest returns a function that stores s's current token back as
// current, as a fetch racing with Invalidate would.
func HeldForTest(s *Source) func() {
	held := s.cur.Load()
	return func() { s.cur.Store(held) }
}
