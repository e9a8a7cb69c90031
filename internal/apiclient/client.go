// Package apiclient builds Anthropic SDK clients on a resolved credential
// (internal/credential's Runtime) and makes the small calls hermes needs
// (a credential check). It is the one place beside the agent, models and
// the gateway that links the SDK, so the credential core stays a leaf.
package apiclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/secret"
)

// New builds an SDK client on the runtime: the base URL and the
// runtime's HTTP client (whose transport adds the credential per request),
// with the SDK's environment defaults off and no credential option, so the
// SDK never adds a credential of its own nor picks one up from the
// environment. opts come last and may add headers, retries, middleware.
func New(rt *credential.Runtime, opts ...option.RequestOption) anthropic.Client {
	base := []option.RequestOption{
		option.WithoutEnvironmentDefaults(),
		option.WithBaseURL(rt.BaseURL),
		option.WithHTTPClient(rt.HTTPClient()),
		option.WithMiddleware(func(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
			return credentialErrors(rt.BaseURL, req, next)
		}),
	}
	return anthropic.NewClient(append(base, opts...)...)
}

// credentialErrors hands the SDK the credential layer's own errors
// without the *url.Error around them (its `Post "URL": ` prefix says
// nothing more), and makes the ones a retry cannot fix final: the SDK
// retries every error without a response as a dropped connection, but a
// redirect, a refused origin or a refused credential answer the same way
// each time. A final error comes with a response that says "do not retry"
// (x-should-retry: false); a temporary one (the token endpoint is down)
// is still retried. A transport failure (no answer at all) becomes an
// *UnreachableError, which says what to check.
func credentialErrors(baseURL string, req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	res, err := next(req)
	if err == nil {
		return res, nil
	}
	var (
		redirect    *credential.RedirectError
		origin      *credential.OriginError
		unavailable *credential.UnavailableError
		inner       error
		final       bool
	)
	switch {
	case errors.As(err, &redirect):
		inner, final = redirect, true
	case errors.As(err, &origin):
		inner, final = origin, true
	case errors.As(err, &unavailable):
		inner, final = unavailable, unavailable.Refused()
	default:
		return res, unreachable(baseURL, req, res, err)
	}
	if res != nil && res.Body != nil {
		res.Body.Close()
	}
	if !final {
		return nil, inner
	}
	status := http.StatusUnauthorized
	if redirect != nil {
		status = redirect.Status
	}
	return &http.Response{
		StatusCode: status,
		Header:     http.Header{"X-Should-Retry": []string{"false"}},
		Body:       http.NoBody,
		Request:    req,
	}, inner
}

// UnreachableError is an API request that got no answer: the connection
// could not be made (refused, DNS, TLS, proxy) or broke before a response.
// It says which request, which base URL and what to check, where Go's own
// error is only `Get "URL": dial tcp …`. Exit code 1; the SDK still
// retries it as a dropped connection.
type UnreachableError struct {
	Request string // "GET /v1/models"
	BaseURL string // without userinfo
	Err     error  // the transport's cause, without *url.Error's prefix
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("%s: cannot reach the Anthropic API at %s: %s; check the base URL (--base-url, ANTHROPIC_BASE_URL, or the one stored with the credential) and the network or proxy (HTTPS_PROXY) in between",
		e.Request, e.BaseURL, secret.Outside(e.Err.Error()))
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// unreachable turns a transport failure (a *url.Error without a response)
// into an *UnreachableError; the SDK still retries it as a dropped
// connection. Cancellation and deadlines stay as they are: the caller (an
// interrupt, a per-attempt timeout, the agent's idle bound) says what
// they mean.
func unreachable(baseURL string, req *http.Request, res *http.Response, err error) error {
	var ue *url.Error
	if res != nil || !errors.As(err, &ue) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return &UnreachableError{Request: req.Method + " " + req.URL.Path, BaseURL: secret.URL(baseURL), Err: ue.Err}
}
