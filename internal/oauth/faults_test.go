package oauth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/authstore"
	"github.com/hermes-agent/hermes/internal/fsutil"
	"github.com/hermes-agent/hermes/internal/oauth"
)

// reused reports whether the authorization server saw a refresh token
// presented twice (it then revokes the whole login).
func reused(s *anthropictest.Server) bool {
	for _, c := range s.OAuthCalls() {
		if c.Reason == "refresh_reused" || c.Reason == "refresh_revoked" {
			return true
		}
	}
	return false
}

// TestUnknownOutcomeNotResent (issue 23 item 3): the server rotates the
// pair but its answer is cut off. The refresh token may be spent, so no
// later Token call (of this source, or of another one, as checkOAuth and
// `auth token` each make) sends it again: the server would revoke the
// whole login. The login is marked as needing a new login, with the why.
func TestUnknownOutcomeNotResent(t *testing.T) {
	t.Parallel()
	s := standIn(t)
	home := t.TempDir()
	access, refresh, _ := s.IssueOAuthLogin(0)
	st := pool(t, home, access, refresh, time.Now().Add(-time.Minute))
	s.Fault("/v1/oauth/token", anthropictest.Fault{CutStreamAfterEvents: 1, Times: 1})
	if _, err := source(s, st, nil).Token(context.Background()); err == nil {
		t.Fatal("a refresh whose answer was cut off succeeded")
	}
	for i := 0; i < 2; i++ {
		_, err := source(s, st, nil).Token(context.Background())
		var nl *oauth.NeedsLoginError
		if !errors.As(err, &nl) || !strings.Contains(err.Error(), "does not send it twice") {
			t.Fatalf("try %d: %v", i+2, err)
		}
	}
	if n := s.OAuthGrants(anthropictest.GrantTypeRefreshToken); n != 1 || reused(s) {
		t.Fatalf("%d refreshes, calls %+v: the refresh token was sent again", n, s.OAuthCalls())
	}
	f, _ := authstore.Open(home).Load()
	if e := f.Pool()[0]; !strings.Contains(e.NeedsLogin, "no usable answer") {
		t.Fatalf("entry not marked: %q", e.NeedsLogin)
	}
}

// TestTimedOutRefreshNotResent (issue 23 item 3, the case the chaos run
// hit): the client gives up waiting (its HTTP timeout), the server then
// rotates the pair anyway. Neither a second Token call (`auth token`
// asks twice: checkOAuth, then token.go) nor another source sends the
// same refresh token again: the server would revoke the whole login.
func TestTimedOutRefreshNotResent(t *testing.T) {
	t.Parallel()
	s := standIn(t)
	home := t.TempDir()
	access, refresh, _ := s.IssueOAuthLogin(0)
	st := pool(t, home, access, refresh, time.Now().Add(-time.Minute))
	hold, arrived := make(chan struct{}), make(chan struct{}, 1)
	s.Fault("/v1/oauth/token", anthropictest.Fault{Hold: hold, Arrived: arrived, Times: 1})
	c := cfgFor(s)
	cl := &oauth.Client{HTTP: &http.Client{Timeout: 200 * time.Millisecond}}
	src := &oauth.Source{Store: st, Where: "test login", Relogin: "hermes auth add anthropic --type oauth",
		Refresh: func(ctx context.Context, rt string) (*oauth.Tokens, error) {
			return cl.Refresh(ctx, c.TokenURL, c.ClientID, rt)
		}}
	_, err := src.Token(context.Background())
	<-arrived
	if err == nil {
		t.Fatal("a refresh whose client timed out succeeded")
	}
	close(hold) // the server now rotates the pair the client gave up on
	for i := 0; i < 600 && s.OAuthGrants(anthropictest.GrantTypeRefreshToken) < 1; i++ {
		time.Sleep(10 * time.Millisecond) // a guard of a minute, not a bound under test
	}
	for i, next := range []*oauth.Source{src, source(s, st, nil)} {
		if _, err := next.Token(context.Background()); !strings.Contains(fmt.Sprint(err), "does not send it twice") {
			t.Errorf("try %d after the timeout: %v", i+2, err)
		}
	}
	if n := s.OAuthGrants(anthropictest.GrantTypeRefreshToken); n != 1 || reused(s) {
		t.Fatalf("%d refreshes, calls %+v: the refresh token was sent again", n, s.OAuthCalls())
	}
}

// TestRotatedPairKeptWhenSaveFails (issue 23 item 2): the refresh
// succeeds but auth.json cannot be replaced. The new pair is kept in
// auth.json.recovered and the error says so; this process keeps using
// it, and the next update (another process) puts it in place: the spent
// refresh token is never sent again.
func TestRotatedPairKeptWhenSaveFails(t *testing.T) {
	s := standIn(t)
	home := t.TempDir()
	access, refresh, _ := s.IssueOAuthLogin(0)
	st := pool(t, home, access, refresh, time.Now().Add(-time.Minute))
	failing := st
	failing.Writer = &fsutil.Writer{BeforeRename: func(string) error { return errors.New("injected rename failure") }}
	_, err := source(s, failing, nil).Token(context.Background())
	var rec *fsutil.RecoveredError
	if !errors.As(err, &rec) || !strings.Contains(err.Error(), "mv ") {
		t.Fatalf("err %v", err)
	}
	if _, err := os.Stat(filepath.Join(home, "auth.json.recovered")); err != nil {
		t.Fatal(err)
	}
	// This process: the new pair, no second refresh.
	src := source(s, st, nil)
	tok, err := src.Token(context.Background())
	if err != nil || tok.Value == access {
		t.Fatalf("same process after the failed save: %v", err)
	}
	// Another process (nothing in memory): the recovered file is put in place.
	oauth.ForgetSpent(t, refresh)
	if tok2, err := source(s, st, nil).Token(context.Background()); err != nil || tok2.Value != tok.Value {
		t.Fatalf("another process after the failed save: %v", err)
	}
	if reused(s) {
		t.Fatalf("the spent refresh token was sent again: %+v", s.OAuthCalls())
	}
	p, _ := st.Load()
	if p.RefreshToken == refresh {
		t.Fatal("auth.json still holds the spent refresh token")
	}
	if _, err := os.Stat(filepath.Join(home, "auth.json.recovered")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("recovery file left: %v", err)
	}
}
