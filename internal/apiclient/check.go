package apiclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/exitcode"
)

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
func Check(ctx context.Context, rt *credential.Runtime) *CheckResult {
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
	// A 429 or 529 once is not a failed check; a hung or runaway server is.
	client := NewSmallCall(rt)
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
		return fail(SmallCallError(ctx, "GET /v1/models", err))
	}
	res.OK = true
	return res
}

// A small call is an API request whose answer is small (a model list,
// one model, a credential check). Each attempt is bounded in time and size,
// so a hung or runaway server fails it instead of hanging hermes.
const (
	// smallCallTimeout bounds one attempt (the SDK's default, 10 minutes,
	// is meant for long answers); HERMES_HTTP_TIMEOUT wins.
	smallCallTimeout = 30 * time.Second
	// smallCallMaxBody bounds one answer: a models page is a few hundred
	// KiB at most.
	smallCallMaxBody = 8 << 20
)

var errBodyTooLarge = fmt.Errorf("the response is larger than %d MiB: not the Anthropic API? (check the base URL)", smallCallMaxBody>>20)

// NewSmallCall is rt's client for small calls: retried as every
// other path is (429 and 529, retry-after honoured), each attempt bounded.
func NewSmallCall(rt *credential.Runtime) anthropic.Client {
	return New(rt, option.WithMaxRetries(2),
		option.WithRequestTimeout(credential.HTTPTimeout(nil, smallCallTimeout)),
		option.WithMiddleware(limitBody(smallCallMaxBody)))
}

// SmallCallError says which small call hit which bound (a timeout or an
// oversized answer); any other error, or one of a context the caller
// ended, is returned as it is.
func SmallCallError(ctx context.Context, request string, err error) error {
	switch {
	case ctx.Err() != nil:
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: no answer within %s (%s)", request, credential.HTTPTimeout(nil, smallCallTimeout), credential.HTTPTimeoutEnv)
	case errors.Is(err, errBodyTooLarge):
		return fmt.Errorf("%s: %w", request, errBodyTooLarge)
	}
	return err
}

// limitBody fails reading a response body past n bytes with
// errBodyTooLarge (a body of exactly n bytes is read whole).
func limitBody(n int64) option.Middleware {
	return func(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		resp, err := next(req)
		if err == nil && resp.Body != nil {
			resp.Body = tooLargeBody{http.MaxBytesReader(nil, resp.Body, n)}
		}
		return resp, err
	}
}

// tooLargeBody says what a body past the bound means here: not the API.
type tooLargeBody struct{ io.ReadCloser }

func (b tooLargeBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		err = errBodyTooLarge
	}
	return n, err
}

type authRefused struct{ msg string }

func (e *authRefused) Error() string { return e.msg }
func (e *authRefused) ExitCode() int { return exitcode.Auth }
