package anthropictest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hermes-agent/hermes/internal/anthropictest"
)

// The echo fault quotes the request's headers (the credential included)
// in its error, as a proxy like LiteLLM does; on the token endpoint the
// body too. Sentinel tests rely on the credential really being there.
func TestFaultEchoHeaders(t *testing.T) {
	_, srv := newPair(t)
	srv.Fault(anthropictest.AnyRoute, anthropictest.Fault{EchoHeaders: true, Status: http.StatusUnauthorized})
	r := do(t, http.MethodPost, srv.URL+"/v1/messages", apiHeader, helloBody)
	if r.status != http.StatusUnauthorized || errType(r) != "authentication_error" || !strings.Contains(r.raw, apiKey) {
		t.Errorf("messages: %d %q %s", r.status, errType(r), r.raw)
	}
	r = do(t, http.MethodPost, srv.URL+"/v1/oauth/token", map[string]string{"content-type": "application/json"}, `{"refresh_token":"s3ntinel-refresh-0123456789"}`)
	if !strings.Contains(r.raw, "s3ntinel-refresh-0123456789") {
		t.Errorf("token endpoint echo lacks the body: %s", r.raw)
	}
	srv.ClearFaults()
	srv.Fault("/v1/models", anthropictest.Fault{EchoHeaders: true})
	if r := do(t, http.MethodGet, srv.URL+"/v1/models", apiHeader, ""); r.status != http.StatusBadRequest || !strings.Contains(r.raw, apiKey) {
		t.Errorf("default status: %d %s", r.status, r.raw)
	}
}
