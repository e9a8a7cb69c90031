// Package oidctest gives tests the OIDC issuer stand-in
// (internal/oidcstandin) under its test name: New starts one for a test and
// closes it when the test ends. Everything else is the stand-in's own, by
// alias. The stand-in lives in its own package because `hermes demo` runs
// it, and the release binary must not link the testing package.
package oidctest

import (
	"crypto/rand"
	"crypto/rsa"
	"sync"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/oidcstandin"
)

// New starts an issuer for a test and closes it when the test ends.
func New(t testing.TB, opts ...Option) *Issuer {
	t.Helper()
	i, err := Start(opts...)
	if err != nil {
		t.Fatalf("oidctest: %v", err)
	}
	t.Cleanup(i.Close)
	return i
}

// Start starts an issuer that the caller must Close.
func Start(opts ...Option) (*Issuer, error) {
	return oidcstandin.Start(append([]Option{oidcstandin.WithKeySource(keys)}, opts...)...)
}

// keys lends the test process's issuers their signing keys: an RSA key is
// generated only when every key made so far is in use by an open issuer,
// so a process makes about as many keys as it has issuers open at once
// (generating one was nearly all of the CPU time of tests that start an
// issuer each). Two open issuers never share a key, so a JWT signed by one
// never verifies with the other's JWKS.
var keys = &keyPool{free: map[int][]*rsa.PrivateKey{}}

type keyPool struct {
	mu   sync.Mutex
	free map[int][]*rsa.PrivateKey // by modulus size
}

func (p *keyPool) Key(bits int) (*rsa.PrivateKey, error) {
	p.mu.Lock()
	if n := len(p.free[bits]); n > 0 {
		k := p.free[bits][n-1]
		p.free[bits] = p.free[bits][:n-1]
		p.mu.Unlock()
		return k, nil
	}
	p.mu.Unlock()
	return rsa.GenerateKey(rand.Reader, bits)
}

func (p *keyPool) Release(keys ...*rsa.PrivateKey) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, k := range keys {
		bits := k.N.BitLen()
		p.free[bits] = append(p.free[bits], k)
	}
}

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

// WithJWKSURI is oidcstandin.WithJWKSURI.
func WithJWKSURI(u string) Option { return oidcstandin.WithJWKSURI(u) }
