package bot

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/hermes-agent/hermes/internal/secret"
)

// PlatformError is an error a platform's API answered.
type PlatformError struct {
	Platform, Method string
	Status           int    // HTTP status, 0 when the request failed
	Code             string // the platform's error ("ratelimited", "400")
	Description      string
	// RetryAfter is the platform's retry-after; 0 when it gave none.
	RetryAfter time.Duration
}

func (e *PlatformError) Error() string {
	s := fmt.Sprintf("%s %s: %s", e.Platform, e.Method, e.Code)
	if e.Description != "" {
		s += ": " + e.Description
	}
	if e.Status != 0 {
		s += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	return s
}

// Temporary reports whether trying again may help: rate limits and the
// platform's own failures, and requests that got no answer.
func (e *PlatformError) Temporary() bool {
	return e.Status == 0 || e.Status == 429 || e.Status >= 500
}

// maxRetryAfter bounds one wait for a platform's retry-after.
const maxRetryAfter = 60 * time.Second

// retryBackoff is the first back-off of retry (tests shorten it).
var retryBackoff = time.Second

// retry runs call until it succeeds, fails for good, or attempts are
// spent: a 429 waits the platform's retry-after, a 5xx or a failed
// request backs off (1 s, 2 s, 4 s…).
func retry(ctx context.Context, attempts int, call func() error) error {
	backoff := retryBackoff
	for i := 1; ; i++ {
		err := call()
		if err == nil || i >= attempts {
			return err
		}
		wait := backoff
		var pe *PlatformError
		if errors.As(err, &pe) {
			if !pe.Temporary() {
				return err
			}
			if pe.RetryAfter > 0 {
				wait = min(pe.RetryAfter, maxRetryAfter)
			}
		}
		backoff *= 2
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// Retryable reports whether err is a platform failure that may pass
// (a rate limit, an outage, no answer) rather than a refusal that will
// not (a chat that blocked the bot, a message Telegram cannot take).
func Retryable(err error) bool {
	var pe *PlatformError
	return errors.As(err, &pe) && pe.Temporary()
}

// requestError is a failed HTTP request without its URL (Telegram's
// carries the bot token in its path) and without any secret's shape.
func requestError(platform, method string, err error, secrets ...string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &PlatformError{Platform: platform, Method: method, Code: "request failed", Description: secret.RedactShapes(secret.Redact(err.Error(), secrets...), secrets...)}
}

// rememberSecrets masks values in every later log line and error.
func rememberSecrets(values ...string) {
	var set []string
	for _, v := range values {
		if v != "" {
			set = append(set, v)
		}
	}
	secret.Remember(set...)
}
