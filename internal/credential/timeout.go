package credential

import (
	"fmt"
	"os"
	"time"

	"github.com/hermes-agent/hermes/internal/exitcode"
	"github.com/hermes-agent/hermes/internal/secret"
)

// HTTPTimeoutEnv names the variable that bounds how long hermes waits for a
// server that has stopped answering: the token endpoint's answer, the API's
// response headers and each gap in a response body (default: 30 s for an
// exchange, 5 min for the API). A positive Go duration such as "90s"; any
// other value is a usage error (CheckHTTPTimeout, run by every command
// before it starts). Set it lower to give up sooner on a hung proxy,
// higher behind a slow one (tests set it to milliseconds).
const HTTPTimeoutEnv = "HERMES_HTTP_TIMEOUT"

// HTTPTimeout is HERMES_HTTP_TIMEOUT from getenv (nil: os.Getenv), or def
// when it is unset (or invalid: CheckHTTPTimeout has refused that already).
func HTTPTimeout(getenv func(string) string, def time.Duration) time.Duration {
	if getenv == nil {
		getenv = os.Getenv
	}
	if d, err := parseHTTPTimeout(getenv(HTTPTimeoutEnv)); err == nil && d > 0 {
		return d
	}
	return def
}

// CheckHTTPTimeout refuses a HERMES_HTTP_TIMEOUT that is set but is not a
// positive Go duration, so a typo is not silently replaced by the default.
func CheckHTTPTimeout(getenv func(string) string) error {
	if getenv == nil {
		getenv = os.Getenv
	}
	_, err := parseHTTPTimeout(getenv(HTTPTimeoutEnv))
	return err
}

// parseHTTPTimeout is 0 for an unset value.
func parseHTTPTimeout(v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, &TimeoutError{Value: v}
	}
	return d, nil
}

// TimeoutError is an invalid HERMES_HTTP_TIMEOUT: a usage error (exit 2).
type TimeoutError struct{ Value string }

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("%s=%q is not a valid timeout: use a positive Go duration such as 30s, 90s or 2m (or unset it for the defaults)", HTTPTimeoutEnv, secret.Truncate(secret.RedactShapes(e.Value), 100))
}

// ExitCode is 2: the environment, like a flag, is the caller's to fix.
func (e *TimeoutError) ExitCode() int { return exitcode.Usage }
