package oauth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"golang.org/x/sync/singleflight"

	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/telemetry"
)

// Refresh-ahead, as the WIF source does it: refreshAhead before expiry,
// or half the lifetime of a shorter-lived token (Pair.Obtained).
const (
	refreshAhead = 2 * time.Minute // less than this left: refresh first
	expiryMargin = 5 * time.Second // a token this close to expiry is not served
	refreshBound = 2 * time.Minute // bounds one refresh, whoever waits for it
)

// Pair is a login's current tokens as a Store holds them.
type Pair struct {
	AccessToken  string
	RefreshToken string
	Expiry       time.Time // zero: unknown (treated as not expiring)
	// Obtained is when the access token was obtained (zero: unknown, as in
	// Claude Code's and SDK profiles' files and pool entries written before
	// hermes recorded it). With Expiry it gives the token's lifetime, which
	// scales the refresh-ahead margin.
	Obtained time.Time
	// NeedsLogin, when set, says why the login can no longer be refreshed
	// (the refresh token was refused); the source then refuses to serve it.
	NeedsLogin string
}

// Store is where one login's pair lives. Every implementation re-reads its
// file on Load, so a pair rotated by another process (or by Claude Code)
// is picked up at the next use.
type Store interface {
	// Load reads the current pair.
	Load() (Pair, error)
	// Update runs fn with the pair read under the store's cross-process
	// lock; a non-nil pair from fn is written atomically before the lock
	// is released.
	Update(ctx context.Context, fn func(cur Pair) (*Pair, error)) error
}

// Refresher spends a refresh token for a new pair.
type Refresher func(ctx context.Context, refreshToken string) (*Tokens, error)

// Source is a refreshing credential.TokenSource over a Store. One refresh
// at a time per process (singleflight) and per store across processes (the
// store's lock, with a re-read first): N processes needing a refresh make
// one refresh request, and none spends a refresh token another already spent.
type Source struct {
	Store   Store
	Refresh Refresher
	// Where names the login for messages: "pool entry 2 (cred_…)",
	// "Claude Code's login (~/.claude/.credentials.json)".
	Where string
	// Relogin is the command that makes a new login, for NeedsLoginError.
	Relogin string
	Now     func() time.Time
	// Describe, when set, is what OAuthStatus reports.
	Describe func() Status

	sf       singleflight.Group
	mu       sync.Mutex
	rejected string // a token the API refused: refresh rather than serve it again
	// lastValue is the token this process last obtained, lastLife its lifetime.
	lastValue string
	lastLife  time.Duration
}

var (
	_ credential.TokenSource = (*Source)(nil)
	_ credential.Invalidator = (*Source)(nil)
	_ credential.Peeker      = (*Source)(nil)
)

// NeedsLoginError: the login's refresh token was refused; only a new login
// helps. Resolvers treat it as "this credential is unusable" and fall through.
type NeedsLoginError struct {
	Where   string
	Reason  string
	Relogin string
}

func (e *NeedsLoginError) Error() string {
	s := e.Where + " needs a new login"
	if e.Reason != "" {
		s += " (" + e.Reason + ")"
	}
	if e.Relogin != "" {
		s += "; run: " + e.Relogin
	}
	return s
}

func (e *NeedsLoginError) ExitCode() int { return 4 }

// NeedsNewLogin marks the error for the resolver, which then falls through.
func (e *NeedsLoginError) NeedsNewLogin() bool { return true }

// Token returns a valid access token, refreshing ahead of expiry.
//
// A refresh, once sent, spends the refresh token: it runs detached from
// ctx (bounded by refreshBound) and is marked with credential.Spend, so
// it finishes and is saved even when the caller gives up and the process
// is exiting (the root command waits for it).
func (s *Source) Token(ctx context.Context) (credential.Token, error) {
	p, err := s.load()
	if err != nil {
		return credential.Token{}, err
	}
	if p.NeedsLogin != "" {
		return credential.Token{}, s.needsLogin(p.NeedsLogin)
	}
	if s.fresh(p) {
		return tokenOf(p), nil
	}
	ch := s.sf.DoChan("refresh", func() (any, error) {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshBound)
		defer cancel()
		return s.refresh(rctx, ctx)
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return credential.Token{}, r.Err
		}
		return r.Val.(credential.Token), nil
	case <-ctx.Done():
		return credential.Token{}, ctx.Err()
	}
}

