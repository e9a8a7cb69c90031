package credential

import (
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
	}
	return anthropic.NewClient(append(base, opts...)...)
}
