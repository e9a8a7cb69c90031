package wif_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/authstore"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/credential/resolve"
	"github.com/hermes-agent/hermes/internal/identity"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

// fakeClock is a settable clock shared by the issuer, the stand-in and
// the resolver.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Now()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// world is one test's outside world: an OIDC issuer, the Anthropic
// stand-in, a HERMES_HOME and an environment.
type world struct {
	t      *testing.T
	iss    *oidctest.Issuer
	api    *anthropictest.Server
	home   string
	vars   map[string]string
	stderr *bytes.Buffer
	now    func() time.Time
}

const testAPIKey = "sk-ant-api03-SENTINELkeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-0000000000AA"

func newWorld(t *testing.T, cfg anthropictest.Config, issOpts ...oidctest.Option) *world {
	t.Helper()
	w := &world{t: t, home: t.TempDir(), vars: map[string]string{}, stderr: &bytes.Buffer{}, now: time.Now}
	w.iss = oidctest.New(t, issOpts...)
	cfg.Issuer = w.iss
	if cfg.APIKeys == nil {
		cfg.APIKeys = []string{testAPIKey}
	}
	if cfg.Now != nil {
		w.now = cfg.Now
	}
	w.api = anthropictest.New(t, cfg)
	w.vars["ANTHROPIC_CONFIG_DIR"] = filepath.Join(w.home, "sdkconfig")
	w.vars["HOME"] = w.home
	return w
}

func (w *world) resolver() *resolve.Resolver {
	return &resolve.Resolver{
		Home:      w.home,
		Getenv:    func(k string) string { return w.vars[k] },
		Stderr:    w.stderr,
		Now:       w.now,
		UserAgent: "hermes/test",
	}
}

// tokenFile writes a fresh JWT to a file and returns its path.
func (w *world) tokenFile(c oidctest.Claims) string {
	w.t.Helper()
	path := filepath.Join(w.home, "token.jwt")
	w.writeJWT(path, w.iss.Mint(c))
	return path
}

func (w *world) writeJWT(path, jwt string) {
	w.t.Helper()
	if err := os.WriteFile(path, []byte(jwt+"\n"), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// configureWIF stores a WIF configuration pointing at the stand-in.
func (w *world) configureWIF(id identity.Config) {
	w.t.Helper()
	w.update(func(f *authstore.File) error {
		f.SetWIF(&authstore.WIF{
			FederationRuleID: anthropictest.DefaultRuleID,
			OrganizationID:   anthropictest.DefaultOrgID,
			BaseURL:          w.api.URL,
			IdentityToken:    id,
		})
		return nil
	})
}

func (w *world) addPool(e authstore.Entry) {
	w.t.Helper()
	w.update(func(f *authstore.File) error {
		_, err := f.AddEntry(e)
		return err
	})
}

func (w *world) update(fn func(*authstore.File) error) {
	w.t.Helper()
	if err := authstore.Open(w.home).Update(context.Background(), fn); err != nil {
		w.t.Fatal(err)
	}
}

// assertNoSecrets fails if any secret the stand-in knows, or extra,
// appears in s.
func (w *world) assertNoSecrets(s string, extra ...string) {
	w.t.Helper()
	for _, v := range append(w.api.Secrets(), extra...) {
		if v != "" && strings.Contains(s, v) {
			w.t.Fatalf("output contains a secret (%d bytes starting %.12q):\n%s", len(v), v, s)
		}
	}
}

func mustResolve(t *testing.T, r *resolve.Resolver) *credential.Runtime {
	t.Helper()
	rt, err := r.Resolve(context.Background())
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	return rt
}

func mustToken(t *testing.T, ts credential.TokenSource) credential.Token {
	t.Helper()
	tok, err := ts.Token(context.Background())
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	return tok
}

type exitCoder interface{ ExitCode() int }

func exitCode(err error) int {
	var ec exitCoder
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	return -1
}
