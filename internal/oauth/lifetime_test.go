package oauth_test

import (
	"context"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/authstore"
	"github.com/hermes-agent/hermes/internal/oauth"
)

// poolObtained stores a login whose pair records when it was obtained.
func poolObtained(t *testing.T, home, access, refresh string, obtained, exp time.Time) oauth.PoolStore {
	t.Helper()
	var id string
	err := authstore.Open(home).Update(context.Background(), func(f *authstore.File) error {
		e, err := f.AddEntry(authstore.Entry{AuthType: authstore.AuthTypeOAuth, Source: "oauth", AccessToken: access, RefreshToken: refresh,
			ExpiresAtMs: exp.UnixMilli(), ObtainedAtMs: obtained.UnixMilli()})
		id = e.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return oauth.PoolStore{Home: home, ID: id}
}

// sourceAt is source with the token client on the same clock, so the
// refreshed pair's Obtained and Expiry are on the test's clock.
func sourceAt(s *anthropictest.Server, st oauth.Store, now func() time.Time) *oauth.Source {
	c := cfgFor(s)
	cl := &oauth.Client{Now: now}
	return &oauth.Source{Store: st, Where: "test login", Now: now,
		Refresh: func(ctx context.Context, rt string) (*oauth.Tokens, error) {
			return cl.Refresh(ctx, c.TokenURL, c.ClientID, rt)
		}}
}

// A 60-second token is not refreshed by every process that sees it: the
// margin is min(2 min, lifetime/2), from the lifetime stored with the pair.
// Each Source here is a new process (nothing remembered in memory).
func TestShortLivedTokenNotRefreshedByEveryProcess(t *testing.T) {
	t.Parallel()
	s := standIn(t)
	s.SetOAuthTokenTTL(time.Minute)
	home := t.TempDir()
	start := time.Now()
	access, refresh, exp := s.IssueOAuthLogin(time.Minute)
	st := poolObtained(t, home, access, refresh, start, exp)
	refreshes := func() int { return s.OAuthGrants(anthropictest.GrantTypeRefreshToken) }

	for _, at := range []time.Duration{0, 10 * time.Second, 25 * time.Second} {
		now := start.Add(at)
		tok, err := sourceAt(s, st, func() time.Time { return now }).Token(context.Background())
		if err != nil || tok.Value != access {
			t.Fatalf("process at +%s: err %v, refreshed=%t", at, err, tok.Value != access)
		}
	}
	if n := refreshes(); n != 0 {
		t.Fatalf("%d refreshes of a 60 s token with 35 s or more left, want 0", n)
	}

	// Past half its lifetime, the first process refreshes; the next one
	// uses the new pair (whose lifetime is stored too).
	now := start.Add(35 * time.Second)
	tok, err := sourceAt(s, st, func() time.Time { return now }).Token(context.Background())
	if err != nil || tok.Value == access {
		t.Fatalf("past half the lifetime: err %v, refreshed=%t", err, tok.Value != access)
	}
	if p, _ := st.Load(); p.Obtained.IsZero() {
		t.Fatal("the refreshed pair records no time obtained")
	}
	tok2, err := sourceAt(s, st, func() time.Time { return now.Add(time.Second) }).Token(context.Background())
	if err != nil || tok2.Value != tok.Value || refreshes() != 1 {
		t.Fatalf("second process: err %v, same token %t, %d refreshes (want 1)", err, tok2.Value == tok.Value, refreshes())
	}
}

// A pair stored without the time it was obtained (auth.json from before
// obtained_at_ms) keeps the 2-minute margin.
func TestPairWithoutObtainedKeepsTwoMinuteMargin(t *testing.T) {
	t.Parallel()
	s := standIn(t)
	home := t.TempDir()
	access, refresh, exp := s.IssueOAuthLogin(10 * time.Minute)
	st := pool(t, home, access, refresh, exp)
	now := exp.Add(-90 * time.Second)
	tok, err := sourceAt(s, st, func() time.Time { return now }).Token(context.Background())
	if err != nil || tok.Value == access {
		t.Fatalf("90 s before expiry, no lifetime stored: err %v, refreshed=%t (want a refresh)", err, tok.Value != access)
	}
}
