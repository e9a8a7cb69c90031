// Package credentialtest is the outside world of credential tests: an OIDC
// issuer, the Anthropic stand-in, a HERMES_HOME with its auth.json, an
// environment and a settable clock. The resolver's, the WIF source's and
// cmd/hermes's process tests share it; it imports neither the resolver nor
// the WIF source, so their own (internal) tests can use it without a cycle.
package credentialtest

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
	"github.com/hermes-agent/hermes/internal/identity"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

// APIKey is the API key every World's stand-in accepts. It is a sentinel:
// no output may contain it.
const APIKey = "sk-ant-api03-SENTINELkeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-0000000000AA"

// FakeClock is a settable clock shared by the issuer, the stand-in and
// the resolver.
type FakeClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewFakeClock starts at the real time.
func NewFakeClock() *FakeClock { return &FakeClock{t: time.Now()} }

func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// World is one test's outside world.
type World struct {
	T    *testing.T
	Iss  *oidctest.Issuer
	API  *anthropictest.Server
	Home string
	// Vars is the environment (HOME and ANTHROPIC_CONFIG_DIR set, under Home).
	Vars   map[string]string
	Stderr *bytes.Buffer
	Now    func() time.Time
	// Sources is the world's one process: what its resolvers share.
	Sources *credential.Sources
}

// NewWorld starts an issuer and a stand-in that trusts it (and accepts
// APIKey unless cfg names keys) in a fresh HERMES_HOME.
func NewWorld(t *testing.T, cfg anthropictest.Config, issOpts ...oidctest.Option) *World {
	t.Helper()
	w := &World{T: t, Home: t.TempDir(), Vars: map[string]string{}, Stderr: &bytes.Buffer{}, Now: time.Now, Sources: credential.NewSources()}
	w.Iss = oidctest.New(t, issOpts...)
	cfg.Issuer = w.Iss
	if cfg.APIKeys == nil {
		cfg.APIKeys = []string{APIKey}
	}
	if cfg.Now != nil {
		w.Now = cfg.Now
	}
	w.API = anthropictest.New(t, cfg)
	w.Vars["ANTHROPIC_CONFIG_DIR"] = filepath.Join(w.Home, "sdkconfig")
	w.Vars["HOME"] = w.Home
	return w
}

// Getenv reads Vars.
func (w *World) Getenv(k string) string { return w.Vars[k] }

// TokenFile writes a fresh JWT to a file and returns its path.
func (w *World) TokenFile(c oidctest.Claims) string {
	w.T.Helper()
	path := filepath.Join(w.Home, "token.jwt")
	w.WriteJWT(path, w.Iss.Mint(c))
	return path
}

// WriteJWT writes jwt (and a newline) to path, 0600.
func (w *World) WriteJWT(path, jwt string) {
	w.T.Helper()
	if err := os.WriteFile(path, []byte(jwt+"\n"), 0o600); err != nil {
		w.T.Fatal(err)
	}
}

// ConfigureWIF stores a WIF configuration pointing at the stand-in.
func (w *World) ConfigureWIF(id identity.Config) {
	w.T.Helper()
	w.Update(func(f *authstore.File) error {
		f.SetWIF(&authstore.WIF{
			FederationRuleID: anthropictest.DefaultRuleID,
			OrganizationID:   anthropictest.DefaultOrgID,
			BaseURL:          w.API.URL,
			IdentityToken:    id,
		})
		return nil
	})
}

// AddPool stores a pool entry.
func (w *World) AddPool(e authstore.Entry) {
	w.T.Helper()
	w.Update(func(f *authstore.File) error {
		_, err := f.AddEntry(e)
		return err
	})
}

// Update changes auth.json under its lock.
func (w *World) Update(fn func(*authstore.File) error) {
	w.T.Helper()
	if err := authstore.Open(w.Home).Update(context.Background(), fn); err != nil {
		w.T.Fatal(err)
	}
}

// AssertNoSecrets fails if any secret the stand-in knows, or extra,
// appears in s.
func (w *World) AssertNoSecrets(s string, extra ...string) {
	w.T.Helper()
	for _, v := range append(w.API.Secrets(), extra...) {
		if v != "" && strings.Contains(s, v) {
			w.T.Fatalf("output contains a secret (%d bytes starting %.12q):\n%s", len(v), v, s)
		}
	}
}

// MustToken is ts.Token or a fatal error.
func MustToken(t *testing.T, ts credential.TokenSource) credential.Token {
	t.Helper()
	tok, err := ts.Token(context.Background())
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	return tok
}

// ExitCode is the exit code err says it has, -1 when it says none.
func ExitCode(err error) int {
	var ec interface{ ExitCode() int }
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	return -1
}
