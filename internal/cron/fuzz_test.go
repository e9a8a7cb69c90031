package cron

import (
	"errors"
	"testing"
	"time"
)

// FuzzParseSchedule feeds arbitrary cron specs to ParseSchedule: it never
// panics (robfig panics on some inputs; we guard them), a refusal is a
// *ScheduleError naming the spec, and an accepted schedule fires strictly
// later than now, no more often than MinInterval apart.
func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{
		"*/5 * * * *", "0 9 * * 1-5", "@hourly", "@daily", "@every 1h", "@every 1s", "@every -5m", "@every 0s",
		"CRON_TZ=Europe/Berlin 0 9 * * *", "TZ=UTC @daily", "CRON_TZ=", "TZ=Nowhere/Zone 0 0 * * *",
		"0 0 30 2 *", "60 * * * *", "* * * * * *", "", "   ", "@reboot", "@every", "0 0 * * 8", "1-0 * * * *",
	} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 4, 15, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, spec string) {
		s, err := ParseSchedule(spec, now)
		if err != nil {
			var se *ScheduleError
			if !errors.As(err, &se) {
				t.Fatalf("ParseSchedule(%q): %T %v, want *ScheduleError", spec, err, err)
			}
			return
		}
		next := s.Next(now)
		if !next.After(now) {
			t.Fatalf("ParseSchedule(%q).Next(now) = %v, not after %v", spec, next, now)
		}
		if after := s.Next(next); !after.IsZero() && after.Sub(next) < MinInterval && after.Sub(next) < time.Minute {
			t.Fatalf("ParseSchedule(%q) fires %v apart", spec, after.Sub(next))
		}
	})
}
