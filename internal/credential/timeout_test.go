package credential

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/exitcode"
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

// A set but invalid HERMES_HTTP_TIMEOUT is a usage error naming the
// variable, the value and the accepted format; unset or valid is fine.
func TestCheckHTTPTimeout(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"", "30s", "2m", "1h30m", "250ms"} {
		if err := CheckHTTPTimeout(func(string) string { return v }); err != nil {
			t.Errorf("HERMES_HTTP_TIMEOUT=%q: %v, want nil", v, err)
		}
	}
	for _, v := range []string{"abc", "-5s", "0", "0s", "30", " 30s", "30 s"} {
		err := CheckHTTPTimeout(func(string) string { return v })
		var te *TimeoutError
		if !errors.As(err, &te) {
			t.Errorf("HERMES_HTTP_TIMEOUT=%q: %v, want *TimeoutError", v, err)
			continue
		}
		msg := err.Error()
		for _, s := range []string{"HERMES_HTTP_TIMEOUT=" + `"` + v + `"`, "Go duration", "30s", "2m"} {
			if !strings.Contains(msg, s) {
				t.Errorf("HERMES_HTTP_TIMEOUT=%q: %q lacks %q", v, msg, s)
			}
		}
		if got := exitcode.Of(err); got != exitcode.Usage {
			t.Errorf("HERMES_HTTP_TIMEOUT=%q: exit code %d, want %d", v, got, exitcode.Usage)
		}
	}
}
