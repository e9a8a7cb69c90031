package wif

import (
	"fmt"
	"strings"
	"time"

	"github.com/hermes-agent/hermes/internal/exitcode"
)

// SpentAssertionError is returned when the identity-token source hands back
// an assertion hermes has already exchanged and no valid access token is
// cached: sending it again would only earn a 401 (assertions are single-use).
type SpentAssertionError struct {
	Source string    // non-secret description, e.g. "file /var/run/token"
	Mints  bool      // whether the source mints on demand
	Exp    time.Time // the JWT's exp, if known
}

func (e *SpentAssertionError) ExitCode() int { return exitcode.Auth }

func (e *SpentAssertionError) Error() string {
	what := "the identity token from " + e.Source
	fix := "the token file was not rotated: whatever writes it (kubelet, CI runner, your script) must write a fresh JWT before hermes can exchange again"
	if path, ok := strings.CutPrefix(e.Source, "file "); ok {
		fix = fmt.Sprintf("the token file %s was not rotated: whatever writes it (kubelet, CI runner, your script) must write a fresh JWT before hermes can exchange again", path)
	} else if e.Mints {
		fix = "the source returned the same JWT again; ask the identity provider for a new one"
	} else if !strings.HasPrefix(e.Source, "file ") {
		fix = "the token was not replaced: provide a fresh JWT"
	}
	msg := what + " was already exchanged once and an assertion is single-use, so hermes will not send it again; " + fix
	if !e.Exp.IsZero() {
		msg += fmt.Sprintf(" (the spent JWT expires at %s)", e.Exp.UTC().Format(time.RFC3339))
	}
	return msg
}

// PriorExchangeError is the failure of an earlier exchange of the same
// assertion, recorded on disk by an earlier hermes run: the assertion was
// not sent again (it is single-use), and the message is that run's.
type PriorExchangeError struct {
	Message string // the earlier ExchangeError's message, already redacted
	Code    int    // its exit code
}

func (e *PriorExchangeError) Error() string { return e.Message }

func (e *PriorExchangeError) ExitCode() int {
	if e.Code == 0 {
		return exitcode.Error
	}
	return e.Code
}
