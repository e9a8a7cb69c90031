package wif

import (
	"context"
	"log/slog"
	"time"
)

// Test hooks for the external tests of this package (package wif_test),
// which resolve through the real resolver and so cannot be internal.

var (
	Diagnose401      = diagnose401
	AssumedLife      = assumedLife
	AssumedTokenLife = assumedTokenLife
)

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
