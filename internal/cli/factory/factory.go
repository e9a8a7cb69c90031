// Package factory builds the cmdutil.Factory of the real process with its
// credential layer wired in, as the GitHub CLI's factory package does. It
// is the one place that ties commands to internal/credential/resolve.
package factory

import (
	"context"
	"io"
	"log/slog"

	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/credential/resolve"
)

// New returns the factory of the real process.
func New() *cmdutil.Factory {
	f := cmdutil.New()
	Wire(f)
	return f
}

// Wire sets f.Resolve and f.SecretPaths to a resolver built from f's
// current settings (environment, --base-url, --credential) per call, all
// sharing f.Sources.
func Wire(f *cmdutil.Factory) {
	f.Resolve = func(ctx context.Context) (*credential.Runtime, error) {
		return Resolver(f).Resolve(ctx)
	}
	f.SecretPaths = func() []string { return Resolver(f).SecretPaths() }
	f.SecretEnv = func() []string { return Resolver(f).SecretEnv() }
}

// ResolveQuietly resolves like f.Resolve without a notice or a log line:
// shell completion must print nothing.
func ResolveQuietly(f *cmdutil.Factory) func(context.Context) (*credential.Runtime, error) {
	return func(ctx context.Context) (*credential.Runtime, error) {
		r := Resolver(f)
		r.Stderr = io.Discard
		r.Logger = slog.New(slog.DiscardHandler)
		return r.Resolve(ctx)
	}
}

// Resolver is the credential resolver for f's current settings.
func Resolver(f *cmdutil.Factory) *resolve.Resolver {
	home, _ := f.HermesHome()
	return &resolve.Resolver{
		Home:       home,
		Getenv:     f.Getenv,
		Stderr:     f.IO.ErrOut,
		BaseURL:    f.BaseURL,
		Credential: f.Credential,
		Now:        f.Now,
		UserAgent:  "hermes/" + cmdutil.BuildVersion(),
		Logger:     f.Logger(),
		Verbose:    f.Verbose,
		Sources:    f.Sources,
	}
}
