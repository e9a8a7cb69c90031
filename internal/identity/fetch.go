package identity

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	defaultGCEMetadataHost = "metadata.google.internal"
	defaultAzureIMDS       = "http://169.254.169.254"
)

// httpSource asks an identity provider's local endpoint for a fresh JWT on
// every call: GitHub Actions' OIDC endpoint, the GCE metadata server or
// Azure's instance metadata service.
type httpSource struct {
	kind     string
	audience string
	getenv   func(string) string
	client   *http.Client
	now      func() time.Time
}

func newHTTPSource(cfg Config, opts Options) *httpSource {
	client := opts.HTTPClient
	if cfg.Source != SourceGitHubActions && client.Transport == nil {
		client = withoutProxy(client)
	}
	return &httpSource{kind: cfg.Source, audience: cfg.audience(), getenv: opts.Getenv, client: client, now: opts.Now}
}

// withoutProxy returns a copy of c that connects directly. Metadata servers
// live on the VM's own link-local address: an HTTPS_PROXY set for the
// workload's outbound traffic cannot reach them and must not see the
// request. (GitHub's endpoint is a normal internet URL and keeps the proxy.)
func withoutProxy(c *http.Client) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	out := *c
	out.Transport = t
	return &out
}

func (s *httpSource) Mints() bool { return true }

func (s *httpSource) Describe() string {
	switch s.kind {
	case SourceGCPMetadata:
		return fmt.Sprintf("%s (host %s, audience %s)", s.kind, s.gcpHost(), s.audience)
	case SourceAzureIMDS:
		return fmt.Sprintf("%s (endpoint %s, audience %s)", s.kind, s.azureEndpoint(), s.audience)
	}
	return fmt.Sprintf("%s (audience %s)", s.kind, s.audience)
}

func (s *httpSource) gcpHost() string {
	if h := s.getenv("GCE_METADATA_HOST"); h != "" {
		return h
	}
	return defaultGCEMetadataHost
}

func (s *httpSource) azureEndpoint() string {
	if e := s.getenv("HERMES_AZURE_IMDS_ENDPOINT"); e != "" {
		return e
	}
	return defaultAzureIMDS
}

// request is one provider's way of asking: where, with which headers,
// which secret the request carries, and where the JWT is in the answer.
type request struct {
	url     *url.URL
	header  http.Header
	secret  string // the request's own credential, never shown
	extract func(body []byte) ([]byte, error)
}

func (s *httpSource) Token(ctx context.Context) (string, error) {
	var (
		req *request
		err error
	)
	switch s.kind {
	case SourceGitHubActions:
		req, err = s.githubRequest()
	case SourceGCPMetadata:
		req, err = s.gcpRequest()
	case SourceAzureIMDS:
		req, err = s.azureRequest()
	default:
		err = fmt.Errorf("unknown source kind %q", s.kind)
	}
	if err != nil {
		return "", &SourceError{Source: s.Describe(), Err: err}
	}
	body, err := s.get(ctx, req)
	if err != nil {
		return "", err
	}
	raw, err := req.extract(body)
	if err != nil {
		return "", &SourceError{Source: s.Describe(), Err: fmt.Errorf("GET %s: %w", displayURL(req.url), err)}
	}
	return accept(raw, s.Describe(), s.now())
}

// githubRequest follows GitHub's OIDC protocol: the runner gives the job a
// URL and a bearer token; the audience is added to the URL's own query.
func (s *httpSource) githubRequest() (*request, error) {
	rawURL, tok := s.getenv("ACTIONS_ID_TOKEN_REQUEST_URL"), s.getenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
	var missing []string
	if rawURL == "" {
		missing = append(missing, "ACTIONS_ID_TOKEN_REQUEST_URL")
	}
	if tok == "" {
		missing = append(missing, "ACTIONS_ID_TOKEN_REQUEST_TOKEN")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s not set: GitHub Actions sets them only in a job with `permissions: id-token: write`; add that to the workflow (and run inside GitHub Actions)",
			strings.Join(missing, " and "))
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, errors.New("ACTIONS_ID_TOKEN_REQUEST_URL is not an http(s) URL")
	}
	q := u.Query()
	q.Set("audience", s.audience)
	u.RawQuery = q.Encode()
	h := http.Header{}
	h.Set("Authorization", "bearer "+tok)
	h.Set("Accept", "application/json")
	return &request{url: u, header: h, secret: tok, extract: jsonField("value")}, nil
}

