// Package oidctest gives tests the OIDC issuer stand-in
// (internal/oidcstandin) under its test name: New starts one for a test and
// closes it when the test ends. Everything else is the stand-in's own, by
// alias. The stand-in lives in its own package because `hermes demo` runs
// it, and the release binary must not link the testing package.
package oidctest

import (
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/oidcstandin"
)

// New starts an issuer for a test and closes it when the test ends.
func New(t testing.TB, opts ...Option) *Issuer {
	t.Helper()
	i, err := oidcstandin.Start(opts...)
	if err != nil {
		t.Fatalf("oidctest: %v", err)
	}
	t.Cleanup(i.Close)
	return i
}

// Start starts an issuer that the caller must Close.
func Start(opts ...Option) (*Issuer, error) { return oidcstandin.Start(opts...) }

type (
	Broken          = oidcstandin.Broken
	Claims          = oidcstandin.Claims
	EndpointRequest = oidcstandin.EndpointRequest
	Issuer          = oidcstandin.Issuer
	Option          = oidcstandin.Option
)

// BrokenKinds is oidcstandin.BrokenKinds.
func BrokenKinds() []Broken { return oidcstandin.BrokenKinds() }

// ParseBroken is oidcstandin.ParseBroken.
func ParseBroken(name string) (Broken, bool) { return oidcstandin.ParseBroken(name) }

// WithClock is oidcstandin.WithClock.
func WithClock(now func() time.Time) Option { return oidcstandin.WithClock(now) }

// WithKeyBits is oidcstandin.WithKeyBits.
func WithKeyBits(bits int) Option { return oidcstandin.WithKeyBits(bits) }

// WithKeyID is oidcstandin.WithKeyID.
func WithKeyID(kid string) Option { return oidcstandin.WithKeyID(kid) }

// WithRequestToken is oidcstandin.WithRequestToken.
func WithRequestToken(tok string) Option { return oidcstandin.WithRequestToken(tok) }

const (
	DefaultAudience       = oidcstandin.DefaultAudience
	DefaultSubject        = oidcstandin.DefaultSubject
	DefaultTTL            = oidcstandin.DefaultTTL
	GCPSubject            = oidcstandin.GCPSubject
	AzureSubject          = oidcstandin.AzureSubject
	GitHubDefaultAudience = oidcstandin.GitHubDefaultAudience

	Expired       = oidcstandin.Expired
	WrongAudience = oidcstandin.WrongAudience
	AlgNone       = oidcstandin.AlgNone
	HS256         = oidcstandin.HS256
	MissingExp    = oidcstandin.MissingExp
	MissingIat    = oidcstandin.MissingIat
	MissingSub    = oidcstandin.MissingSub
	Oversized     = oidcstandin.Oversized
	UnknownKid    = oidcstandin.UnknownKid
	BadSignature  = oidcstandin.BadSignature
	WrongIssuer   = oidcstandin.WrongIssuer
	NoKid         = oidcstandin.NoKid
)