// load is the store's pair, or the pair this process rotated it to when
// the store still holds the spent one (the rotated pair could not be
// saved).
func (s *Source) load() (Pair, error) {
	p, err := s.Store.Load()
	if err != nil {
		return Pair{}, err
	}
	if r, ok := spentRefresh(p.RefreshToken); ok && r.next != nil {
		return *r.next, nil
	}
	return p, nil
}

// refresh runs under the store's lock: re-read (another process may have
// refreshed), refresh only if still needed, write the rotated pair. The
// store reserves the space for that write before fn runs, so a full disk
// fails before the refresh token is spent. caller is the context of
// whoever asked: once it is done nothing more is sent, but a refresh
// already sent finishes under ctx.
func (s *Source) refresh(ctx, caller context.Context) (credential.Token, error) {
	var (
		out     credential.Token
		spent   string
		next    *Pair
		fail    error
		release = func() {}
	)
	defer func() { release() }()
	err := s.Store.Update(ctx, func(cur Pair) (*Pair, error) {
		if r, ok := spentRefresh(cur.RefreshToken); ok {
			if r.next == nil {
				return nil, s.needsLogin(r.reason)
			}
			// Rotated by this process, not saved then: save it now.
			out, next = tokenOf(*r.next), r.next
			return r.next, nil
		}
		switch {
		case cur.NeedsLogin != "":
			return nil, s.needsLogin(cur.NeedsLogin)
		case s.fresh(cur):
			out = tokenOf(cur)
			return nil, nil
		case cur.RefreshToken == "":
			return nil, &NeedsLoginError{Where: s.Where, Reason: "the access token expired and there is no refresh token", Relogin: s.Relogin}
		}
		if err := caller.Err(); err != nil {
			return nil, err // nothing sent: the login is intact
		}
		release = credential.Spend()
		spent = cur.RefreshToken
		xctx, span := telemetry.StartSpan(ctx, "hermes.credential.exchange", attribute.String("kind", "oauth"))
		t, err := s.Refresh(xctx, cur.RefreshToken)
		outcome := telemetry.Outcome(err)
		if InvalidGrant(err) {
			outcome = "refused"
		}
		telemetry.RecordCredentialExchange(ctx, "oauth", outcome)
		span.SetAttributes(attribute.String("outcome", outcome))
		telemetry.End(span, err)
		if InvalidGrant(err) {
			fail = err
			next := cur
			next.NeedsLogin = "refresh refused by the server (invalid_grant) at " + s.now().UTC().Format(time.RFC3339)
			return &next, nil
		}
		if OutcomeUnknown(err) {
			// The server may have rotated the pair: sending the same
			// refresh token again could make it revoke the whole login.
			reason := "a refresh sent at " + s.now().UTC().Format(time.RFC3339) + " got no usable answer (" + err.Error() + "); its refresh token may be spent, and hermes does not send it twice (a reused refresh token makes the server revoke the login)"
			markSpent(cur.RefreshToken, spentRecord{reason: reason})
			if cur.AccessToken != s.rejectedValue() && (cur.Expiry.IsZero() || s.now().Before(cur.Expiry.Add(-expiryMargin))) {
				out = tokenOf(cur)
			} else {
				fail = s.needsLogin(reason)
			}
			n := cur
			n.NeedsLogin = reason
			return &n, nil
		}
		if err != nil {
			// A token with a few seconds left is better than nothing.
			if cur.AccessToken != s.rejectedValue() && (cur.Expiry.IsZero() || s.now().Before(cur.Expiry.Add(-expiryMargin))) {
				out = tokenOf(cur)
				return nil, nil
			}
			return nil, err
		}
		next = &Pair{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, Expiry: t.Expiry, Obtained: t.Obtained}
		if next.Obtained.IsZero() && !next.Expiry.IsZero() {
			next.Obtained = s.now()
		}
		if t.RefreshToken != cur.RefreshToken {
			markSpent(cur.RefreshToken, spentRecord{next: next})
		}
		s.remember(*next, s.now())
		out = tokenOf(*next)
		return next, nil
	})
	if err != nil {
		if next != nil {
			// Rotated, not saved: this process keeps using the new pair
			// (load), and the error says where it is kept, if anywhere.
			return credential.Token{}, fmt.Errorf("%s was refreshed but the new login could not be saved: %w", s.Where, err)
		}
		return credential.Token{}, err
	}
	if fail != nil {
		var nl *NeedsLoginError
		if errors.As(fail, &nl) {
			return credential.Token{}, fail
		}
		// A store another program also writes (Claude Code) may have been
		// refreshed between our read and our request: use its new pair.
		if p, lerr := s.Store.Load(); lerr == nil && p.NeedsLogin == "" && p.RefreshToken != spent && p.RefreshToken != "" && s.fresh(p) {
			return tokenOf(p), nil
		}
		return credential.Token{}, &NeedsLoginError{Where: s.Where, Reason: fail.Error(), Relogin: s.Relogin}
	}
	return out, nil
}