func (s *httpSource) gcpRequest() (*request, error) {
	host := s.gcpHost()
	if strings.ContainsAny(host, "/?#@ ") {
		return nil, errors.New("GCE_METADATA_HOST must be a host or host:port, without a scheme or path")
	}
	u := &url.URL{
		Scheme:   "http",
		Host:     host,
		Path:     "/computeMetadata/v1/instance/service-accounts/default/identity",
		RawQuery: url.Values{"audience": {s.audience}, "format": {"full"}}.Encode(),
	}
	h := http.Header{}
	h.Set("Metadata-Flavor", "Google")
	return &request{url: u, header: h, extract: func(b []byte) ([]byte, error) { return b, nil }}, nil
}

func (s *httpSource) azureRequest() (*request, error) {
	u, err := url.Parse(s.azureEndpoint())
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, errors.New("HERMES_AZURE_IMDS_ENDPOINT is not an http(s) URL")
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/metadata/identity/oauth2/token"
	u.RawQuery = url.Values{"api-version": {"2018-02-01"}, "resource": {s.audience}}.Encode()
	h := http.Header{}
	h.Set("Metadata", "true")
	return &request{url: u, header: h, extract: jsonField("access_token")}, nil
}

// jsonField extracts a string field from a JSON object body.
func jsonField(name string) func([]byte) ([]byte, error) {
	return func(body []byte) ([]byte, error) {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			return nil, fmt.Errorf("the response is not a JSON object with a %q field", name)
		}
		var v string
		if raw, ok := obj[name]; !ok || json.Unmarshal(raw, &v) != nil {
			return nil, fmt.Errorf("the response has no %q string field", name)
		}
		return []byte(v), nil
	}
}

// secrets are what an echoing server might repeat: the request token and
// the URL's query (GitHub's request URL carries its own parameters).
func (r *request) secrets() []string {
	out := []string{r.secret, r.url.RawQuery}
	for _, vs := range r.url.Query() {
		for _, v := range vs {
			out = append(out, v, url.QueryEscape(v))
		}
	}
	return out
}

// get performs the request with redirects off and the body capped. Errors
// show the URL as scheme://host/path only: the query and the request token
// may be secrets.
func (s *httpSource) get(ctx context.Context, r *request) ([]byte, error) {
	shown := displayURL(r.url)
	fail := func(format string, args ...any) error {
		return &SourceError{Source: s.Describe(), Err: fmt.Errorf("GET "+shown+": "+format, args...)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url.String(), nil)
	if err != nil {
		return nil, fail("cannot build the request")
	}
	req.Header = r.header
	resp, err := s.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("identity token from %s: %w", s.Describe(), ctx.Err())
		}
		return nil, fail("%s", outsideText(transportCause(err).Error(), r.secrets()...))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxReadBytes+1))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg := resp.Status
		if resp.StatusCode >= 300 && resp.StatusCode < 400 {
			msg += " (redirects are not followed)"
		}
		if t := outsideText(string(body), r.secrets()...); t != "" {
			msg += ": " + t
		}
		return nil, fail("%s", msg)
	}
	if err != nil {
		return nil, fail("reading the response: %s", outsideText(err.Error(), r.secrets()...))
	}
	if len(body) > maxReadBytes {
		return nil, fail("the response is larger than 1 MiB; an identity token is at most 16 KiB")
	}
	return body, nil
}

// transportCause drops *url.Error's wrapping, whose message repeats the
// full URL, query included.
func transportCause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return errors.New("timed out")
		}
		return ue.Err
	}
	return err
}

// displayURL is scheme://host/path: enough to recognise, nothing secret.
func displayURL(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}
