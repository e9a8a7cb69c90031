package credential

import (
	"os"
	"time"
)

// HTTPTimeoutEnv names the variable that bounds how long hermes waits for a
// server that has stopped answering: the token endpoint's answer, the API's
// response headers and each gap in a response body (default: 30 s for an
// exchange, 5 min for the API). A Go duration such as "90s"; an unparsable
// or non-positive value is ignored. Set it lower to give up sooner on a
// hung proxy, higher behind a slow one (tests set it to milliseconds).
const HTTPTimeoutEnv = "HERMES_HTTP_TIMEOUT"

// HTTPTimeout is HERMES_HTTP_TIMEOUT from getenv (nil: os.Getenv), or def.
func HTTPTimeout(getenv func(string) string, def time.Duration) time.Duration {
	if getenv == nil {
		getenv = os.Getenv
	}
	if d, err := time.ParseDuration(getenv(HTTPTimeoutEnv)); err == nil && d > 0 {
		return d
	}
	return def
}
