package identity

import (
	"context"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/hermes-agent/hermes/internal/exitcode"
	"github.com/hermes-agent/hermes/internal/secret"
)

// Options are the outside world a Source uses; zero values mean the real one.
type Options struct {
	Getenv func(string) string // nil: os.Getenv
	// HTTPClient is used for github-actions, gcp-metadata and azure-imds.
	// nil: a client with a 10 s timeout. Redirects are never followed,
	// whichever client is given.
	HTTPClient     *http.Client
	Now            func() time.Time // nil: time.Now
	CommandTimeout time.Duration    // 0: 30 s
}

const (
	defaultHTTPTimeout    = 10 * time.Second
	defaultCommandTimeout = 30 * time.Second
)

func (o Options) withDefaults() Options {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.CommandTimeout <= 0 {
		o.CommandTimeout = defaultCommandTimeout
	}
	o.HTTPClient = noRedirectClient(o.HTTPClient)
	return o
}

// noRedirectClient copies c (or a default client) with redirects turned
// off: a redirect could carry the request token to another host, and a
// 3xx is then reported as the failure it is.
func noRedirectClient(c *http.Client) *http.Client {
	var out http.Client
	if c != nil {
		out = *c
	} else {
		out.Timeout = defaultHTTPTimeout
	}
	out.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &out
}

// NewSource returns the Source cfg describes, after cfg.Validate.
func NewSource(cfg Config, opts Options) (Source, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	switch cfg.Source {
	case SourceFile:
		return &fileSource{path: cfg.Path, now: opts.Now}, nil
	case SourceEnv:
		return &envSource{name: cfg.Env, getenv: opts.Getenv, now: opts.Now}, nil
	case SourceCommand:
		argv, _ := splitCommand(cfg.Command) // checked by Validate
		return &commandSource{line: cfg.Command, argv: argv, timeout: opts.CommandTimeout, now: opts.Now}, nil
	default:
		return newHTTPSource(cfg, opts), nil
	}
}

// SourceError is a failure to obtain an identity token at all (no file
// variable, endpoint error, command failure). It never contains a token.
type SourceError struct {
	Source string
	Err    error
}

func (e *SourceError) Error() string { return "identity token from " + e.Source + ": " + e.Err.Error() }
func (e *SourceError) Unwrap() error { return e.Err }

// ExitCode makes cmdutil map it to exit 4: authentication is missing.
func (e *SourceError) ExitCode() int { return exitcode.Auth }

// accept is the gate every source's output passes: trimmed, size-checked
// and inspected; any error-level finding refuses it.
func accept(raw []byte, source string, now time.Time) (string, error) {
	if errs := Errors(Check(raw, source, now)); len(errs) > 0 {
		return "", &TokenError{Source: source, Findings: errs}
	}
	tok := strings.TrimSpace(string(raw))
	secret.Remember(tok) // in play: redacted by value from now on
	return tok, nil
}

// fileSource re-reads the file on every call, so rotation by a CI runner,
// a kubelet or a token agent is picked up.
type fileSource struct {
	path string
	now  func() time.Time
}

func (s *fileSource) Describe() string { return "file " + s.path }
func (s *fileSource) Mints() bool      { return false }

func (s *fileSource) Token(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	data, f := readTokenFile(s.path)
	if f != nil {
		return "", &TokenError{Source: s.Describe(), Findings: []Finding{*f}}
	}
	return accept(data, s.Describe(), s.now())
}

// envSource reads a variable on every call (the SDK's equivalent is
// ANTHROPIC_IDENTITY_TOKEN).
type envSource struct {
	name   string
	getenv func(string) string
	now    func() time.Time
}

func (s *envSource) Describe() string { return "env " + s.name }
func (s *envSource) Mints() bool      { return false }

func (s *envSource) Token(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	return accept([]byte(s.getenv(s.name)), s.Describe(), s.now())
}
