package identity

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

const requestToken = "SENTINEL-REQUEST-TOKEN-5b1e0c"

// githubServer stands in for the Actions OIDC endpoint: it wants the
// runner's request token and echoes a JWT for the audience asked.
func githubServer(t *testing.T, jwt string) (*httptest.Server, *atomic.Pointer[url.Values]) {
	t.Helper()
	var seen atomic.Pointer[url.Values]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		seen.Store(&q)
		if r.URL.Path != "/token" || r.Header.Get("Authorization") != "bearer "+requestToken {
			// Like a careless server, echo what was sent.
			http.Error(w, "bad request token "+r.Header.Get("Authorization")+" for "+r.URL.String(), http.StatusUnauthorized)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"count": 1, "value": jwt})
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

func githubEnv(srv *httptest.Server, token string) func(string) string {
	return mapEnv(map[string]string{
		"ACTIONS_ID_TOKEN_REQUEST_URL":   srv.URL + "/token?api-version=2.0&secret-query=SENTINEL-QUERY",
		"ACTIONS_ID_TOKEN_REQUEST_TOKEN": token,
	})
}

func TestGitHubActionsSource(t *testing.T) {
	raw := goodJWT(t)
	srv, seen := githubServer(t, raw)
	src := newTestSource(t, Config{Source: SourceGitHubActions, Audience: "https://api.anthropic.com/a b&c"}, Options{Getenv: githubEnv(srv, requestToken)})
	if !src.Mints() || src.Describe() != "github-actions (audience https://api.anthropic.com/a b&c)" {
		t.Errorf("Mints %v, Describe %q", src.Mints(), src.Describe())
	}
	got, err := src.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got != raw {
		t.Error("Token did not return the .value JWT")
	}
	q := *seen.Load()
	if q.Get("api-version") != "2.0" || q.Get("secret-query") != "SENTINEL-QUERY" || q.Get("audience") != "https://api.anthropic.com/a b&c" || len(q) != 3 {
		t.Errorf("query = %v: audience not merged into the existing query", q)
	}
}

func TestGitHubActionsDefaultAudience(t *testing.T) {
	srv, seen := githubServer(t, goodJWT(t))
	src := newTestSource(t, Config{Source: SourceGitHubActions}, Options{Getenv: githubEnv(srv, requestToken)})
	if _, err := src.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := seen.Load().Get("audience"); got != DefaultAudience {
		t.Errorf("audience = %q", got)
	}
}

