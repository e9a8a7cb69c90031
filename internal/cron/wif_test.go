package cron

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/apiclient"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/credential/resolve"
	"github.com/hermes-agent/hermes/internal/models"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

// wifWorld is the daemon with the real resolver and agent against the
// OIDC issuer and Anthropic stand-ins, all on one fake clock. The
// identity token file is rewritten before each run, as a projected
// service-account token would be.
type wifWorld struct {
	*harness
	iss       *oidctest.Issuer
	api       *anthropictest.Server
	tokenFile string
}

func newWIFWorld(t *testing.T, ttl time.Duration) *wifWorld {
	clock := newFakeClock(t0)
	iss := oidctest.New(t, oidctest.WithClock(clock.Now))
	api := anthropictest.New(t, anthropictest.Config{Issuer: iss, TokenTTL: ttl, Now: clock.Now})
	home := t.TempDir()
	w := &wifWorld{iss: iss, api: api, tokenFile: filepath.Join(home, "token.jwt")}
	env := map[string]string{
		"HOME":                          home,
		"ANTHROPIC_CONFIG_DIR":          filepath.Join(home, "sdk"),
		"ANTHROPIC_FEDERATION_RULE_ID":  anthropictest.DefaultRuleID,
		"ANTHROPIC_ORGANIZATION_ID":     anthropictest.DefaultOrgID,
		"ANTHROPIC_IDENTITY_TOKEN_FILE": w.tokenFile,
	}
	// What cmdutil.Factory.Resolve does: a new Resolver per call, sharing
	// the process's token sources.
	sources := credential.NewSources()
	resolve := func(ctx context.Context) (*credential.Runtime, error) {
		r := &resolve.Resolver{
			Home:    home,
			Getenv:  func(k string) string { return env[k] },
			Stderr:  os.Stderr,
			BaseURL: api.URL,
			Now:     clock.Now,
			Sources: sources,
		}
		return r.Resolve(ctx)
	}
	h := newHarness(t, resolve, RunnerFunc(oneMessage))
	h.clock = clock
	h.daemon.Exec.Clock = clock
	h.store = &Store{Dir: filepath.Join(home, "cron")}
	h.daemon.Exec.Store = h.store
	w.harness = h
	return w
}

// oneMessage is the daemon's work in these tests: the job's prompt as one
// API call on the runtime resolved for the run, its text the output.
// (The real runner, the agent, is internal/cli/cron's: the scheduler
// does not depend on it.)
func oneMessage(ctx context.Context, rt *credential.Runtime, job Job) (string, error) {
	client := apiclient.New(rt, option.WithMaxRetries(2))
	msg, err := client.Messages.New(ctx, anthropic.MessageNewParams{
		Model:     models.DefaultModel,
		MaxTokens: 100,
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(job.Prompt))},
	})
	if err != nil {
		return "", err
	}
	var out strings.Builder
	for _, b := range msg.Content {
		out.WriteString(b.Text)
	}
	return out.String(), nil
}

// rotateJWT writes a JWT issued at at, the time of the coming run.
func (w *wifWorld) rotateJWT(at time.Time) {
	w.t.Helper()
	if err := os.WriteFile(w.tokenFile, []byte(w.iss.Mint(oidctest.Claims{IssuedAt: at})+"\n"), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// apiCalls are the /v1/messages requests so far.
func (w *wifWorld) apiCalls() []anthropictest.Request {
	var out []anthropictest.Request
	for _, r := range w.api.Requests() {
		if r.Path == "/v1/messages" {
			out = append(out, r)
		}
	}
	return out
}

func (w *wifWorld) assertNoSecrets() {
	w.t.Helper()
	var all strings.Builder
	all.WriteString(w.logs.String())
	filepath.Walk(w.store.Dir, func(path string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			data, _ := os.ReadFile(path)
			all.Write(data)
		}
		return nil
	})
	for _, s := range w.api.Secrets() {
		if strings.Contains(all.String(), s) {
			w.t.Fatalf("a secret (%d bytes) appears in the cron files or daemon log", len(s))
		}
	}
}

// A job fires on schedule across a token expiry: every API call is bearer
// with the OAuth beta, and there is one exchange per token lifetime.
func TestDaemonWIFAcrossTokenExpiry(t *testing.T) {
	w := newWIFWorld(t, 90*time.Minute)
	w.addJob("hourly", "@every 1h")
	w.start()

	for i := 1; i <= 3; i++ {
		at := t0.Add(time.Duration(i) * time.Hour)
		w.rotateJWT(at)
		w.step(at)
		r := w.next()
		if r.Status != StatusOK || r.Output != "echo: summarize hourly" {
			t.Fatalf("run %d: %+v", i, r)
		}
		if !strings.Contains(r.Credential, "FEDERATION") && !strings.Contains(strings.ToLower(r.Credential), "wif") {
			t.Errorf("run %d credential %q: not the WIF one", i, r.Credential)
		}
	}
	w.clock.BlockUntilWaiting()
	if err := w.stop(); err != nil {
		t.Fatal(err)
	}
	// The token minted at +1h lives until +2h30: +2h reuses it, +3h exchanges again.
	if n := w.api.ExchangeCount(); n != 2 {
		t.Errorf("%d exchanges, want 2 (one per token lifetime)", n)
	}
	calls := w.apiCalls()
	if len(calls) != 3 {
		t.Fatalf("%d API calls, want 3", len(calls))
	}
	for i, c := range calls {
		if c.AuthScheme != "bearer" || !strings.Contains(c.Beta, anthropictest.OAuthBeta) || c.WorkspaceHeader != "" || c.Status != 200 {
			t.Errorf("call %d: %+v", i, c)
		}
	}
	if calls[0].CredentialHash != calls[1].CredentialHash || calls[1].CredentialHash == calls[2].CredentialHash {
		t.Errorf("token use across expiry wrong: %s %s %s", calls[0].CredentialHash, calls[1].CredentialHash, calls[2].CredentialHash)
	}
	w.assertNoSecrets()
}

// An exchange failure fails that run only: it is recorded with its error,
// and the next run exchanges and succeeds.
func TestDaemonWIFExchangeFailureThenRecovery(t *testing.T) {
	w := newWIFWorld(t, 90*time.Minute)
	w.addJob("check", "@every 1h")
	w.start()

	w.api.Fault("/v1/oauth/token", anthropictest.Fault{Status: 500, Times: 1})
	w.rotateJWT(t0.Add(time.Hour))
	w.step(t0.Add(time.Hour))
	r := w.next()
	if r.Status != StatusError || r.Error == "" {
		t.Fatalf("run with a failing exchange: %+v", r)
	}
	job, _ := w.store.Get("check")
	if job.LastRun == nil || job.LastRun.Status != StatusError {
		t.Fatalf("last run: %+v", job.LastRun)
	}
	w.rotateJWT(t0.Add(2 * time.Hour))
	w.step(t0.Add(2 * time.Hour))
	if r := w.next(); r.Status != StatusOK {
		t.Fatalf("run after the failure: %+v", r)
	}
	if n := w.api.ExchangeCount(); n != 1 {
		t.Errorf("%d successful exchanges, want 1", n)
	}
	for i, c := range w.apiCalls() {
		if c.AuthScheme != "bearer" {
			t.Errorf("call %d: %s, want bearer (never a fallback)", i, c.AuthScheme)
		}
	}
	w.assertNoSecrets()
}
