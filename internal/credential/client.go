package credential

import (
	"errors"
	"net/http"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
)

// NewClient builds an SDK client on the runtime: the base URL and the
// runtime's HTTP client (whose transport adds the credential per request),
// with the SDK's environment defaults off and no credential option, so the
// SDK never adds a credential of its own nor picks one up from the
// environment. opts come last and may add headers, retries, middleware.
func (rt *Runtime) NewClient(opts ...option.RequestOption) anthropic.Client {
	base := []option.RequestOption{
		option.WithoutEnvironmentDefaults(),
		option.WithBaseURL(rt.BaseURL),
		option.WithHTTPClient(rt.HTTPClient()),
		option.WithMiddleware(credentialErrors),
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
// is still retried.
func credentialErrors(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	res, err := next(req)
	if err == nil {
		return res, nil
	}
	var (
		redirect    *RedirectError
		origin      *OriginError
		unavailable *UnavailableError
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
		return res, err
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
