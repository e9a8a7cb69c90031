package wif

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"golang.org/x/sync/singleflight"

	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/fsutil"
	"github.com/hermes-agent/hermes/internal/identity"
	"github.com/hermes-agent/hermes/internal/secret"
	"github.com/hermes-agent/hermes/internal/telemetry"
)

// Refresh-ahead thresholds for a typical (≥ 5 min) token. Shorter-lived
// tokens scale them down (half and a tenth of the lifetime) so a 60 s
// token is not refreshed on every request.
const (
	refreshAhead   = 2 * time.Minute  // less than this left: refresh in the background
	refreshSync    = 30 * time.Second // less than this left: refresh before answering
	refreshTimeout = 2 * time.Minute  // bounds one refresh, whoever waits for it
	expiryMargin   = 5 * time.Second  // a token this close to expiry is not served
)

// cachedToken is a token plus the instants at which it needs refreshing,
// computed once so the hot path is two time comparisons.
type cachedToken struct {
	tok       credential.Token
	obtained  time.Time
	refreshAt time.Time // from here on, refresh in the background
	syncAt    time.Time // from here on, refresh before answering
	requestID string
	identity  string // identityOf the assertion it was exchanged for; "" unknown
}

func newCachedToken(tok credential.Token, obtained time.Time, requestID, identity string) *cachedToken {
	life := tok.Expiry.Sub(obtained)
	if life <= 0 {
		life = 0
	}
	return &cachedToken{
		tok:       tok,
		obtained:  obtained,
		refreshAt: tok.Expiry.Add(-min(refreshAhead, life/2)),
		syncAt:    tok.Expiry.Add(-min(refreshSync, life/10)),
		requestID: requestID,
		identity:  identity,
	}
}

// Source is the TokenSource of a WIF configuration: exchanged tokens,
// cached in memory and in the shared disk cache, refreshed ahead of
// expiry, with concurrent refreshes (goroutines: singleflight; processes:
// the file lock) collapsed into one exchange. One per configuration per
// process (see the registry in resolver.go).
type Source struct {
	cfg    Config
	key    string
	ident  identity.Source
	x      *exchanger
	disk   *diskCache // nil: memory only (no HERMES_HOME)
	spent  *spentSet
	now    func() time.Time
	logger *slog.Logger
	getenv func(string) string // an env identity source's variable

	cur atomic.Pointer[cachedToken]
	sf  singleflight.Group
	bg  atomic.Bool
	bgs sync.WaitGroup // background refreshes, for tests to wait on

	mu       sync.Mutex               // guards rejected's writers and idMemo
	rejected atomic.Pointer[[]string] // values the API refused (the newest maxRejected), never handed out again; copy-on-write, read lock-free
	idMemo   identityMemo
}

var (
	_ credential.TokenSource = (*Source)(nil)
	_ credential.Invalidator = (*Source)(nil)
	_ credential.Peeker      = (*Source)(nil)
)

// Token returns a valid access token, exchanging only when needed. It
// never returns a value the API refused: a refresh that was already in
// flight when the 401 came, or a disk entry read just before it, can bring
// the refused token back, and a gateway's one retry with it would pass the
// 401 on to its client (TestSoakShort, 2 of ~6,000 requests now and then).
func (s *Source) Token(ctx context.Context) (credential.Token, error) {
	for attempt := 0; ; attempt++ {
		tok, err := s.token(ctx)
		if err != nil || attempt == maxRefusedRetries || !s.isRejected(tok.Value) {
			return tok, err
		}
		s.drop(tok.Value)
	}
}

// maxRefusedRetries bounds Token's refreshes past refused values: each
// one starts after the refusal was recorded, so one is enough unless
// the API refuses again.
const maxRefusedRetries = 2

func (s *Source) token(ctx context.Context) (credential.Token, error) {
	if c := s.cur.Load(); c != nil && s.holdsIdentity(c) {
		now := s.now()
		if now.Before(c.refreshAt) {
			return c.tok, nil
		}
		if now.Before(c.syncAt) {
			s.refreshInBackground()
			return c.tok, nil
		}
	}
	return s.refresh(ctx)
}

// refresh waits for the one refresh in flight (starting it if needed), or
// until ctx is done. The refresh itself does not die with the first
// caller's context: others may be waiting for it.
func (s *Source) refresh(ctx context.Context) (credential.Token, error) {
	ch := s.sf.DoChan("refresh", func() (any, error) {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
		defer cancel()
		return s.fetch(rctx, ctx)
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			// A token that still has a few seconds is better than nothing,
			// if it was exchanged for the identity the source holds now.
			if c := s.cur.Load(); c != nil && s.holdsIdentity(c) && s.now().Before(c.tok.Expiry.Add(-expiryMargin)) {
				s.logger.Warn("WIF token refresh failed; using the current token until it expires", "err", r.Err)
				return c.tok, nil
			}
			return credential.Token{}, r.Err
		}
		return r.Val.(*cachedToken).tok, nil
	case <-ctx.Done():
		return credential.Token{}, ctx.Err()
	}
}

