package credential

import (
	"testing"
	"time"
)

func TestHTTPTimeout(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]time.Duration{"": time.Minute, "90s": 90 * time.Second, "250ms": 250 * time.Millisecond, "0": time.Minute, "-1s": time.Minute, "soon": time.Minute} {
		got := HTTPTimeout(func(k string) string {
			if k != HTTPTimeoutEnv {
				t.Errorf("read %s", k)
			}
			return v
		}, time.Minute)
		if got != want {
			t.Errorf("HERMES_HTTP_TIMEOUT=%q: %v, want %v", v, got, want)
		}
	}
}
