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
		option.WithMiddleware(finalRedirect),
	}
	return anthropic.NewClient(append(base, opts...)...)
}

// finalRedirect makes an API redirect final for the SDK: the SDK retries
// every error without a response as a dropped connection, but a redirect
// answers the same way each time. It hands the SDK a response that says
// "do not retry" (x-should-retry: false) with the RedirectError itself, not
// the *url.Error around it, whose `Post "URL": ` prefix says nothing more.
func finalRedirect(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	res, err := next(req)
	var re *RedirectError
	if err == nil || !errors.As(err, &re) {
		return res, err
	}
	if res != nil && res.Body != nil {
		res.Body.Close()
	}
	return &http.Response{
		StatusCode: re.Status,
		Header:     http.Header{"X-Should-Retry": []string{"false"}},
		Body:       http.NoBody,
		Request:    req,
	}, re
}
