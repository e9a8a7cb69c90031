// Package wif is the Workload Identity Federation token source: an
// identity token (JWT) exchanged for a short-lived Anthropic access token
// through the SDK's jwt-bearer exchange, with a memory and shared disk
// cache, the spent-assertion record and the diagnosis of a refused
// exchange. It plugs into the core as a credential.TokenSource.
package wif

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/identity"
)

// Options are the outside world a Source talks to.
type Options struct {
	// Home is HERMES_HOME, where the shared token cache and the
	// spent-assertion record live. "": memory only.
	Home      string
	Getenv    func(string) string // for identity-token sources that read the environment
	Now       func() time.Time    // nil: time.Now
	UserAgent string
	Logger    *slog.Logger // nil: discard

	// HTTPClient, when set, carries identity-token requests (github-actions,
	// gcp-metadata, azure-imds) and, through its Transport, the exchange.
	HTTPClient *http.Client
}

// New returns the token source for cfg. Callers that resolve the same
// configuration repeatedly share one Source (see resolve.Sources), so a
// process never exchanges twice for one configuration.
func New(cfg Config, o Options) (*Source, error) {
	ident, err := identity.NewSource(cfg.Identity, identity.Options{Getenv: o.Getenv, Now: o.Now, HTTPClient: o.HTTPClient})
	if err != nil {
		return nil, err
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	disk := newDiskCache(o.Home)
	x := &exchanger{userAgent: o.UserAgent, timeout: credential.HTTPTimeout(o.Getenv, exchangeTimeout), now: now, sleep: sleepCtx, logger: logger}
	if o.HTTPClient != nil {
		x.transport = o.HTTPClient.Transport
	}
	return &Source{cfg: cfg, key: cfg.Key(), ident: ident, x: x, disk: disk, spent: newSpentSet(disk), now: now, logger: logger, getenv: getenvOrOS(o.Getenv)}, nil
}

// Cached is an exchanged token as status shows it.
type Cached struct {
	Token      credential.Token
	ObtainedAt time.Time
	RequestID  string
}

// Cached is the token this source holds in memory or finds in the shared
// cache, without exchanging. ok is false when there is none.
func (s *Source) Cached() (Cached, bool) {
	c, ok := s.cached()
	if !ok {
		return Cached{}, false
	}
	return Cached{Token: c.tok, ObtainedAt: c.obtained, RequestID: c.requestID}, true
}

// Blocked is the error the next Token call meets before sending anything,
// decided the way Token decides it, without exchanging and without asking
// a minting source: nil when a held token serves (for the identity the
// source holds now) or an exchange would be attempted; the source's
// refusal of its identity token (file or env); or the refusal of an
// assertion already exchanged (SpentAssertionError, or the failure its
// exchange ended with). `hermes auth status` shows it.
func (s *Source) Blocked(ctx context.Context) error {
	if s.ident.Mints() {
		return nil
	}
	if c, ok := s.cached(); ok && s.now().Before(c.syncAt) {
		return nil
	}
	raw, err := s.ident.Token(ctx)
	if err != nil {
		return err
	}
	fp := identity.Fingerprint(raw)
	if !s.spent.has(fp, s.now()) {
		return nil
	}
	claims, _ := identity.Inspect(raw)
	return s.spent.refusal(fp, claims, s.ident)
}

func getenvOrOS(getenv func(string) string) func(string) string {
	if getenv == nil {
		return os.Getenv
	}
	return getenv
}

// Spent reports whether the identity token jwt was already exchanged by a
// hermes process sharing home.
func Spent(home, jwt string, now time.Time) bool {
	disk := newDiskCache(home)
	return disk != nil && disk.isSpent(identity.Fingerprint(jwt), now)
}

// IdentityTokenFile implements credential.IdentityTokenFiler.
func (s *Source) IdentityTokenFile() string {
	if s.cfg.Identity.Source == identity.SourceFile {
		return s.cfg.Identity.Path
	}
	return ""
}
