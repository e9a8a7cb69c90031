package resolve

import (
	"context"
	"testing"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/credential/credentialtest"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

// The outside world of these tests is credentialtest's (shared with the
// WIF source's tests and cmd/hermes's process tests); this file adds the
// resolver on it.

type world struct{ *credentialtest.World }

const testAPIKey = credentialtest.APIKey

var (
	mustToken = credentialtest.MustToken
	exitCode  = credentialtest.ExitCode
)

func newWorld(t *testing.T, cfg anthropictest.Config, issOpts ...oidctest.Option) *world {
	t.Helper()
	return &world{credentialtest.NewWorld(t, cfg, issOpts...)}
}

func (w *world) resolver() *Resolver {
	return &Resolver{
		Home:      w.Home,
		Getenv:    w.Getenv,
		Stderr:    w.Stderr,
		Now:       w.Now,
		UserAgent: "hermes/test",
		Sources:   w.Sources,
	}
}

func mustResolve(t *testing.T, r *Resolver) *credential.Runtime {
	t.Helper()
	rt, err := r.Resolve(context.Background())
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	return rt
}