func (s *Source) refreshInBackground() {
	if !s.bg.CompareAndSwap(false, true) {
		return
	}
	s.bgs.Add(1)
	go func() {
		defer s.bgs.Done()
		defer s.bg.Store(false)
		if _, err := s.refresh(context.Background()); err != nil {
			s.logger.Warn("background WIF token refresh failed", "err", err)
		}
	}()
}

// fetch finds a fresher token: in memory (another refresh just finished),
// on disk (another process exchanged), or by exchanging. An exchange
// spends the identity token, so it is made only while caller still wants
// it, with the cache entry's space reserved first (a full disk fails
// before the identity token is spent, never between the spent record and
// the token), and is marked with credential.Spend until its token is
// cached: the process waits for it before exiting.
func (s *Source) fetch(ctx, caller context.Context) (*cachedToken, error) {
	if c := s.cur.Load(); c != nil && s.holdsIdentity(c) && s.now().Before(c.refreshAt) && !s.isRejected(c.tok.Value) {
		return c, nil
	}
	keys := s.entryKeys()
	if s.disk != nil {
		lk, err := s.disk.lock(ctx, keys[0])
		if err != nil {
			return nil, err
		}
		defer lk.Unlock()
		if c, err := s.adoptFromDisk(keys); err != nil || c != nil {
			return c, err
		}
	}
	var reserved *fsutil.Reserved
	if s.disk != nil {
		r, err := s.disk.reserve(keys[0])
		if err != nil {
			return nil, fmt.Errorf("%w (the identity token was not sent)", err)
		}
		reserved = r
		defer reserved.Abort()
	}
	if err := caller.Err(); err != nil {
		return nil, err // nothing sent: the identity token is intact
	}
	defer credential.Spend()()
	xctx, span := telemetry.StartSpan(ctx, "hermes.credential.exchange", attribute.String("kind", "wif"))
	res, err := s.x.run(xctx, s.cfg, s.ident, s.spent)
	telemetry.RecordCredentialExchange(ctx, "wif", telemetry.Outcome(err))
	span.SetAttributes(attribute.String("outcome", telemetry.Outcome(err)))
	telemetry.End(span, err)
	if err != nil {
		return nil, err
	}
	secret.Remember(res.Token.Value)
	c := newCachedToken(res.Token, res.ObtainedAt, res.RequestID, res.Identity)
	if reserved != nil {
		e := &cacheEntry{AccessToken: res.Token.Value, ExpiresAt: res.Token.Expiry, ObtainedAt: res.ObtainedAt, RequestID: res.RequestID, Identity: res.Identity, Source: s.ident.Describe()}
		if err := s.disk.commit(reserved, e); err != nil {
			s.logger.Warn("could not write the WIF token cache; its identity token is spent, so other hermes processes fail until it rotates", "err", err)
		}
	}
	s.cur.Store(c)
	s.logger.Debug("WIF token exchanged", "request_id", res.RequestID, "expires", res.Token.Expiry)
	return c, nil
}

// adoptFromDisk returns the first disk entry of keys (entryKeys) that
// is good enough for the caller's need; call it with the lock held. An
// entry hermes refuses to trust is an error: exchanging and storing over
// it would hide it.
func (s *Source) adoptFromDisk(keys []string) (*cachedToken, error) {
	for _, key := range keys {
		e, err := s.disk.load(key)
		if err != nil {
			return nil, err
		}
		if e == nil {
			continue
		}
		if s.isRejected(e.AccessToken) {
			s.disk.remove(key, e.AccessToken)
			continue
		}
		c := newCachedToken(e.token(), e.ObtainedAt, e.RequestID, e.Identity)
		if !s.holdsIdentity(c) {
			continue // another identity's token: this one gets its own
		}
		secret.Remember(e.AccessToken)
		now := s.now()
		cur := s.cur.Load()
		needNow := cur == nil || !now.Before(cur.syncAt)
		if now.Before(c.refreshAt) || needNow && now.Before(c.syncAt) {
			s.cur.Store(c)
			return c, nil
		}
	}
	return nil, nil
}

