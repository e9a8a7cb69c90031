package oauth_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/authstore"
	"github.com/hermes-agent/hermes/internal/oauth"
)

func standIn(t *testing.T) *anthropictest.Server {
	t.Helper()
	return anthropictest.New(t, anthropictest.Config{Rules: []anthropictest.Rule{{ID: anthropictest.DefaultRuleID, Issuer: "https://issuer.invalid"}}})
}

func cfgFor(s *anthropictest.Server) oauth.Config {
	c := oauth.Defaults()
	c.AuthorizeURL = s.URL + "/oauth/authorize"
	c.TokenURL = s.URL + "/v1/oauth/token"
	c.RedirectURI = s.URL + anthropictest.CodeCallbackPath
	return c
}

// follow is a browser: it GETs the URL and follows redirects (to the
// loopback callback), as a $BROWSER script with curl -L does.
func follow(t *testing.T, mutate func(*url.URL)) func(string) error {
	return func(u string) error {
		pu, err := url.Parse(u)
		if err != nil {
			return err
		}
		if mutate != nil {
			mutate(pu)
		}
		go func() {
			// The login may finish (and close its listener) before this
			// browser reads the page: only the redirect matters here.
			if resp, err := http.Get(pu.String()); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
		return nil
	}
}

func TestBrowserFlow(t *testing.T) {
	t.Parallel()
	s := standIn(t)
	var stderr strings.Builder
	l := &oauth.Login{Config: cfgFor(s), Client: &oauth.Client{}, Open: follow(t, nil), Stderr: &stderr}
	tok, err := l.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok.AccessToken, anthropictest.AccessTokenPrefix) || !strings.HasPrefix(tok.RefreshToken, anthropictest.RefreshTokenPrefix) || tok.AccountEmail != anthropictest.OAuthAccountEmail || tok.Expiry.IsZero() {
		t.Fatalf("tokens %+v", tok)
	}
	if n := s.OAuthGrants(anthropictest.GrantTypeAuthorizationCode); n != 1 {
		t.Fatalf("code grants %d", n)
	}
	if !strings.Contains(stderr.String(), "redirect_uri=http%3A%2F%2F127.0.0.1%3A") {
		t.Fatalf("stderr %q", stderr.String())
	}
}

func TestBrowserFlowWrongState(t *testing.T) {
	t.Parallel()
	s := standIn(t)
	l := &oauth.Login{Config: cfgFor(s), Client: &oauth.Client{}, Stderr: io.Discard, Open: follow(t, func(u *url.URL) {
		q := u.Query()
		q.Set("state", "forged")
		u.RawQuery = q.Encode()
	})}
	_, err := l.Run(context.Background())
	var se *oauth.StateError
	if !errors.As(err, &se) {
		t.Fatalf("err %v", err)
	}
	if n := s.OAuthGrants(anthropictest.GrantTypeAuthorizationCode); n != 0 {
		t.Fatalf("a code was redeemed despite the wrong state")
	}
}

// pasteFrom plays the user of the paste flow: open the printed URL, read
// CODE#STATE off the page, optionally change it, paste it.
func pasteFrom(t *testing.T, stderr *strings.Builder, edit func(string) string) func(context.Context) (string, error) {
	return func(context.Context) (string, error) {
		var u string
		for _, f := range strings.Fields(stderr.String()) {
			if strings.HasPrefix(f, "http") {
				u = f
			}
		}
		resp, err := http.Get(u)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		lines := strings.Split(strings.TrimSpace(string(body)), "\n")
		code := lines[len(lines)-1]
		if edit != nil {
			code = edit(code)
		}
		return code + "\n", nil
	}
}

