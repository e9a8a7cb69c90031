package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/credential/credentialtest"
	"github.com/hermes-agent/hermes/internal/credential/resolve"
	"github.com/hermes-agent/hermes/internal/credential/wif"
	"github.com/hermes-agent/hermes/internal/hermestest"
	"github.com/hermes-agent/hermes/internal/identity"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

// These tests run the real hermes binary as separate processes
// (hermestest): the WIF token cache is shared on disk, not just in one
// process's memory. (They were the resolver's; a unit test of
// internal/credential/resolve must not build cmd/hermes.)

// The outside world (issuer, stand-in, HERMES_HOME, variables) is
// credentialtest's, shared with the resolver's and the WIF source's tests;
// this file adds running hermes in it.

type world struct{ *credentialtest.World }

const testAPIKey = credentialtest.APIKey

func newWorld(t *testing.T, cfg anthropictest.Config) *world {
	t.Helper()
	return &world{credentialtest.NewWorld(t, cfg)}
}

type result struct {
	stdout, stderr string
	code           int
}

func (w *world) run(t *testing.T, bin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = hermestest.Env("HERMES_HOME="+w.Home, "HOME="+w.Home, "PATH="+os.Getenv("PATH"))
	for k, v := range w.Vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{out.String(), errb.String(), code}
}

// expireCache makes every cached token look expired, as if time passed.
func (w *world) expireCache(t *testing.T) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(wif.CacheDir(w.Home), "*.json"))
	if len(files) != 1 {
		t.Fatalf("cache files: %v", files)
	}
	var e map[string]any
	data, _ := os.ReadFile(files[0])
	json.Unmarshal(data, &e)
	e["expires_at"] = time.Now().Add(-time.Minute)
	data, _ = json.Marshal(e)
	os.WriteFile(files[0], data, 0o600)
}

func TestProcessesShareOneExchange(t *testing.T) {
	t.Parallel()
	bin := hermestest.Binary(t)
	w := newWorld(t, anthropictest.Config{})
	path := w.TokenFile(oidctest.Claims{})
	w.ConfigureWIF(identity.Config{Source: identity.SourceFile, Path: path})
	w.Vars["ANTHROPIC_API_KEY"] = testAPIKey // stale: must be ignored, named once per HERMES_HOME

	var first string
	for i := range 5 {
		r := w.run(t, bin, "auth", "token")
		if r.code != 0 {
			t.Fatalf("run %d: exit %d: %s", i, r.code, r.stderr)
		}
		if i == 0 {
			first = r.stdout
		}
		if r.stdout != first || !strings.HasPrefix(r.stdout, anthropictest.AccessTokenPrefix) || strings.Count(r.stdout, "\n") != 1 {
			t.Fatalf("run %d printed %d bytes, not the cached token alone", i, len(r.stdout))
		}
		// The notice is remembered under HERMES_HOME: the first run only.
		if warned := strings.Contains(r.stderr, "ignoring ANTHROPIC_API_KEY from the environment"); warned != (i == 0) {
			t.Errorf("run %d: shadowing warning %v: %q", i, warned, r.stderr)
		}
		w.AssertNoSecrets(r.stderr, testAPIKey)
	}
	if n := w.API.ExchangeCount(); n != 1 {
		t.Fatalf("5 sequential processes made %d exchanges, want 1", n)
	}

	// env and status reuse it too, and status never prints a secret.
	env := w.run(t, bin, "auth", "env")
	if env.code != 0 || !strings.Contains(env.stdout, "export ANTHROPIC_AUTH_TOKEN='"+strings.TrimSpace(first)+"'") ||
		!strings.Contains(env.stdout, "export ANTHROPIC_BASE_URL='"+w.API.URL+"'") || strings.Contains(env.stdout, "ANTHROPIC_API_KEY") {
		t.Fatalf("env: %+v", env)
	}
	st := w.run(t, bin, "auth", "status", "--check")
	if st.code != 0 || !strings.Contains(st.stdout, "Check: ok") || !strings.Contains(st.stdout, "jti ") || !strings.Contains(st.stdout, "cached access token: expires") {
		t.Fatalf("status: %+v", st)
	}
	w.AssertNoSecrets(st.stdout+st.stderr, testAPIKey)
	if n := w.API.ExchangeCount(); n != 1 {
		t.Fatalf("env/status exchanged again: %d", n)
	}

	// The token expires; the file was not rotated: no exchange, a clear error.
	w.expireCache(t)
	r := w.run(t, bin, "auth", "token")
	if r.code != 4 || !strings.Contains(r.stderr, "token file "+path+" was not rotated") || r.stdout != "" {
		t.Fatalf("spent: %+v", r)
	}
	if n := len(w.API.Exchanges()); n != 1 {
		t.Fatalf("the spent JWT was sent again: %d exchange calls", n)
	}
	// Rotated: exactly one new exchange.
	w.WriteJWT(path, w.Iss.Mint(oidctest.Claims{}))
	for range 2 {
		if r := w.run(t, bin, "auth", "token"); r.code != 0 {
			t.Fatalf("after rotation: %+v", r)
		}
	}
	if n := w.API.ExchangeCount(); n != 2 {
		t.Fatalf("after rotation: %d exchanges, want 2", n)
	}
}

func TestConcurrentColdProcessesExchangeOnce(t *testing.T) {
	t.Parallel()
	bin := hermestest.Binary(t)
	w := newWorld(t, anthropictest.Config{})
	w.ConfigureWIF(identity.Config{Source: identity.SourceFile, Path: w.TokenFile(oidctest.Claims{})})
	var wg sync.WaitGroup
	results := make([]result, 10)
	for i := range results {
		wg.Go(func() { results[i] = w.run(t, bin, "auth", "token") })
	}
	wg.Wait()
	for i, r := range results {
		if r.code != 0 || r.stdout != results[0].stdout {
			t.Errorf("process %d: exit %d, stderr %q", i, r.code, r.stderr)
		}
	}
	if n := len(w.API.Exchanges()); n != 1 {
		t.Fatalf("10 concurrent cold processes made %d exchange calls, want 1", n)
	}
}

func TestProcessNothingResolves(t *testing.T) {
	t.Parallel()
	bin := hermestest.Binary(t)
	w := newWorld(t, anthropictest.Config{})
	for _, args := range [][]string{{"auth", "token"}, {"auth", "env"}, {"auth", "status"}} {
		r := w.run(t, bin, args...)
		if r.code != 4 || !strings.Contains(r.stderr, "hermes auth add anthropic --type api-key") {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
		if args[1] != "status" && r.stdout != "" {
			t.Errorf("%v printed %q", args, r.stdout)
		}
	}
	w.Vars["ANTHROPIC_API_KEY"] = testAPIKey
	r := w.run(t, bin, "auth", "env", "--format", "json")
	var got map[string]string
	if json.Unmarshal([]byte(r.stdout), &got) != nil || got["ANTHROPIC_API_KEY"] != testAPIKey || got["ANTHROPIC_BASE_URL"] != resolve.DefaultBaseURL || len(got) != 2 {
		t.Fatalf("env json: %+v", r)
	}
	st := w.run(t, bin, "auth", "status", "--json")
	w.AssertNoSecrets(st.stdout+st.stderr, testAPIKey)
	if st.code != 0 || !strings.Contains(st.stdout, `"state": "used"`) {
		t.Fatalf("status --json: %+v", st)
	}
}
