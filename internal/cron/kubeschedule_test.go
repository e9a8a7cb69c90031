package cron

import (
	"errors"
	"testing"
)

// @every D becomes a cron expression only when one runs exactly every D;
// otherwise the error carries the nearest regular one, said to differ.
func TestKubeScheduleEveryNearest(t *testing.T) {
	exact := map[string]string{
		"@every 1m": "* * * * *", "@every 15m": "*/15 * * * *", "@every 1h": "0 * * * *",
		"@every 6h": "0 */6 * * *", "@every 24h": "0 0 * * *", "@every 168h": "0 0 * * 0",
	}
	for spec, want := range exact {
		if got, _, err := KubeSchedule(spec); err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", spec, got, err, want)
		}
	}
	near := map[string]string{
		"@every 45m": "0 * * * *", "@every 7m": "*/6 * * * *", "@every 30s": "* * * * *",
		"@every 90m": "0 */2 * * *", "@every 36h": "0 0 * * *", "@every 1000h": "0 0 * * 0",
	}
	for spec, want := range near {
		_, _, err := KubeSchedule(spec)
		var se *KubeScheduleError
		if !errors.As(err, &se) || se.Nearest != want {
			t.Errorf("%s: %v; want the nearest %q", spec, err, want)
		}
	}
}