// entryKeys are the disk cache entries that may hold a token for the
// identity the source holds now, the first being where an exchange stores
// its token. The cache is keyed by the configuration and the identity
// (identityKey): processes sharing HERMES_HOME with one configuration but
// different identities (concurrent CI jobs, each with its own JWT in the
// same variable) each keep their own token instead of replacing each
// other's, which left the first with a spent JWT and no token. A minting
// source (its identity is known only from a fresh JWT) has one entry per
// configuration; so did every source before identity keys, and such an
// entry is still adopted for the identity it records. A file or variable
// whose token cannot be read now (a vanished file) may use the newest
// entry of the configuration, as before: the next exchange says why not.
func (s *Source) entryKeys() []string {
	if s.ident.Mints() {
		return []string{s.key}
	}
	if id := s.currentIdentity(); id != "" {
		return []string{identityKey(s.key, id), s.key}
	}
	if s.disk != nil {
		if k := s.disk.newest(s.key); k != "" && k != s.key {
			return []string{s.key, k}
		}
	}
	return []string{s.key}
}

// Invalidate drops value after the API refused it. A newer token that
// another goroutine already fetched survives.
func (s *Source) Invalidate(value string) {
	s.mu.Lock()
	old := s.rejected.Load()
	if old == nil || !slices.Contains(*old, value) {
		var next []string
		if old != nil {
			next = append(next, *old...)
		}
		next = append(next, value)
		if len(next) > maxRejected {
			next = next[len(next)-maxRejected:]
		}
		s.rejected.Store(&next)
	}
	s.mu.Unlock()
	s.drop(value)
}

// drop forgets the held token if it is value.
func (s *Source) drop(value string) {
	if c := s.cur.Load(); c != nil && c.tok.Value == value {
		s.cur.CompareAndSwap(c, nil)
	}
}

// maxRejected bounds the refused values remembered. More than one: under
// load a 401 for an older token (a request still in flight with it) came
// after the 401 for the current one, and remembering only the last let the
// current refused token be adopted again from the disk cache, so a
// gateway's retry got the same token and the client the 401 (seen once in
// TestSoakShort, 2 of 9,046 requests).
const maxRejected = 16

// isRejected reports whether the API refused value in this process.
func (s *Source) isRejected(value string) bool {
	r := s.rejected.Load()
	return r != nil && slices.Contains(*r, value)
}

// cached is what status shows: the token this process or the shared
// cache holds, without exchanging. ok is false when there is none.
func (s *Source) cached() (c *cachedToken, ok bool) {
	if c := s.cur.Load(); c != nil && s.holdsIdentity(c) {
		return c, true
	}
	if s.disk != nil {
		for _, key := range s.entryKeys() {
			if e := s.disk.peek(key); e != nil {
				if c := newCachedToken(e.token(), e.ObtainedAt, e.RequestID, e.Identity); s.holdsIdentity(c) {
					return c, true
				}
			}
		}
	}
	return nil, false
}

// holdsIdentity reports whether c may serve the identity the source holds
// now. A source that mints (its identity is known only from a fresh JWT)
// and an identity token that cannot be read right now (a vanished file:
// the next exchange will say why) do not disqualify a held token.
func (s *Source) holdsIdentity(c *cachedToken) bool {
	id := s.currentIdentity()
	return id == "" || id == c.identity
}

// identityMemo remembers the identity of the last assertion read, so the
// hot path re-reads a token file only when it changed.
// A file is re-read when its inode, size or modification time changed
// (a rotation by rename or a symlink swap gives a new inode).
type identityMemo struct {
	raw      string      // env: the value the identity was computed from
	file     os.FileInfo // file: as it was when read
	identity string
}

// currentIdentity is identityOf the assertion a file or env source holds
// now; "" for a minting source or one that cannot be read.
func (s *Source) currentIdentity() string {
	switch s.cfg.Identity.Source {
	case identity.SourceEnv:
		raw := s.getenv(s.cfg.Identity.Env)
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.idMemo.raw != raw || raw == "" {
			s.idMemo = identityMemo{raw: raw, identity: identityOf(raw)}
		}
		return s.idMemo.identity
	case identity.SourceFile:
		fi, err := os.Stat(s.cfg.Identity.Path)
		if err != nil {
			return ""
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		m := s.idMemo
		if m.identity != "" && m.file != nil && os.SameFile(m.file, fi) && m.file.Size() == fi.Size() && m.file.ModTime().Equal(fi.ModTime()) {
			return m.identity
		}
		raw, err := fsutil.ReadFileLimited(s.cfg.Identity.Path, 4*identity.MaxTokenBytes)
		if err != nil {
			return ""
		}
		s.idMemo = identityMemo{file: fi, identity: identityOf(string(raw))}
		return s.idMemo.identity
	}
	return ""
}

// Peek implements Peeker: the token in memory or in the shared disk
// cache, possibly expired, never an exchange.
func (s *Source) Peek() (credential.Token, bool) {
	c, ok := s.cached()
	if !ok {
		return credential.Token{}, false
	}
	return c.tok, true
}

// LastRequestID is the request-id of the exchange that minted the current
// token, for `hermes auth status --check`.
func (s *Source) LastRequestID() string {
	if c := s.cur.Load(); c != nil {
		return c.requestID
	}
	return ""
}