func TestPasteFlow(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		edit func(string) string
		want string
	}{
		"ok":          {nil, ""},
		"wrong state": {func(c string) string { code, _, _ := strings.Cut(c, "#"); return code + "#other" }, "does not belong to this login"},
		"no state":    {func(c string) string { code, _, _ := strings.Cut(c, "#"); return code }, "no #STATE part"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := standIn(t)
			var stderr strings.Builder
			l := &oauth.Login{Config: cfgFor(s), Client: &oauth.Client{}, Stderr: &stderr}
			l.Paste = pasteFrom(t, &stderr, tc.edit)
			tok, err := l.Run(context.Background())
			if tc.want == "" {
				if err != nil || tok.AccessToken == "" {
					t.Fatalf("%v %+v", err, tok)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
}

// TestPKCEMismatch: a code redeemed with another verifier is refused, and
// the code is spent.
func TestPKCEMismatch(t *testing.T) {
	t.Parallel()
	s := standIn(t)
	c := cfgFor(s)
	p, state := oauth.NewPKCE(), oauth.NewState()
	resp, err := http.Get(c.AuthCodeURL(c.RedirectURI, state, p))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	lines := strings.Split(strings.TrimSpace(string(body)), "\n")
	code, _, _ := strings.Cut(lines[len(lines)-1], "#")
	_, err = (&oauth.Client{}).Exchange(context.Background(), c, code, state, oauth.NewPKCE().Verifier, c.RedirectURI)
	var te *oauth.TokenError
	if !errors.As(err, &te) || te.Code != "invalid_grant" || !strings.Contains(err.Error(), "code_verifier") {
		t.Fatalf("err %v", err)
	}
	// The right verifier is too late now: codes are single-use.
	if _, err := (&oauth.Client{}).Exchange(context.Background(), c, code, state, p.Verifier, c.RedirectURI); !oauth.InvalidGrant(err) {
		t.Fatalf("reused code: %v", err)
	}
	if strings.Contains(err.Error(), code) || strings.Contains(err.Error(), p.Verifier) {
		t.Fatalf("error shows a secret: %v", err)
	}
}

func TestTokenURLMustBeHTTPS(t *testing.T) {
	t.Parallel()
	_, err := (&oauth.Client{}).Refresh(context.Background(), "http://example.com/v1/oauth/token", "c", "r")
	if err == nil || !strings.Contains(err.Error(), "https") {
		t.Fatalf("err %v", err)
	}
}

// pool puts a login into a fresh HERMES_HOME and returns its store.
func pool(t *testing.T, home string, access, refresh string, exp time.Time) oauth.PoolStore {
	t.Helper()
	var id string
	err := authstore.Open(home).Update(context.Background(), func(f *authstore.File) error {
		e, err := f.AddEntry(authstore.Entry{AuthType: authstore.AuthTypeOAuth, Source: "oauth", AccessToken: access, RefreshToken: refresh, ExpiresAtMs: exp.UnixMilli()})
		id = e.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return oauth.PoolStore{Home: home, ID: id}
}

func source(s *anthropictest.Server, st oauth.Store, now func() time.Time) *oauth.Source {
	c := cfgFor(s)
	cl := &oauth.Client{}
	return &oauth.Source{Store: st, Where: "test login", Relogin: "hermes auth add anthropic --type oauth", Now: now,
		Refresh: func(ctx context.Context, rt string) (*oauth.Tokens, error) {
			return cl.Refresh(ctx, c.TokenURL, c.ClientID, rt)
		}}
}

func TestRefreshAheadOfExpiry(t *testing.T) {
	t.Parallel()
	s := standIn(t)
	home := t.TempDir()
	access, refresh, exp := s.IssueOAuthLogin(10 * time.Minute)
	st := pool(t, home, access, refresh, exp)
	now := time.Now()
	src := source(s, st, func() time.Time { return now })
	tok, err := src.Token(context.Background())
	if err != nil || tok.Value != access {
		t.Fatalf("fresh token: %v", err)
	}
	now = exp.Add(-time.Minute) // inside the refresh-ahead window, not yet expired
	tok, err = src.Token(context.Background())
	if err != nil || tok.Value == access {
		t.Fatalf("expected a refreshed token: %v", err)
	}
	p, _ := st.Load()
	if p.AccessToken != tok.Value || p.RefreshToken == refresh || p.RefreshToken == "" {
		t.Fatalf("rotated pair not stored")
	}
	if n := s.OAuthGrants(anthropictest.GrantTypeRefreshToken); n != 1 {
		t.Fatalf("refreshes %d", n)
	}
	// The new token is served without another refresh.
	if tok2, _ := src.Token(context.Background()); tok2.Value != tok.Value || s.OAuthGrants(anthropictest.GrantTypeRefreshToken) != 1 {
		t.Fatal("refreshed again")
	}
	// After a 401 the source refreshes once.
	src.Invalidate(tok.Value)
	if tok3, err := src.Token(context.Background()); err != nil || tok3.Value == tok.Value {
		t.Fatalf("after Invalidate: %v", err)
	}
}

func TestRevokedRefreshNeedsLogin(t *testing.T) {
	t.Parallel()
	s := standIn(t)
	home := t.TempDir()
	access, refresh, _ := s.IssueOAuthLogin(0)
	st := pool(t, home, access, refresh, time.Now().Add(-time.Minute))
	s.RevokeRefreshTokens()
	src := source(s, st, nil)
	_, err := src.Token(context.Background())
	var nl *oauth.NeedsLoginError
	if !errors.As(err, &nl) || !strings.Contains(err.Error(), "run: hermes auth add anthropic --type oauth") {
		t.Fatalf("err %v", err)
	}
	if strings.Contains(err.Error(), refresh) {
		t.Fatal("error shows the refresh token")
	}
	f, _ := authstore.Open(home).Load()
	if e := f.Pool()[0]; e.NeedsLogin == "" || e.RefreshToken != refresh {
		t.Fatalf("entry not marked: %+v", e.NeedsLogin)
	}
	// Marked: no further request.
	n := len(s.OAuthCalls())
	if _, err := src.Token(context.Background()); !errors.As(err, &nl) || len(s.OAuthCalls()) != n {
		t.Fatalf("second try: %v", err)
	}
}

func TestReusedRefreshRevokesFamily(t *testing.T) {
	t.Parallel()
	s := standIn(t)
	c := cfgFor(s)
	_, refresh, _ := s.IssueOAuthLogin(0)
	cl := &oauth.Client{}
	t1, err := cl.Refresh(context.Background(), c.TokenURL, c.ClientID, refresh)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Refresh(context.Background(), c.TokenURL, c.ClientID, refresh); !oauth.InvalidGrant(err) {
		t.Fatalf("reuse: %v", err)
	}
	if _, err := cl.Refresh(context.Background(), c.TokenURL, c.ClientID, t1.RefreshToken); !oauth.InvalidGrant(err) {
		t.Fatalf("family not revoked: %v", err)
	}
}

// TestClaudeCodeInPlace: hermes refreshes Claude Code's login in its own
// file (other fields and mode kept); a second process then uses the new pair.
func TestClaudeCodeInPlace(t *testing.T) {
	t.Parallel()
	s := standIn(t)
	dir := t.TempDir()
	path := filepath.Join(dir, ".credentials.json")
	access, refresh, _ := s.IssueOAuthLogin(0)
	writeClaude(t, path, access, refresh, time.Now().Add(-time.Minute), 0o600)
	st := oauth.ClaudeCodeFile{Path: path, LockPath: filepath.Join(dir, "lock")}
	tok, err := source(s, st, nil).Token(context.Background())
	if err != nil || tok.Value == access {
		t.Fatalf("refresh: %v", err)
	}
	var got map[string]any
	data, _ := os.ReadFile(path)
	json.Unmarshal(data, &got)
	o := got["claudeAiOauth"].(map[string]any)
	if o["accessToken"] != tok.Value || o["refreshToken"] == refresh || o["subscriptionType"] != "max" || got["mcpOAuth"] == nil {
		t.Fatalf("file after refresh: %s", data)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
	// A second process (a new source) uses the pair hermes wrote.
	tok2, err := source(s, st, nil).Token(context.Background())
	if err != nil || tok2.Value != tok.Value || s.OAuthGrants(anthropictest.GrantTypeRefreshToken) != 1 {
		t.Fatalf("second user: %v", err)
	}
	// Claude Code refreshed under hermes: the new pair is used.
	a3, r3, e3 := s.IssueOAuthLogin(0)
	writeClaude(t, path, a3, r3, e3, 0o600)
	if tok3, _ := source(s, st, nil).Token(context.Background()); tok3.Value != a3 {
		t.Fatal("did not pick up Claude Code's new pair")
	}
}

func writeClaude(t *testing.T, path, access, refresh string, exp time.Time, mode os.FileMode) {
	t.Helper()
	data := fmt.Sprintf(`{"claudeAiOauth":{"accessToken":%q,"refreshToken":%q,"expiresAt":%d,"scopes":["user:inference","user:profile"],"subscriptionType":"max"},"mcpOAuth":{"x":{"y":1}}}`, access, refresh, exp.UnixMilli())
	if err := os.WriteFile(path, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, mode)
}

// TestConcurrentProcessesRefreshOnce: five processes find the stored token
// expired at once; exactly one refresh request is made, all get the new token.
func TestConcurrentProcessesRefreshOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes")
	}
	s := standIn(t)
	home := t.TempDir()
	access, refresh, _ := s.IssueOAuthLogin(0)
	st := pool(t, home, access, refresh, time.Now().Add(-time.Minute))
	var wg sync.WaitGroup
	outs := make([]string, 5)
	for i := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^TestChildToken$")
			cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0", "OAUTH_CHILD_HOME="+home, "OAUTH_CHILD_ID="+st.ID, "OAUTH_CHILD_URL="+s.URL)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Errorf("child: %v\n%s", err, out)
			}
			outs[i] = string(out)
		}()
	}
	wg.Wait()
	if n := s.OAuthGrants(anthropictest.GrantTypeRefreshToken); n != 1 {
		t.Fatalf("%d refresh requests, want 1; calls %+v", n, s.OAuthCalls())
	}
	p, _ := st.Load()
	for _, o := range outs {
		if !strings.Contains(o, "TOKEN-HASH "+anthropictest.HashCredential(p.AccessToken)) {
			t.Fatalf("child output %q", o)
		}
	}
}

func TestChildToken(t *testing.T) {
	home := os.Getenv("OAUTH_CHILD_HOME")
	if home == "" {
		t.Skip("helper process")
	}
	c := oauth.Defaults()
	c.TokenURL = os.Getenv("OAUTH_CHILD_URL") + "/v1/oauth/token"
	cl := &oauth.Client{}
	src := &oauth.Source{Store: oauth.PoolStore{Home: home, ID: os.Getenv("OAUTH_CHILD_ID")},
		Refresh: func(ctx context.Context, rt string) (*oauth.Tokens, error) {
			return cl.Refresh(ctx, c.TokenURL, c.ClientID, rt)
		}}
	tok, err := src.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("TOKEN-HASH " + anthropictest.HashCredential(tok.Value))
}