// spentRecord is what this process knows of a refresh token it sent: the
// pair it was rotated to, or (next nil) why its outcome is unknown.
type spentRecord struct {
	next   *Pair
	reason string
}

// spentTokens are the refresh tokens this process has sent, by SHA-256:
// none is ever sent twice, whichever Source (or resolver) holds it.
var spentTokens struct {
	sync.Mutex
	m map[[32]byte]spentRecord
}

func markSpent(refreshToken string, r spentRecord) {
	spentTokens.Lock()
	defer spentTokens.Unlock()
	if spentTokens.m == nil {
		spentTokens.m = map[[32]byte]spentRecord{}
	}
	spentTokens.m[sha256.Sum256([]byte(refreshToken))] = r
}

func spentRefresh(refreshToken string) (spentRecord, bool) {
	if refreshToken == "" {
		return spentRecord{}, false
	}
	spentTokens.Lock()
	defer spentTokens.Unlock()
	r, ok := spentTokens.m[sha256.Sum256([]byte(refreshToken))]
	return r, ok
}

func (s *Source) needsLogin(reason string) error {
	return &NeedsLoginError{Where: s.Where, Reason: reason, Relogin: s.Relogin}
}

// fresh: usable without refreshing.
func (s *Source) fresh(p Pair) bool {
	if p.AccessToken == "" || p.AccessToken == s.rejectedValue() {
		return false
	}
	return p.Expiry.IsZero() || s.now().Before(p.Expiry.Add(-s.ahead(p)))
}

// ahead is how long before expiry p is refreshed: min(refreshAhead,
// lifetime/2), so a 60-second token is not refreshed by every process on
// every request. The lifetime is the stored one (Pair.Obtained), else the
// one this process saw when it obtained the token. A pair whose lifetime
// is unknown (a file written before Obtained was recorded, Claude Code's,
// an SDK profile's) keeps the plain refreshAhead margin: real logins last
// hours, so that costs nothing, and it is what hermes always did.
func (s *Source) ahead(p Pair) time.Duration {
	if !p.Obtained.IsZero() && p.Expiry.After(p.Obtained) {
		return min(refreshAhead, p.Expiry.Sub(p.Obtained)/2)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.AccessToken == s.lastValue {
		return min(refreshAhead, s.lastLife/2)
	}
	return refreshAhead
}

func (s *Source) remember(p Pair, obtained time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastValue, s.lastLife = p.AccessToken, p.Expiry.Sub(obtained)
}

// Invalidate implements credential.Invalidator: after a 401 the next Token
// refreshes, unless the store already holds another token.
func (s *Source) Invalidate(value string) {
	s.mu.Lock()
	s.rejected = value
	s.mu.Unlock()
}

func (s *Source) rejectedValue() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rejected
}

// Peek implements credential.Peeker: the stored token, never a refresh.
func (s *Source) Peek() (credential.Token, bool) {
	p, err := s.Store.Load()
	if err != nil || p.AccessToken == "" {
		return credential.Token{}, false
	}
	return tokenOf(p), true
}

// Status describes the login without refreshing it.
func (s *Source) Status() Status {
	if s.Describe != nil {
		return s.Describe()
	}
	return Status{}
}

func tokenOf(p Pair) credential.Token {
	return credential.Token{Value: p.AccessToken, Expiry: p.Expiry}
}

func (s *Source) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}
