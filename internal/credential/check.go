package credential

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
)

// exitAuth is the spec's exit code for "authentication missing or refused".
// credential does not import cmdutil; errors say their code via ExitCode.
const exitAuth = 4

// requestIDer is implemented by token sources that mint through an
// exchange (WIF): the request-id of the exchange behind the current token.
type requestIDer interface{ LastRequestID() string }

// CheckResult is the outcome of a live check: one exchange if needed,
// then one authenticated API call.
type CheckResult struct {
	OK bool `json:"ok"`
	// ExchangeRequestID is the request-id of the exchange that minted the
	// token used (WIF only; may be from an earlier, cached exchange).
	ExchangeRequestID string    `json:"exchange_request_id,omitempty"`
	TokenExpiresAt    time.Time `json:"token_expires_at,omitzero"`
	APIStatus         int       `json:"api_status,omitempty"`
	APIRequestID      string    `json:"api_request_id,omitempty"`
	Error             string    `json:"error,omitempty"`
	err               error
}

// Err is the failure, for exit codes.
func (c *CheckResult) Err() error { return c.err }

// Check gets a token (exchanging if needed) and lists models with it.
func (rt *Runtime) Check(ctx context.Context) *CheckResult {
	res := &CheckResult{}
	fail := func(err error) *CheckResult {
		res.err, res.Error = err, err.Error()
		return res
	}
	tok, err := rt.Tokens.Token(ctx)
	if err != nil {
		return fail(err)
	}
	res.TokenExpiresAt = tok.Expiry
	if s, ok := rt.Tokens.(requestIDer); ok {
		res.ExchangeRequestID = s.LastRequestID()
	}
	var resp *http.Response
	client := rt.NewClient(option.WithMaxRetries(0))
	_, err = client.Models.List(ctx, anthropic.ModelListParams{}, option.WithResponseInto(&resp))
	if resp != nil {
		res.APIStatus = resp.StatusCode
		res.APIRequestID = resp.Header.Get("Request-Id")
	}
	if err != nil {
		var ae *anthropic.Error
		if errors.As(err, &ae) {
			msg := fmt.Sprintf("GET /v1/models: status %d", ae.StatusCode)
			if res.APIRequestID != "" {
				msg += " (request-id " + res.APIRequestID + ")"
			}
			e := errors.New(msg)
			if ae.StatusCode == http.StatusUnauthorized || ae.StatusCode == http.StatusForbidden {
				e = &authRefused{msg}
			}
			return fail(e)
		}
		return fail(err)
	}
	res.OK = true
	return res
}

type authRefused struct{ msg string }

func (e *authRefused) Error() string { return e.msg }
func (e *authRefused) ExitCode() int { return exitAuth }
