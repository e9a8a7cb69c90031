package wif_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/credential/resolve"
	"github.com/hermes-agent/hermes/internal/credential/wif"
	"github.com/hermes-agent/hermes/internal/identity"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

// get makes one API call through the runtime's client.
func get(t *testing.T, rt *credential.Runtime, path string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", rt.BaseURL+path, nil)
	req.Header.Set("anthropic-version", "2023-06-01")
	req.Header.Set("x-api-key", "inbound-should-be-stripped")
	req.Header.Set("anthropic-workspace-id", "wrkspc_should_go")
	resp, err := rt.HTTPClient().Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestWIFConcurrentColdGoroutinesExchangeOnce(t *testing.T) {
	w := newWorld(t, anthropictest.Config{})
	w.ConfigureWIF(identity.Config{Source: identity.SourceFile, Path: w.TokenFile(oidctest.Claims{})})
	rt := mustResolve(t, w.resolver())
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			if _, err := rt.Tokens.Token(context.Background()); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := w.API.ExchangeCount(); n != 1 {
		t.Fatalf("exchanges = %d, want 1", n)
	}
}

// A file that is not rotated after the token expired: no second exchange,
// and an error that says so, naming the file (exit 4). A rotated file: one
// new exchange.
func TestWIFSpentAssertionThenRotation(t *testing.T) {
	clock := newFakeClock()
	w := newWorld(t, anthropictest.Config{Now: clock.Now, TokenTTL: 2 * time.Minute}, oidctest.WithClock(clock.Now))
	path := w.TokenFile(oidctest.Claims{TTL: time.Hour})
	w.ConfigureWIF(identity.Config{Source: identity.SourceFile, Path: path})
	rt := mustResolve(t, w.resolver())
	first := mustToken(t, rt.Tokens)
	clock.Advance(3 * time.Minute) // past the token's expiry, not the JWT's

	_, err := rt.Tokens.Token(context.Background())
	var se *wif.SpentAssertionError
	if !errors.As(err, &se) || exitCode(err) != 4 || !strings.Contains(err.Error(), "token file "+path+" was not rotated") {
		t.Fatalf("err = %v, want a wif.SpentAssertionError naming %s", err, path)
	}
	if n := len(w.API.Exchanges()); n != 1 {
		t.Fatalf("the spent assertion was sent again: %d exchange calls", n)
	}
	w.AssertNoSecrets(err.Error())

	w.WriteJWT(path, w.Iss.Mint(oidctest.Claims{TTL: time.Hour}))
	second := mustToken(t, rt.Tokens)
	if second.Value == first.Value || w.API.ExchangeCount() != 2 {
		t.Fatalf("rotation: exchanges = %d", w.API.ExchangeCount())
	}
}

// After the API refuses a token (401), the transport invalidates it and
// retries once with a fresh one.
func TestWIFInvalidateOn401(t *testing.T) {
	w := newWorld(t, anthropictest.Config{})
	w.Iss.GitHubActions()
	url, tok := w.Iss.GitHubActions()
	w.Vars["ACTIONS_ID_TOKEN_REQUEST_URL"], w.Vars["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = url, tok
	w.ConfigureWIF(identity.Config{Source: identity.SourceGitHubActions})
	rt := mustResolve(t, w.resolver())
	if st := get(t, rt, "/v1/models"); st != 200 {
		t.Fatalf("status %d", st)
	}
	w.API.ExpireTokens()
	if st := get(t, rt, "/v1/models"); st != 200 {
		t.Fatalf("after revocation: status %d, want 200 after one retry", st)
	}
	if n := w.API.ExchangeCount(); n != 2 {
		t.Fatalf("exchanges = %d, want 2", n)
	}
}

func TestWIFGitHubActionsAndGCP(t *testing.T) {
	for _, src := range []string{identity.SourceGitHubActions, identity.SourceGCPMetadata} {
		t.Run(src, func(t *testing.T) {
			w := newWorld(t, anthropictest.Config{})
			url, tok := w.Iss.GitHubActions()
			w.Vars["ACTIONS_ID_TOKEN_REQUEST_URL"], w.Vars["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = url, tok
			w.Vars["GCE_METADATA_HOST"] = w.Iss.GCEMetadataHost()
			w.ConfigureWIF(identity.Config{Source: src})
			rt := mustResolve(t, w.resolver())
			if st := get(t, rt, "/v1/models"); st != 200 {
				t.Fatalf("status %d", st)
			}
			reqs := w.Iss.EndpointRequests()
			if len(reqs) != 1 || reqs[0].Audience != identity.DefaultAudience {
				t.Fatalf("identity requests: %+v", reqs)
			}
		})
	}
}

// A long run: the minted token expires again and again; each time a fresh
// JWT is fetched and exchanged, never the same one twice.
func TestWIFLongRunRefreshes(t *testing.T) {
	clock := newFakeClock()
	w := newWorld(t, anthropictest.Config{Now: clock.Now, TokenTTL: 2 * time.Second}, oidctest.WithClock(clock.Now))
	url, tok := w.Iss.GitHubActions()
	w.Vars["ACTIONS_ID_TOKEN_REQUEST_URL"], w.Vars["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = url, tok
	w.ConfigureWIF(identity.Config{Source: identity.SourceGitHubActions})
	rt := mustResolve(t, w.resolver())
	seen := map[string]bool{}
	for i := range 5 {
		if st := get(t, rt, "/v1/models"); st != 200 {
			t.Fatalf("round %d: status %d", i, st)
		}
		tok := mustToken(t, rt.Tokens)
		seen[tok.Value] = true
		clock.Advance(3 * time.Second) // past the 2 s token
	}
	if len(seen) != 5 || w.API.ExchangeCount() != 5 {
		t.Fatalf("tokens %d, exchanges %d; want 5 and 5", len(seen), w.API.ExchangeCount())
	}
	jtis := map[string]bool{}
	for _, e := range w.API.Exchanges() {
		if jtis[e.JTI] {
			t.Fatalf("jti %s exchanged twice", e.JTI)
		}
		jtis[e.JTI] = true
	}
}

// Refresh ahead: with less than the refresh-ahead margin left the cached
// token is still served while one background refresh runs.
func TestWIFRefreshAheadInBackground(t *testing.T) {
	clock := newFakeClock()
	w := newWorld(t, anthropictest.Config{Now: clock.Now}, oidctest.WithClock(clock.Now))
	url, tok := w.Iss.GitHubActions()
	w.Vars["ACTIONS_ID_TOKEN_REQUEST_URL"], w.Vars["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = url, tok
	w.ConfigureWIF(identity.Config{Source: identity.SourceGitHubActions})
	rt := mustResolve(t, w.resolver())
	s := rt.Tokens.(*wif.Source)
	first := mustToken(t, s)
	clock.Advance(time.Until(first.Expiry) - time.Minute) // 1 min left: background window
	if got := mustToken(t, s); got.Value != first.Value {
		t.Fatal("in the background window the cached token must be served")
	}
	s.WaitBackground()
	if got := mustToken(t, s); got.Value == first.Value {
		t.Fatal("no background refresh happened")
	}
	if n := w.API.ExchangeCount(); n != 2 {
		t.Fatalf("exchanges = %d, want 2", n)
	}
}

// A long-running process (gateway, chat): when the token file starts
// holding another identity's JWT, the token exchanged for the previous
// identity is not served; the new identity gets its own exchange. A
// rotated JWT of the same identity keeps the token.
func TestWIFNewIdentityInProcessGetsOwnExchange(t *testing.T) {
	w := newWorld(t, anthropictest.Config{})
	path := w.TokenFile(oidctest.Claims{Subject: "repo:acme/app:ref:refs/heads/main"})
	w.ConfigureWIF(identity.Config{Source: identity.SourceFile, Path: path})
	rt := mustResolve(t, w.resolver())
	first := mustToken(t, rt.Tokens)

	w.WriteJWT(path, w.Iss.Mint(oidctest.Claims{Subject: "repo:acme/app:ref:refs/heads/main"}))
	if got := mustToken(t, rt.Tokens); got.Value != first.Value || w.API.ExchangeCount() != 1 {
		t.Fatalf("same identity, rotated JWT: exchanges = %d, token changed = %v; want the cached token", w.API.ExchangeCount(), got.Value != first.Value)
	}

	w.WriteJWT(path, w.Iss.Mint(oidctest.Claims{Subject: "repo:acme/intruder:ref:refs/heads/main"}))
	second := mustToken(t, rt.Tokens)
	if second.Value == first.Value || w.API.ExchangeCount() != 2 {
		t.Fatalf("another subject: exchanges = %d, same token = %v; want its own exchange", w.API.ExchangeCount(), second.Value == first.Value)
	}
	// A second process sharing HERMES_HOME reuses the new identity's token.
	other := mustResolve(t, &resolve.Resolver{Home: w.Home, Getenv: w.Getenv, Now: w.Now, UserAgent: "hermes/test"})
	if got := mustToken(t, other.Tokens); got.Value != second.Value || w.API.ExchangeCount() != 2 {
		t.Fatalf("second process: exchanges = %d; want the shared token", w.API.ExchangeCount())
	}
}

// A refresh already in flight when the 401 came, or a disk entry read
// just before it, can put the refused token back as the current one; the
// gateway's one retry must still get a fresh token, never the refused one.
func TestTokenNeverReturnsARefusedValue(t *testing.T) {
	w := newWorld(t, anthropictest.Config{})
	url, tok := w.Iss.GitHubActions()
	w.Vars["ACTIONS_ID_TOKEN_REQUEST_URL"], w.Vars["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = url, tok
	w.ConfigureWIF(identity.Config{Source: identity.SourceGitHubActions})
	rt := mustResolve(t, w.resolver())
	first := mustToken(t, rt.Tokens)
	src, ok := rt.Tokens.(*wif.Source)
	if !ok {
		t.Fatalf("tokens are %T, want *wif.Source", rt.Tokens)
	}
	putBack := wif.HeldForTest(src)
	src.Invalidate(first.Value)
	putBack() // the racing adopter stores what it read before the 401
	if second := mustToken(t, rt.Tokens); second.Value == first.Value {
		t.Fatal("Token returned the value the API refused")
	}
	if n := w.API.ExchangeCount(); n != 2 {
		t.Errorf("exchanges = %d, want 2", n)
	}
}

// Two processes sharing HERMES_HOME with one configuration but different
// identities (concurrent CI jobs whose env var holds each job's JWT): each
// identity keeps its own cached token. With one slot per configuration the
// second identity's exchange replaced the first's, and the first job's next
// hermes call had to exchange its (un-rotated, already spent) JWT again
// and failed with "already exchanged once".
func TestWIFIdentitiesSharingHomeKeepTheirOwnTokens(t *testing.T) {
	w := newWorld(t, anthropictest.Config{})
	w.ConfigureWIF(identity.Config{Source: identity.SourceEnv, Env: "JOB_ID_TOKEN"})
	jwtA := w.Iss.Mint(oidctest.Claims{Subject: "repo:acme/app:ref:refs/heads/main"})
	jwtB := w.Iss.Mint(oidctest.Claims{Subject: "repo:acme/other:ref:refs/heads/main"})
	process := func(jwt string) *resolve.Resolver {
		return &resolve.Resolver{Home: w.Home, Now: w.Now, UserAgent: "hermes/test", Getenv: func(k string) string {
			if k == "JOB_ID_TOKEN" {
				return jwt
			}
			return w.Getenv(k)
		}}
	}
	a := mustToken(t, mustResolve(t, process(jwtA)).Tokens)
	b := mustToken(t, mustResolve(t, process(jwtB)).Tokens)
	if a.Value == b.Value || w.API.ExchangeCount() != 2 {
		t.Fatalf("two identities: exchanges = %d, same token = %v; want one each", w.API.ExchangeCount(), a.Value == b.Value)
	}
	for _, p := range []struct {
		name string
		jwt  string
		want string
	}{{"A again", jwtA, a.Value}, {"B again", jwtB, b.Value}} {
		rt := mustResolve(t, process(p.jwt))
		tok, err := rt.Tokens.Token(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		if tok.Value != p.want || w.API.ExchangeCount() != 2 {
			t.Fatalf("%s: exchanges = %d, own token = %v; want the identity's cached token", p.name, w.API.ExchangeCount(), tok.Value == p.want)
		}
	}
}
