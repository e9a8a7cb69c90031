// Package wiftest is the world the soak tests share: the real WIF token
// source under churn (short-lived tokens, a fresh identity token per
// fetch, a rotating signing key), and the measures a soak takes of itself.
// It is for tests only.
package wiftest

import (
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/credential/wif"
	"github.com/hermes-agent/hermes/internal/identity"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

// TokenTTL is the lifetime of every token the churn's stand-in mints: the
// WIF source refreshes at half-life, so about every 1.5 s.
const TokenTTL = 3 * time.Second

// keyRotation is the issuer's signing-key cadence: the stand-in must
// refetch the JWKS as the soak runs.
const keyRotation = 2 * time.Second

// Churn is an OIDC issuer that rotates its signing key, a stand-in API
// minting tokens that live TokenTTL, and the real WIF source (disk cache
// and spent-assertion record included) whose identity tokens come fresh
// per fetch from a GitHub Actions-style endpoint, as in CI.
type Churn struct {
	Issuer *oidctest.Issuer
	API    *anthropictest.Server
	Source *wif.Source

	stop, stopped chan struct{}
}

// NewChurn starts the churn; Close stops it.
func NewChurn(t testing.TB) *Churn {
	t.Helper()
	iss := oidctest.New(t)
	c := &Churn{
		Issuer:  iss,
		API:     anthropictest.New(t, anthropictest.Config{Issuer: iss, TokenTTL: TokenTTL}),
		stop:    make(chan struct{}),
		stopped: make(chan struct{}),
	}
	actionsURL, actionsToken := iss.GitHubActions()
	env := map[string]string{"ACTIONS_ID_TOKEN_REQUEST_URL": actionsURL, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": actionsToken}
	src, err := wif.New(wif.Config{
		FederationRuleID: anthropictest.DefaultRuleID,
		OrganizationID:   anthropictest.DefaultOrgID,
		BaseURL:          c.API.URL,
		Identity:         identity.Config{Source: identity.SourceGitHubActions},
	}, wif.Options{Home: filepath.Join(t.TempDir(), "wif"), Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	c.Source = src
	go func() {
		defer close(c.stopped)
		tick := time.NewTicker(keyRotation) // the issuer's cadence, not synchronisation
		defer tick.Stop()
		for {
			select {
			case <-c.stop:
				return
			case <-tick.C:
				if _, err := iss.RotateKey(); err != nil {
					t.Error(err)
				}
			}
		}
	}()
	return c
}

// Close stops the key rotation and closes the stand-ins; idle connections
// to them (the source's, a gateway's) end with them.
func (c *Churn) Close() {
	close(c.stop)
	<-c.stopped
	c.API.Close()
	c.Issuer.Close()
}

// Windows is how many refresh windows fit in elapsed: the exchanges a
// soak of that length should need, besides injected 401s.
func Windows(elapsed time.Duration) int { return int(elapsed / (TokenTTL / 2)) }

// GoroutinesBackToWithin waits (at most d) for the goroutine count to fall
// to n: closed connections' goroutines exit asynchronously. A soak passes
// its own measured length, so a loaded machine's slower teardown is not
// taken for a leak.
func GoroutinesBackToWithin(n int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if runtime.NumGoroutine() <= n {
			return true
		}
		runtime.Gosched()
		time.Sleep(20 * time.Millisecond) // polling a count, not ordering events
	}
	return false
}

// Percentile is the p-quantile of d (0 for none), rounded for a log line.
func Percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))].Round(10 * time.Microsecond)
}
