package agent

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/hermes-agent/hermes/internal/exitcode"
	"github.com/hermes-agent/hermes/internal/models"
	"github.com/hermes-agent/hermes/internal/secret"
)

// APIError is an error answer from the Anthropic API, reduced to what is
// safe to show: status, error type, the server's message (secrets masked)
// and the request id to quote to support.
type APIError struct {
	StatusCode int
	Type       string
	Message    string
	RequestID  string
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("the Anthropic API answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Type != "" {
		msg += " (" + e.Type + ")"
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.RequestID != "" {
		msg += " [request-id " + e.RequestID + "]"
	}
	return msg
}

// IsAuth reports whether the API refused the credential.
func (e *APIError) IsAuth() bool {
	return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden
}

// ExitCode is 4 for a refused credential (see cmdutil.ExitCode), else 1.
func (e *APIError) ExitCode() int {
	if e.IsAuth() {
		return exitcode.Auth
	}
	return exitcode.Error
}

// sanitize masks anything credential-shaped and caps the length of text
// that came from the server.
func sanitize(s string) string { return secret.Outside(s) }

// apiError turns what the SDK returned into an error fit to show.
// Cancellation stays context.Canceled; errors from the credential layer
// (which say their own exit code) are wrapped, not rewritten.
func apiError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var ae *anthropic.Error
	if errors.As(err, &ae) {
		return &APIError{
			StatusCode: ae.StatusCode,
			Type:       string(ae.Type()),
			Message:    sanitize(ae.Message),
			RequestID:  ae.RequestID,
		}
	}
	var syntax *json.SyntaxError
	switch {
	case errors.Is(err, bufio.ErrTooLong):
		// The SDK's event-stream reader met a line longer than it reads:
		// not an answer the API sends (a proxy's page, a runaway body).
		return fmt.Errorf("calling the Anthropic API: the response is too large or not an event stream (a line longer than the reader's limit); check the base URL and any proxy in between")
	case errors.As(err, &syntax):
		return fmt.Errorf("calling the Anthropic API: the response is malformed JSON (%v at byte %d); check the base URL and any proxy in between", sanitize(syntax.Error()), syntax.Offset)
	}
	return fmt.Errorf("calling the Anthropic API: %w", err)
}

// refusedModel turns the API refusing the model itself (a retired model in
// a session, a cron job or HERMES_MODEL) into a models.UnavailableError,
// which says what to do; it still unwraps to the *APIError.
func refusedModel(err error, model string) error {
	var ae *APIError
	if errors.As(err, &ae) && models.Refuses(ae.StatusCode, ae.Type, ae.Message, model) {
		return &models.UnavailableError{Model: model, Err: err}
	}
	return err
}