func TestGitHubActionsErrors(t *testing.T) {
	raw := goodJWT(t)
	srv, _ := githubServer(t, raw)
	ctx := context.Background()

	t.Run("wrong request token", func(t *testing.T) {
		src := newTestSource(t, Config{Source: SourceGitHubActions}, Options{Getenv: githubEnv(srv, requestToken+"-wrong")})
		_, err := src.Token(ctx)
		var se *SourceError
		if !errors.As(err, &se) || se.ExitCode() != 4 {
			t.Fatalf("Token = %v, want a SourceError", err)
		}
		for _, want := range []string{"github-actions", "GET " + srv.URL + "/token:", "401 Unauthorized", "bad request token bearer"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
		assertNoSecret(t, err, requestToken, "SENTINEL-QUERY")
	})

	t.Run("not in a job with id-token write", func(t *testing.T) {
		for _, env := range []map[string]string{
			{},
			{"ACTIONS_ID_TOKEN_REQUEST_URL": srv.URL + "/token"},
			{"ACTIONS_ID_TOKEN_REQUEST_TOKEN": requestToken},
		} {
			src := newTestSource(t, Config{Source: SourceGitHubActions}, Options{Getenv: mapEnv(env)})
			_, err := src.Token(ctx)
			if err == nil || !strings.Contains(err.Error(), "permissions: id-token: write") {
				t.Errorf("env %v: Token = %v", env, err)
			}
			assertNoSecret(t, err, requestToken)
		}
	})

	t.Run("bad request url", func(t *testing.T) {
		env := mapEnv(map[string]string{"ACTIONS_ID_TOKEN_REQUEST_URL": "ftp://SENTINEL-QUERY", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": requestToken})
		_, err := newTestSource(t, Config{Source: SourceGitHubActions}, Options{Getenv: env}).Token(ctx)
		if err == nil || !strings.Contains(err.Error(), "not an http(s) URL") {
			t.Errorf("Token = %v", err)
		}
		assertNoSecret(t, err, "SENTINEL-QUERY")
	})

	t.Run("response without value", func(t *testing.T) {
		odd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"count": 0, "token": "` + raw + `"}`))
		}))
		defer odd.Close()
		_, err := newTestSource(t, Config{Source: SourceGitHubActions}, Options{Getenv: githubEnv(odd, requestToken)}).Token(ctx)
		if err == nil || !strings.Contains(err.Error(), `no "value" string field`) {
			t.Errorf("Token = %v", err)
		}
		assertNoSecret(t, err, raw, requestToken)
	})

	t.Run("unreachable", func(t *testing.T) {
		dead := httptest.NewServer(http.NotFoundHandler())
		dead.Close()
		_, err := newTestSource(t, Config{Source: SourceGitHubActions}, Options{Getenv: githubEnv(dead, requestToken)}).Token(ctx)
		if err == nil || !strings.Contains(err.Error(), "GET "+dead.URL+"/token: ") {
			t.Errorf("Token = %v", err)
		}
		assertNoSecret(t, err, requestToken, "SENTINEL-QUERY")
	})

	t.Run("cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := newTestSource(t, Config{Source: SourceGitHubActions}, Options{Getenv: githubEnv(srv, requestToken)}).Token(cctx)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Token = %v", err)
		}
	})
}

// A redirect is reported, not followed: following it could carry the
// request token to another host.
func TestRedirectsAreNotFollowed(t *testing.T) {
	var hits atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte(`{"value":"x"}`))
	}))
	defer elsewhere.Close()
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/steal?SENTINEL-LOCATION", http.StatusFound)
	}))
	defer redirector.Close()

	following := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
	for name, client := range map[string]*http.Client{"default client": nil, "caller's client": following} {
		t.Run(name, func(t *testing.T) {
			src := newTestSource(t, Config{Source: SourceGitHubActions}, Options{Getenv: githubEnv(redirector, requestToken), HTTPClient: client})
			_, err := src.Token(context.Background())
			if err == nil || !strings.Contains(err.Error(), "302 Found (redirects are not followed)") {
				t.Errorf("Token = %v", err)
			}
			if hits.Load() != 0 {
				t.Error("the redirect was followed")
			}
			assertNoSecret(t, err, requestToken)
		})
	}
	if following.CheckRedirect == nil {
		t.Error("the caller's client was modified")
	}
}

func TestResponseBodyIsCapped(t *testing.T) {
	big := strings.Repeat("A", 2<<20)
	for _, status := range []int{http.StatusOK, http.StatusInternalServerError} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			w.Write([]byte(big))
		}))
		src := newTestSource(t, Config{Source: SourceGCPMetadata}, Options{Getenv: mapEnv(map[string]string{"GCE_METADATA_HOST": strings.TrimPrefix(srv.URL, "http://")})})
		_, err := src.Token(context.Background())
		srv.Close()
		switch {
		case err == nil:
			t.Errorf("status %d: a 2 MiB body was accepted", status)
		case status == http.StatusOK && !strings.Contains(err.Error(), "larger than 1 MiB"):
			t.Errorf("status %d: %v", status, err)
		case len(err.Error()) > 1000:
			t.Errorf("status %d: error is %d bytes long", status, len(err.Error()))
		}
	}
}

func TestGCPMetadataSource(t *testing.T) {
	raw := goodJWT(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.Header.Get("Metadata-Flavor") != "Google" {
			http.Error(w, "missing Metadata-Flavor", http.StatusForbidden)
			return
		}
		if r.URL.Path != "/computeMetadata/v1/instance/service-accounts/default/identity" || q.Get("format") != "full" || q.Get("audience") != "aud-x" {
			http.Error(w, "wrong request "+r.URL.String(), http.StatusNotFound)
			return
		}
		w.Write([]byte(raw + "\n"))
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	src := newTestSource(t, Config{Source: SourceGCPMetadata, Audience: "aud-x"}, Options{Getenv: mapEnv(map[string]string{"GCE_METADATA_HOST": host})})
	if !src.Mints() || src.Describe() != "gcp-metadata (host "+host+", audience aud-x)" {
		t.Errorf("Mints %v, Describe %q", src.Mints(), src.Describe())
	}
	got, err := src.Token(context.Background())
	if err != nil || got != raw {
		t.Fatalf("Token: %v", err)
	}

	// The default host is the metadata server's name.
	d := newTestSource(t, Config{Source: SourceGCPMetadata}, Options{})
	if d.Describe() != "gcp-metadata (host metadata.google.internal, audience https://api.anthropic.com)" {
		t.Errorf("Describe %q", d.Describe())
	}
	bad := newTestSource(t, Config{Source: SourceGCPMetadata}, Options{Getenv: mapEnv(map[string]string{"GCE_METADATA_HOST": "http://x/y"})})
	if _, err := bad.Token(context.Background()); err == nil || !strings.Contains(err.Error(), "GCE_METADATA_HOST must be a host") {
		t.Errorf("Token = %v", err)
	}
}

func TestAzureIMDSSource(t *testing.T) {
	raw := goodJWT(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.Header.Get("Metadata") != "true" || r.URL.Path != "/metadata/identity/oauth2/token" ||
			q.Get("api-version") != "2018-02-01" || q.Get("resource") != DefaultAudience {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"access_token": raw, "token_type": "Bearer"})
	}))
	defer srv.Close()
	src := newTestSource(t, Config{Source: SourceAzureIMDS}, Options{Getenv: mapEnv(map[string]string{"HERMES_AZURE_IMDS_ENDPOINT": srv.URL + "/"})})
	if !src.Mints() || src.Describe() != "azure-imds (endpoint "+srv.URL+"/, audience https://api.anthropic.com)" {
		t.Errorf("Mints %v, Describe %q", src.Mints(), src.Describe())
	}
	got, err := src.Token(context.Background())
	if err != nil || got != raw {
		t.Fatalf("Token: %v", err)
	}
	if d := newTestSource(t, Config{Source: SourceAzureIMDS}, Options{}).Describe(); !strings.Contains(d, "endpoint http://169.254.169.254,") {
		t.Errorf("Describe %q", d)
	}
}

// A fetched token goes through the same checks as a file's.
func TestFetchedTokenIsChecked(t *testing.T) {
	expired := signJWT(t, jose.RS256, "k", claimsWith(map[string]any{"exp": testNow.Add(-time.Hour).Unix(), "iat": testNow.Add(-2 * time.Hour).Unix(), "nbf": nil}))
	srv, _ := githubServer(t, expired)
	_, err := newTestSource(t, Config{Source: SourceGitHubActions}, Options{Getenv: githubEnv(srv, requestToken)}).Token(context.Background())
	var te *TokenError
	if !errors.As(err, &te) || !slices.Equal(codes(te.Findings), []string{"expired"}) || te.ExitCode() != 4 {
		t.Fatalf("Token = %v", err)
	}
	if !strings.Contains(err.Error(), "identity token from github-actions (audience https://api.anthropic.com) cannot be used: the JWT expired") {
		t.Errorf("error %q", err)
	}
	assertNoSecret(t, err, expired, requestToken, "SENTINEL-QUERY")
}

func TestHTTPClientTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	client := &http.Client{Timeout: 50 * time.Millisecond}
	_, err := newTestSource(t, Config{Source: SourceGitHubActions}, Options{Getenv: githubEnv(srv, requestToken), HTTPClient: client}).Token(context.Background())
	if err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("Token = %v", err)
	}
	assertNoSecret(t, err, requestToken, "SENTINEL-QUERY")
}

func TestMetadataSourcesBypassProxy(t *testing.T) {
	for _, kind := range []string{SourceGCPMetadata, SourceAzureIMDS} {
		src, err := NewSource(Config{Source: kind}, Options{Getenv: func(string) string { return "" }})
		if err != nil {
			t.Fatal(err)
		}
		tr, ok := src.(*httpSource).client.Transport.(*http.Transport)
		if !ok || tr.Proxy != nil {
			t.Errorf("%s: metadata requests must not go through HTTPS_PROXY", kind)
		}
	}
	src, err := NewSource(Config{Source: SourceGitHubActions}, Options{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	if src.(*httpSource).client.Transport != nil {
		t.Error("github-actions should use the default transport, proxy included")
	}
}
