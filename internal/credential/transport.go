package credential

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// Transport is the one http.RoundTripper every hermes HTTP client uses to
// talk to the Anthropic API. It strips whatever credential headers the
// request carries, sets the resolved one, and refuses to send a credential
// to any origin but the runtime's.
type Transport struct {
	Runtime *Runtime
	// Base carries the request; nil means http.DefaultTransport.
	Base http.RoundTripper

	// The runtime's origin, parsed once: the gateway asks per request.
	originOnce sync.Once
	origin     *url.URL
	originErr  error
}

// Transport wraps base (nil: http.DefaultTransport) with the credential.
func (rt *Runtime) Transport(base http.RoundTripper) http.RoundTripper {
	return &Transport{Runtime: rt, Base: base}
}

func (t *Transport) base() http.RoundTripper {
	if t.Base != nil {
		return t.Base
	}
	return http.DefaultTransport
}

// OriginError is returned when a request would carry the credential to an
// origin other than the resolved base URL's.
type OriginError struct{ Want, Got string }

func (e *OriginError) Error() string {
	return fmt.Sprintf("refusing to send the Anthropic credential to %s: only %s receives it", e.Got, e.Want)
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.checkOrigin(req.URL); err != nil {
		closeBody(req)
		return nil, err
	}
	tok, err := t.Runtime.Tokens.Token(req.Context())
	if err != nil {
		closeBody(req)
		if req.Context().Err() != nil {
			return nil, err
		}
		return nil, &UnavailableError{Err: err}
	}
	resp, err := t.base().RoundTrip(t.authorize(req, tok.Value))
	if err == nil && isRedirect(resp.StatusCode) {
		return nil, redirectError(req.URL, resp)
	}
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	inv, ok := t.Runtime.Tokens.(Invalidator)
	if !ok {
		return resp, nil
	}
	// The server refused this token (revoked, expired early, clock skew):
	// drop exactly it, so the next request gets a fresh one even when this
	// one cannot be replayed, and retry once with whatever the source gives now.
	inv.Invalidate(tok.Value)
	if !replayable(req) {
		return resp, nil
	}
	fresh, terr := t.Runtime.Tokens.Token(req.Context())
	if terr != nil || fresh.Value == tok.Value {
		return resp, nil
	}
	retry, berr := rewind(req)
	if berr != nil {
		return resp, nil
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return t.base().RoundTrip(t.authorize(retry, fresh.Value))
}

// RedirectError is an API answer with a redirect. hermes never follows
// one (it could carry the credential elsewhere, and the Anthropic API does
// not redirect), and says so rather than failing later on a body that is
// not what the caller expected.
type RedirectError struct {
	Status int
	Origin string // scheme://host of the Location, "" when none was given
}

func (e *RedirectError) Error() string {
	to := ""
	if e.Origin != "" {
		to = " to " + e.Origin
	}
	return fmt.Sprintf("the API answered with a redirect%s (status %d), which hermes does not follow — check the base URL", to, e.Status)
}

func isRedirect(status int) bool {
	return status >= 300 && status < 400 && status != http.StatusNotModified
}

// redirectError closes resp and describes it. Only the Location's origin
// is kept: its path or query could carry anything.
func redirectError(from *url.URL, resp *http.Response) *RedirectError {
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	e := &RedirectError{Status: resp.StatusCode}
	if loc := resp.Header.Get("Location"); loc != "" {
		if u, err := from.Parse(loc); err == nil && u.Host != "" {
			e.Origin = u.Scheme + "://" + u.Host
		}
	}
	return e
}

// authorize returns a copy of req carrying exactly the credential value.
func (t *Transport) authorize(req *http.Request, value string) *http.Request {
	r := req.Clone(req.Context())
	r.Header.Del("X-Api-Key")
	r.Header.Del("Authorization")
	switch t.Runtime.Mode {
	case ModeAPIKey:
		r.Header.Set("X-Api-Key", value)
	default:
		// A bearer token is already workspace-scoped; the header would be
		// ignored at best and confusing at worst.
		r.Header.Del("Anthropic-Workspace-Id")
		r.Header.Set("Authorization", "Bearer "+value)
		r.Header.Set("Anthropic-Beta", MergeBeta(r.Header.Values("Anthropic-Beta"), OAuthBeta))
	}
	return r
}

func (t *Transport) checkOrigin(u *url.URL) error {
	t.originOnce.Do(func() {
		t.origin, t.originErr = url.Parse(t.Runtime.BaseURL)
	})
	want, err := t.origin, t.originErr
	if err != nil {
		return fmt.Errorf("invalid base URL %q: %w", t.Runtime.BaseURL, err)
	}
	if !strings.EqualFold(want.Scheme, u.Scheme) || !strings.EqualFold(CanonicalHost(want), CanonicalHost(u)) {
		return &OriginError{Want: want.Scheme + "://" + want.Host, Got: u.Scheme + "://" + u.Host}
	}
	return nil
}

// CanonicalHost is host:port with the scheme's default port made
// explicit, so two spellings of one origin compare equal.
func CanonicalHost(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return u.Host + ":443"
	case "http":
		return u.Host + ":80"
	}
	return u.Host
}

// MergeBeta joins anthropic-beta header values (each possibly a comma
// list) and adds want unless already present; order is kept, duplicates go.
func MergeBeta(values []string, want ...string) string {
	seen := map[string]bool{}
	var out []string
	add := func(v string) {
		v = strings.TrimSpace(v)
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			add(part)
		}
	}
	for _, w := range want {
		add(w)
	}
	return strings.Join(out, ",")
}

func replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

func rewind(req *http.Request) (*http.Request, error) {
	r := req.Clone(req.Context())
	if req.Body == nil || req.Body == http.NoBody {
		return r, nil
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, err
	}
	r.Body = body
	return r, nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
