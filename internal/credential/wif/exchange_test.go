package wif_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2/config"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/credential/wif"
	"github.com/hermes-agent/hermes/internal/fsutil"
	"github.com/hermes-agent/hermes/internal/identity"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

// wifFor resolves w's configured WIF and makes retries instant, recording
// the waits.
func wifFor(t *testing.T, w *world) (*wif.Source, *[]time.Duration) {
	t.Helper()
	s := mustResolve(t, w.resolver()).Tokens.(*wif.Source)
	var mu sync.Mutex
	waits := &[]time.Duration{}
	s.SetSleep(func(_ context.Context, d time.Duration) error {
		mu.Lock()
		*waits = append(*waits, d)
		mu.Unlock()
		return nil
	})
	return s, waits
}

func githubWorld(t *testing.T, cfg anthropictest.Config) *world {
	w := newWorld(t, cfg)
	url, tok := w.Iss.GitHubActions()
	w.Vars["ACTIONS_ID_TOKEN_REQUEST_URL"], w.Vars["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = url, tok
	w.ConfigureWIF(identity.Config{Source: identity.SourceGitHubActions})
	return w
}

func exchangeErr(t *testing.T, err error) *wif.ExchangeError {
	t.Helper()
	var xe *wif.ExchangeError
	if !errors.As(err, &xe) {
		t.Fatalf("err = %v (%T), want an wif.ExchangeError", err, err)
	}
	return xe
}

func TestExchange401Diagnoses(t *testing.T) {
	tests := []struct {
		name   string
		rules  []anthropictest.Rule
		jwt    func(w *world) string
		before func(w *world, jwt string) // e.g. someone else exchanges it first
		first  string                     // the top-ranked cause contains this
	}{
		{name: "audience", jwt: func(w *world) string {
			return w.Iss.Mint(oidctest.Claims{Audience: []string{"https://wrong.example"}})
		}, first: "audience"},
		{name: "already used", jwt: func(w *world) string { return w.Iss.Mint(oidctest.Claims{}) },
			before: func(w *world, jwt string) {
				config.ExchangeFederationAssertion(context.Background(), config.FederationExchangeParams{
					Assertion: jwt, FederationRuleID: anthropictest.DefaultRuleID, OrganizationID: anthropictest.DefaultOrgID, BaseURL: w.API.URL})
			}, first: "already used"},
		{name: "workspace", rules: []anthropictest.Rule{{ID: anthropictest.DefaultRuleID, Audience: anthropictest.DefaultAudience, Workspaces: []string{"wrkspc_a", "wrkspc_b"}}},
			jwt: func(w *world) string { return w.Iss.Mint(oidctest.Claims{JTI: ""}) }, first: ""},
		{name: "issuer", jwt: func(w *world) string { return w.Iss.MintBroken(oidctest.WrongIssuer, oidctest.Claims{}) }, first: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, anthropictest.Config{})
			if tt.rules != nil {
				rules := tt.rules
				for i := range rules {
					rules[i].Issuer = w.Iss.URL
				}
				w = newWorldRules(t, w, rules)
			}
			jwt := tt.jwt(w)
			path := w.TokenFile(oidctest.Claims{})
			w.WriteJWT(path, jwt)
			w.ConfigureWIF(identity.Config{Source: identity.SourceFile, Path: path})
			if tt.before != nil {
				tt.before(w, jwt)
			}
			s, _ := wifFor(t, w)
			_, err := s.Token(context.Background())
			xe := exchangeErr(t, err)
			if xe.StatusCode != 401 || exitCode(err) != 4 || len(xe.Causes) == 0 {
				t.Fatalf("err = %v", err)
			}
			if !strings.Contains(xe.Causes[0], tt.first) {
				t.Errorf("top cause %q, want one about %q", xe.Causes[0], tt.first)
			}
			if tt.name == "workspace" && !strings.Contains(err.Error(), "workspace_id") {
				t.Errorf("no workspace hint: %v", err)
			}
			if tt.name == "issuer" && !strings.Contains(err.Error(), "iss") {
				t.Errorf("no issuer hint: %v", err)
			}
			if !strings.Contains(err.Error(), "request-id ") {
				t.Errorf("no request-id: %v", err)
			}
			calls := 0
			for _, r := range w.API.Requests() {
				if r.Path == "/v1/oauth/token" {
					calls++
				}
			}
			if want := 1 + b2i(tt.before != nil); calls != want {
				t.Errorf("a 401 was retried: %d token calls", calls)
			}
			w.AssertNoSecrets(err.Error(), jwt)
		})
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// newWorldRules restarts the stand-in of w with rules.
func newWorldRules(t *testing.T, w *world, rules []anthropictest.Rule) *world {
	w.API = anthropictest.New(t, anthropictest.Config{Issuer: w.Iss, Rules: rules, APIKeys: []string{testAPIKey}})
	return w
}

func TestDiagnose401Ranking(t *testing.T) {
	now := time.Now()
	src, _ := identity.NewSource(identity.Config{Source: identity.SourceFile, Path: "/t"}, identity.Options{})
	cfg := wif.Config{FederationRuleID: "fdrl_x", OrganizationID: "org"}
	expired := &identity.Claims{Issuer: "https://i", Audience: []string{identity.DefaultAudience}, Expiry: now.Add(-time.Hour), JTI: "j"}
	if c := wif.Diagnose401(cfg, expired, src, now); !strings.HasPrefix(c[0], "expired") {
		t.Errorf("expired JWT: %q", c[0])
	}
	slash := &identity.Claims{Issuer: "https://i/", Audience: []string{identity.DefaultAudience}, Expiry: now.Add(time.Hour)}
	if c := wif.Diagnose401(cfg, slash, src, now); !strings.Contains(c[0], "slash") {
		t.Errorf("trailing slash: %q", c[0])
	}
	cfg.WorkspaceID = "default"
	fine := &identity.Claims{Issuer: "https://i", Audience: []string{identity.DefaultAudience}, Expiry: now.Add(time.Hour)}
	for _, c := range wif.Diagnose401(cfg, fine, src, now) {
		if strings.Contains(c, "workspace") || strings.Contains(c, "expired") {
			t.Errorf("irrelevant cause: %q", c)
		}
	}
}

// The wrong-audience cause says what applies to the source: --audience
// only where hermes requests the token (github-actions, gcp-metadata,
// azure-imds); for a file, a variable or a command, whoever requests it.
func TestDiagnose401AudienceAdvice(t *testing.T) {
	now := time.Now()
	claims := &identity.Claims{Issuer: "https://i", Audience: []string{"https://not-anthropic.example"}, Expiry: now.Add(time.Hour)}
	for _, id := range []identity.Config{
		{Source: identity.SourceFile, Path: "/t"},
		{Source: identity.SourceEnv, Env: "JWT"},
		{Source: identity.SourceCommand, Command: "mint-jwt"},
		{Source: identity.SourceGitHubActions, Audience: identity.DefaultAudience},
	} {
		src, err := identity.NewSource(id, identity.Options{})
		if err != nil {
			t.Fatal(err)
		}
		cfg := wif.Config{FederationRuleID: "fdrl_x", OrganizationID: "org", WorkspaceID: "default", Identity: id}
		var aud string
		for _, c := range wif.Diagnose401(cfg, claims, src, now) {
			if strings.HasPrefix(c, "audience:") {
				aud = c
			}
		}
		suggests := strings.Contains(aud, "request it with --audience")
		if want := id.Source == identity.SourceGitHubActions; aud == "" || suggests != want {
			t.Errorf("%s: audience cause %q; want --audience suggested: %v", id.Source, aud, want)
		}
	}
}

func TestExchangeRetries(t *testing.T) {
	t.Run("429 retried with a fresh assertion, retry-after honoured", func(t *testing.T) {
		w := githubWorld(t, anthropictest.Config{})
		w.API.Fault("/v1/oauth/token", anthropictest.Fault{Status: 429, RetryAfter: "3", Times: 1})
		s, waits := wifFor(t, w)
		mustToken(t, s)
		ex := w.API.Exchanges()
		if len(ex) != 1 || w.Iss.Minted() != 2 || len(*waits) != 1 || (*waits)[0] != 3*time.Second {
			t.Fatalf("exchanges %+v, minted %d, waits %v", ex, w.Iss.Minted(), *waits)
		}
	})
	t.Run("500 twice then ok", func(t *testing.T) {
		w := githubWorld(t, anthropictest.Config{})
		w.API.Fault("/v1/oauth/token", anthropictest.Fault{Status: 500, Times: 2})
		s, waits := wifFor(t, w)
		mustToken(t, s)
		if w.Iss.Minted() != 3 || len(*waits) != 2 {
			t.Fatalf("minted %d, waits %v", w.Iss.Minted(), *waits)
		}
	})
	t.Run("500 forever: gives up after 3 attempts", func(t *testing.T) {
		w := githubWorld(t, anthropictest.Config{})
		w.API.Fault("/v1/oauth/token", anthropictest.Fault{Status: 503})
		s, _ := wifFor(t, w)
		_, err := s.Token(context.Background())
		xe := exchangeErr(t, err)
		if xe.StatusCode != 503 || xe.Attempts != 3 || exitCode(err) != 1 {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("500 with a file: the same assertion is never re-sent", func(t *testing.T) {
		w := newWorld(t, anthropictest.Config{})
		w.ConfigureWIF(identity.Config{Source: identity.SourceFile, Path: w.TokenFile(oidctest.Claims{})})
		w.API.Fault("/v1/oauth/token", anthropictest.Fault{Status: 500, Times: 1})
		s, _ := wifFor(t, w)
		_, err := s.Token(context.Background())
		if xe := exchangeErr(t, err); xe.StatusCode != 500 || !strings.Contains(err.Error(), "not retried") {
			t.Fatalf("err = %v", err)
		}
		if n := len(w.API.Requests()); n != 1 {
			t.Fatalf("%d requests, want 1", n)
		}
	})
	t.Run("400 not retried", func(t *testing.T) {
		w := githubWorld(t, anthropictest.Config{})
		w.API.Fault("/v1/oauth/token", anthropictest.Fault{Status: 400})
		s, waits := wifFor(t, w)
		_, err := s.Token(context.Background())
		if xe := exchangeErr(t, err); xe.StatusCode != 400 || len(*waits) != 0 || exitCode(err) != 4 {
			t.Fatalf("err = %v, waits %v", err, *waits)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		w := githubWorld(t, anthropictest.Config{})
		w.API.Fault("/v1/oauth/token", anthropictest.Fault{Latency: time.Second, Times: 1})
		s, _ := wifFor(t, w)
		s.SetTimeout(100 * time.Millisecond)
		mustToken(t, s) // the second attempt, with a fresh JWT, succeeds
		if w.Iss.Minted() != 2 {
			t.Fatalf("minted %d", w.Iss.Minted())
		}
	})
	t.Run("connection refused: retried with the same assertion, which never left", func(t *testing.T) {
		w := newWorld(t, anthropictest.Config{})
		w.ConfigureWIF(identity.Config{Source: identity.SourceFile, Path: w.TokenFile(oidctest.Claims{})})
		dead := httptest.NewServer(http.NotFoundHandler())
		dead.Close()
		r := w.resolver()
		r.BaseURL = dead.URL
		s := mustResolve(t, r).Tokens.(*wif.Source)
		s.SetSleep(func(context.Context, time.Duration) error { return nil })
		_, err := s.Token(context.Background())
		xe := exchangeErr(t, err)
		if xe.Attempts != 3 || xe.StatusCode != 0 || exitCode(err) != 1 {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestExchangeRefusals(t *testing.T) {
	t.Run("redirect", func(t *testing.T) {
		w := githubWorld(t, anthropictest.Config{})
		w.API.Fault("/v1/oauth/token", anthropictest.Fault{RedirectTo: "http://127.0.0.1:9/elsewhere"})
		s, _ := wifFor(t, w)
		_, err := s.Token(context.Background())
		if xe := exchangeErr(t, err); xe.StatusCode != 307 || !strings.Contains(err.Error(), "redirect") || !strings.Contains(err.Error(), "127.0.0.1:9") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("plain http off loopback", func(t *testing.T) {
		w := newWorld(t, anthropictest.Config{})
		w.ConfigureWIF(identity.Config{Source: identity.SourceFile, Path: w.TokenFile(oidctest.Claims{})})
		r := w.resolver()
		r.BaseURL = "http://api.example.invalid"
		// The resolver refuses first; the exchange's own check backs it up.
		if _, err := r.Resolve(context.Background()); err == nil || !strings.Contains(err.Error(), "https") {
			t.Fatalf("resolve: err = %v", err)
		}
		cfg := wif.Config{FederationRuleID: anthropictest.DefaultRuleID, OrganizationID: anthropictest.DefaultOrgID, BaseURL: r.BaseURL}
		err := wif.ExchangeWithoutCache(context.Background(), cfg)
		if err == nil || !strings.Contains(err.Error(), "https") || !strings.Contains(err.Error(), "not sent") {
			t.Fatalf("exchange: err = %v", err)
		}
	})
	fake := func(t *testing.T, body string) (*world, *wif.Source) {
		w := newWorld(t, anthropictest.Config{})
		srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			rw.Header().Set("Request-Id", "req_fake")
			rw.Write([]byte(body))
		}))
		t.Cleanup(srv.Close)
		w.ConfigureWIF(identity.Config{Source: identity.SourceFile, Path: w.TokenFile(oidctest.Claims{TTL: 10 * time.Minute})})
		r := w.resolver()
		r.BaseURL = srv.URL
		return w, mustResolve(t, r).Tokens.(*wif.Source)
	}
	t.Run("missing expires_in: a short life", func(t *testing.T) {
		_, s := fake(t, `{"access_token":"sk-ant-oat01-fakefakefakefakefakefake","token_type":"Bearer"}`)
		tok := mustToken(t, s)
		if life := time.Until(tok.Expiry); life > wif.AssumedTokenLife || life < wif.AssumedTokenLife-time.Minute {
			t.Fatalf("assumed life %s", life)
		}
	})
	t.Run("missing expires_in, JWT bound", func(t *testing.T) {
		now := time.Now()
		if got := wif.AssumedLife(&identity.Claims{Expiry: now.Add(40 * time.Second)}, now); got != 80*time.Second {
			t.Errorf("bound = %s, want 80s", got)
		}
		if got := wif.AssumedLife(&identity.Claims{Expiry: now.Add(10 * time.Second)}, now); got != time.Minute {
			t.Errorf("floor = %s, want 60s", got)
		}
	})
	// Issue 11 item 13: the answer is validated before it is used.
	for name, tc := range map[string]struct{ body, want string }{
		"expires_in 0":        {`{"access_token":"sk-ant-oat01-fakefakefakefakefakefake","token_type":"Bearer","expires_in":0}`, "expires_in 0"},
		"expires_in negative": {`{"access_token":"sk-ant-oat01-fakefakefakefakefakefake","token_type":"Bearer","expires_in":-5}`, "must be positive"},
		"access_token CRLF":   {`{"access_token":"sk-ant-oat01-fakefake\r\nX-Evil: 1","token_type":"Bearer","expires_in":3600}`, "not a valid header value"},
		"access_token space":  {`{"access_token":"sk-ant-oat01 fakefake","token_type":"Bearer","expires_in":3600}`, "not a valid header value"},
		"too large":           {`{"access_token":"sk-ant-oat01-fakefakefakefakefakefake","token_type":"Bearer","expires_in":3600,"pad":"` + strings.Repeat("x", 2<<20) + `"}`, "too large"},
	} {
		t.Run(name, func(t *testing.T) {
			_, s := fake(t, tc.body)
			_, err := s.Token(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "fakefake") || strings.Contains(err.Error(), "unexpected end") {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	t.Run("expires_in capped at 24h", func(t *testing.T) {
		_, s := fake(t, `{"access_token":"sk-ant-oat01-fakefakefakefakefakefake","token_type":"Bearer","expires_in":8640000}`)
		tok := mustToken(t, s)
		if life := time.Until(tok.Expiry); life > 24*time.Hour {
			t.Fatalf("life %s, want at most 24h", life)
		}
	})
	for _, typ := range []string{`"mac"`, `""`} {
		t.Run("token_type "+typ, func(t *testing.T) {
			_, s := fake(t, `{"access_token":"sk-ant-oat01-fakefakefakefakefakefake","token_type":`+typ+`,"expires_in":3600}`)
			_, err := s.Token(context.Background())
			if err == nil || !strings.Contains(err.Error(), "Bearer") || strings.Contains(err.Error(), "fakefake") {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

// Issue 11 item 11: after a failed exchange, a second lookup of the same
// assertion (the SDK retrying the request; the next hermes run) reports
// the exchange's own failure, not "already exchanged … not rotated".
func TestFailedExchangeIsReportedNotSpent(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault anthropictest.Fault
		want  string
		code  int
	}{
		{"503", anthropictest.Fault{Status: 503}, "status 503", 1},
		{"401", anthropictest.Fault{Status: 401}, "status 401", 4},
		{"403", anthropictest.Fault{Status: 403}, "status 403", 4},
		{"429", anthropictest.Fault{Status: 429, RetryAfter: "120"}, "retry after 2m0s", 1},
		{"redirect", anthropictest.Fault{RedirectTo: "http://127.0.0.1:9/elsewhere"}, "redirect", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, anthropictest.Config{})
			w.ConfigureWIF(identity.Config{Source: identity.SourceFile, Path: w.TokenFile(oidctest.Claims{})})
			w.API.Fault("/v1/oauth/token", tc.fault)
			s, _ := wifFor(t, w)
			_, first := s.Token(context.Background())
			_, again := s.Token(context.Background())
			// A new process: the record on disk.
			s2, _ := wifFor(t, w)
			_, later := s2.Token(context.Background())
			for i, err := range []error{first, again, later} {
				var se *wif.SpentAssertionError
				if err == nil || errors.As(err, &se) || strings.Contains(err.Error(), "already exchanged") {
					t.Fatalf("lookup %d: err = %v, want the exchange's failure", i, err)
				}
				if !strings.Contains(err.Error(), tc.want) || exitCode(err) != tc.code {
					t.Fatalf("lookup %d: err = %v (exit %d), want %q, exit %d", i, err, exitCode(err), tc.want, tc.code)
				}
				if i > 0 && err.Error() != first.Error() {
					t.Errorf("lookup %d: message differs:\n%v\nvs\n%v", i, err, first)
				}
			}
			if n := len(w.API.Requests()); n != 1 {
				t.Fatalf("%d requests, want 1 (the assertion is single-use)", n)
			}
		})
	}
}

// Issue 11 items 7, 8: a cache entry another user could have planted (one
// others can write, a symlink) or a cache directory others can write is
// never used: the token lookup fails naming the path and the fix, nothing
// is exchanged, and the entry is left as it was.
func TestPlantedCacheEntryRefused(t *testing.T) {
	w := githubWorld(t, anthropictest.Config{})
	s, _ := wifFor(t, w)
	mustToken(t, s)
	entries, _ := filepath.Glob(filepath.Join(w.Home, "cache", "wif", "*.json"))
	if len(entries) != 1 {
		t.Fatalf("cache entries %v", entries)
	}
	entry := entries[0]
	before, _ := os.ReadFile(entry)
	wifDir := filepath.Dir(entry)
	planted := filepath.Join(t.TempDir(), "planted.json")
	os.WriteFile(planted, before, 0o600)
	for _, c := range []struct {
		name, want string
		plant      func()
		undo       func()
	}{
		{"world-writable entry", "chmod go-w " + entry, func() { os.Chmod(entry, 0o666) }, func() { os.Chmod(entry, 0o600) }},
		{"group-writable cache/wif", "chmod go-w " + wifDir, func() { os.Chmod(wifDir, 0o770) }, func() { os.Chmod(wifDir, 0o700) }},
		{"world-writable cache", "chmod go-w " + filepath.Dir(wifDir), func() { os.Chmod(filepath.Dir(wifDir), 0o777) }, func() { os.Chmod(filepath.Dir(wifDir), 0o700) }},
		{"symlinked entry", "symlink", func() { os.Rename(entry, entry+".bak"); os.Symlink(planted, entry) }, func() { os.Remove(entry); os.Rename(entry+".bak", entry) }},
	} {
		c.plant()
		w.Sources = credential.NewSources() // a new process: only the disk cache
		s2, _ := wifFor(t, w)
		_, err := s2.Token(context.Background())
		if !fsutil.IsNotPrivate(err) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want a refusal naming %q", c.name, err, c.want)
		}
		if st, err := os.Lstat(entry); c.name == "symlinked entry" && (err != nil || st.Mode()&os.ModeSymlink == 0) {
			t.Errorf("%s: the link was replaced", c.name)
		}
		c.undo()
		if after, _ := os.ReadFile(entry); string(after) != string(before) {
			t.Errorf("%s: the refused entry was rewritten", c.name)
		}
	}
	if n := w.API.ExchangeCount(); n != 1 {
		t.Fatalf("exchanges = %d, want 1: a refused cache is no reason to exchange", n)
	}
}
