package models

import (
	"fmt"
	"net/http"
	"strings"
)

// UnavailableError is a model the API refused (404 not_found_error, or a
// 400 naming the model): most often a retired model stored in a session, a
// cron job or HERMES_MODEL. Its text says what to do about it.
type UnavailableError struct {
	Model string // the refused model
	// Default is the model hermes uses without -m (DefaultModel, or
	// HERMES_MODEL when that is not the refused one).
	Default string
	// Job, when set, is the cron job that named Model.
	Job string
	// Err is the API's answer (status, type, message, request id).
	Err error
}

func (e *UnavailableError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the Anthropic API refused the model %q: it may be retired, misspelt, or not offered to this credential", e.Model)
	if r, ok := Retirement(e.Model); ok {
		fmt.Fprintf(&b, " (its end-of-life is %s; Anthropic's replacement is %s)", r.Date(), r.Replacement)
	}
	use := e.Suggestion()
	fmt.Fprintf(&b, ".\nThe default hermes would use is %s", e.defaultModel())
	if use == "" {
		// The default itself was refused and nothing is known to replace
		// it: never suggest the refused model back.
		use = "MODEL"
		b.WriteString(", the refused model itself: pick one from `hermes models`")
	}
	b.WriteString(". To choose a model:\n")
	fmt.Fprintf(&b, "  for this run:      hermes chat -m %s   (or set HERMES_MODEL)\n", use)
	fmt.Fprintf(&b, "  for this session:  /model %s\n", use)
	job := e.Job
	if job == "" {
		job = "NAME"
	}
	fmt.Fprintf(&b, "  for a cron job:    hermes cron edit %s --model %s\n", job, use)
	b.WriteString("`hermes models` lists the models your credential can use.")
	if e.Err != nil {
		fmt.Fprintf(&b, "\n(%v)", e.Err)
	}
	return b.String()
}

func (e *UnavailableError) Unwrap() error { return e.Err }

// ExitCode is 1: the credential works, the model does not.
func (e *UnavailableError) ExitCode() int { return 1 }

func (e *UnavailableError) defaultModel() string {
	if e.Default != "" {
		return e.Default
	}
	return DefaultModel
}

// Suggestion is the model to switch to: the default, unless that is the
// refused model itself, then the known replacement, then the built-in
// default; "" when all of those are the refused model (nothing to offer).
func (e *UnavailableError) Suggestion() string {
	if d := e.defaultModel(); d != e.Model {
		return d
	}
	if r, ok := Retirement(e.Model); ok {
		return r.Replacement
	}
	if e.Model != DefaultModel {
		return DefaultModel
	}
	return ""
}

// Refuses reports whether an API error answer means the model itself was
// refused: 404 not_found_error on a messages call, or a 400 whose message
// names the model.
func Refuses(status int, errType, message, model string) bool {
	switch {
	case model == "":
		return false
	case status == http.StatusNotFound:
		// A 404 about a route (a wrong base URL or path prefix) or that
		// is not the API's own answer (a proxy's page) is not about the
		// model, unless it names it.
		if strings.Contains(message, model) {
			return true
		}
		return errType == "not_found_error" && !strings.Contains(message, "/v1/")
	case status == http.StatusBadRequest:
		return strings.Contains(message, model)
	}
	return false
}
