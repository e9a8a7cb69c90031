package resolve

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/authstore"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/credential/wif"
	"github.com/hermes-agent/hermes/internal/identity"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

func TestResolveNothingFound(t *testing.T) {
	w := newWorld(t, anthropictest.Config{})
	_, err := w.resolver().Resolve(context.Background())
	var nf *NoCredentialError
	if !errors.As(err, &nf) || exitCode(err) != 4 {
		t.Fatalf("err = %v (exit %d), want NoCredentialError exit 4", err, exitCode(err))
	}
	msg := err.Error()
	for _, want := range []string{"anthropic-wif", "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "SDK profile",
		"hermes auth add anthropic --type wif", "hermes auth add anthropic --type api-key", "ANTHROPIC_FEDERATION_RULE_ID"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
}

func TestResolvePrecedence(t *testing.T) {
	const stale = "sk-ant-api03-STALEstaleSTALEstaleSTALEstaleSTALEstale-000AA"
	const authTok = "sk-ant-oat01-ENVauthTOKENauthTOKENauthTOKENauthTOKEN-000AA"
	const poolKey = "sk-ant-api03-POOLkeyPOOLkeyPOOLkeyPOOLkeyPOOLkeyPOOL-000AA"
	type setup func(w *world)
	wif := func(w *world) {
		w.ConfigureWIF(identity.Config{Source: identity.SourceFile, Path: w.TokenFile(oidctest.Claims{})})
	}
	pool := func(w *world) {
		w.AddPool(authstore.Entry{AuthType: authstore.AuthTypeAPIKey, Label: "ci", APIKey: poolKey, Source: "flag"})
	}
	env := func(k, v string) setup { return func(w *world) { w.Vars[k] = v } }
	envWIF := func(w *world) {
		w.Vars["ANTHROPIC_FEDERATION_RULE_ID"] = anthropictest.DefaultRuleID
		w.Vars["ANTHROPIC_ORGANIZATION_ID"] = anthropictest.DefaultOrgID
		w.Vars["ANTHROPIC_IDENTITY_TOKEN_FILE"] = w.TokenFile(oidctest.Claims{})
		w.Vars["ANTHROPIC_BASE_URL"] = w.API.URL
	}
	profile := func(w *world) {
		dir := w.Vars["ANTHROPIC_CONFIG_DIR"]
		os.MkdirAll(filepath.Join(dir, "configs"), 0o700)
		body := `{"authentication":{"type":"oidc_federation","federation_rule_id":"` + anthropictest.DefaultRuleID +
			`","identity_token":{"source":"file","path":"` + w.TokenFile(oidctest.Claims{}) + `"}},"organization_id":"` +
			anthropictest.DefaultOrgID + `","base_url":"` + w.API.URL + `"}`
		os.WriteFile(filepath.Join(dir, "configs", "ci.json"), []byte(body), 0o600)
		os.WriteFile(filepath.Join(dir, "active_config"), []byte("ci\n"), 0o600)
	}
	tests := []struct {
		name       string
		setups     []setup
		credential string
		wantKind   credential.Kind
		wantMode   credential.Mode
		wantSource string // prefix of credential.Runtime.Source
		wantWarn   string // substring of stderr; "" means stderr must be empty
	}{
		{"api key env", []setup{env("ANTHROPIC_API_KEY", stale)}, "", credential.KindAPIKey, credential.ModeAPIKey, "ANTHROPIC_API_KEY", ""},
		{"auth token beats api key", []setup{env("ANTHROPIC_API_KEY", stale), env("ANTHROPIC_AUTH_TOKEN", authTok)}, "", credential.KindAuthToken, credential.ModeBearer, "ANTHROPIC_AUTH_TOKEN",
			"hermes: using ANTHROPIC_AUTH_TOKEN (environment); ignoring ANTHROPIC_API_KEY from the environment\n"},
		{"configured WIF beats stale api key", []setup{wif, env("ANTHROPIC_API_KEY", stale)}, "", credential.KindWIF, credential.ModeBearer, "anthropic-wif (configured WIF, file ",
			"hermes: using anthropic-wif (configured WIF); ignoring ANTHROPIC_API_KEY from the environment\n"},
		{"configured WIF beats pool, silently", []setup{wif, pool}, "", credential.KindWIF, credential.ModeBearer, "anthropic-wif", ""},
		{"pool beats env", []setup{pool, env("ANTHROPIC_API_KEY", stale)}, "", credential.KindAPIKey, credential.ModeAPIKey, "pool entry 1 (", "ignoring ANTHROPIC_API_KEY from the environment"},
		{"env WIF beats auth token", []setup{envWIF, env("ANTHROPIC_AUTH_TOKEN", authTok)}, "", credential.KindWIF, credential.ModeBearer, "SDK WIF environment variables, identity token from file ",
			"hermes: using SDK WIF variables (ANTHROPIC_FEDERATION_RULE_ID, …) from the environment; ignoring ANTHROPIC_AUTH_TOKEN from the environment\n"},
		{"SDK profile last", []setup{profile}, "", credential.KindWIF, credential.ModeBearer, "profile ci (SDK profile, file ", ""},
		{"api key beats profile", []setup{profile, env("ANTHROPIC_API_KEY", stale)}, "", credential.KindAPIKey, credential.ModeAPIKey, "ANTHROPIC_API_KEY", "ignoring SDK profile ci"},
		{"--credential env:VAR", []setup{wif, env("MY_KEY", poolKey)}, "env:MY_KEY", credential.KindAPIKey, credential.ModeAPIKey, "env:MY_KEY (--credential)", ""},
		{"--credential number", []setup{wif, pool}, "2", credential.KindAPIKey, credential.ModeAPIKey, "pool entry 2 (", ""},
		{"--credential label", []setup{wif, pool}, "ci", credential.KindAPIKey, credential.ModeAPIKey, "pool entry 2 (", ""},
		{"--credential anthropic-wif", []setup{pool, wif}, "anthropic-wif", credential.KindWIF, credential.ModeBearer, "anthropic-wif (--credential", ""},
		{"--credential profile", []setup{profile, env("ANTHROPIC_API_KEY", stale)}, "profile:ci", credential.KindWIF, credential.ModeBearer, "profile:ci (--credential", ""},
		{"incomplete env WIF is skipped", []setup{env("ANTHROPIC_FEDERATION_RULE_ID", anthropictest.DefaultRuleID), env("ANTHROPIC_API_KEY", stale)}, "", credential.KindAPIKey, credential.ModeAPIKey, "ANTHROPIC_API_KEY", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, anthropictest.Config{})
			for _, s := range tt.setups {
				s(w)
			}
			r := w.resolver()
			r.Credential = tt.credential
			rt := mustResolve(t, r)
			if rt.Kind != tt.wantKind || rt.Mode != tt.wantMode || !strings.HasPrefix(rt.Source, tt.wantSource) {
				t.Errorf("got kind %s mode %s source %q; want %s %s %q…", rt.Kind, rt.Mode, rt.Source, tt.wantKind, tt.wantMode, tt.wantSource)
			}
			got := w.Stderr.String()
			if tt.wantWarn == "" && got != "" || !strings.Contains(got, tt.wantWarn) {
				t.Errorf("stderr = %q, want %q", got, tt.wantWarn)
			}
			if strings.Count(got, "\n") > 1 {
				t.Errorf("more than one warning line: %q", got)
			}
			w.AssertNoSecrets(got+rt.Source, stale, authTok, poolKey)
			// The same resolution again prints nothing more: once per process.
			w.Stderr.Reset()
			mustResolve(t, r)
			if w.Stderr.Len() != 0 {
				t.Errorf("second resolution warned again: %q", w.Stderr.String())
			}
		})
	}
}

// The SDK WIF variables read as one source everywhere they are named:
// credential.Runtime.Source (chat and gateway banners), the status rows, the shadow
// notes and the summary, without parentheses inside parentheses.
func TestEnvWIFWording(t *testing.T) {
	w := newWorld(t, anthropictest.Config{})
	tokenFile := w.TokenFile(oidctest.Claims{})
	w.Vars["ANTHROPIC_FEDERATION_RULE_ID"] = anthropictest.DefaultRuleID
	w.Vars["ANTHROPIC_ORGANIZATION_ID"] = anthropictest.DefaultOrgID
	w.Vars["ANTHROPIC_IDENTITY_TOKEN_FILE"] = tokenFile
	w.Vars["ANTHROPIC_API_KEY"] = testAPIKey
	r := w.resolver()
	rt := mustResolve(t, r)
	if want := "SDK WIF environment variables, identity token from file " + tokenFile; rt.Source != want {
		t.Errorf("Source = %q, want %q", rt.Source, want)
	}
	rep, err := r.Report(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, st := range rep.Sources {
		texts = append(texts, st.Name, st.Origin, st.Detail)
		switch st.Name {
		case "SDK WIF variables (ANTHROPIC_FEDERATION_RULE_ID, …)":
			if st.Origin != OriginEnv || st.State != StateUsed {
				t.Errorf("SDK WIF row: %+v", st)
			}
		case "ANTHROPIC_API_KEY":
			if st.Detail != "shadowed by SDK WIF variables (ANTHROPIC_FEDERATION_RULE_ID, …) from the environment, which comes first" {
				t.Errorf("API key row: %q", st.Detail)
			}
		}
	}
	texts = append(texts, rt.Source, rep.Summary, w.Stderr.String())
	for _, s := range texts {
		if strings.Contains(s, ") (") || strings.Contains(s, "((") || strings.Contains(s, "(environment (") {
			t.Errorf("nested or doubled parentheses: %q", s)
		}
	}
	if !strings.Contains(rep.Summary, "hermes will use SDK WIF variables (ANTHROPIC_FEDERATION_RULE_ID, …) because nothing is stored") {
		t.Errorf("summary = %q", rep.Summary)
	}
}

func TestResolveCredentialTargetErrors(t *testing.T) {
	w := newWorld(t, anthropictest.Config{})
	w.Vars["ANTHROPIC_API_KEY"] = testAPIKey
	for _, target := range []string{"nope", "7", "env:UNSET", "profile:missing", "anthropic-wif"} {
		r := w.resolver()
		r.Credential = target
		_, err := r.Resolve(context.Background())
		var te *TargetError
		if !errors.As(err, &te) || exitCode(err) != 4 {
			t.Errorf("--credential %s: err = %v, want a TargetError with exit 4 (never a fallback)", target, err)
		}
	}
}

func TestResolveBaseURL(t *testing.T) {
	w := newWorld(t, anthropictest.Config{})
	w.AddPool(authstore.Entry{AuthType: authstore.AuthTypeAPIKey, APIKey: testAPIKey, BaseURL: "https://own.example/"})
	r := w.resolver()
	if got := mustResolve(t, r).BaseURL; got != "https://own.example" {
		t.Errorf("own: %q", got)
	}
	w.Vars["ANTHROPIC_BASE_URL"] = "https://env.example"
	if got := mustResolve(t, r).BaseURL; got != "https://env.example" {
		t.Errorf("env: %q", got)
	}
	r.BaseURL = "http://127.0.0.1:1/"
	if got := mustResolve(t, r).BaseURL; got != "http://127.0.0.1:1" {
		t.Errorf("flag: %q", got)
	}
	r.BaseURL = "ftp://x"
	if _, err := r.Resolve(context.Background()); err == nil || !strings.Contains(err.Error(), "--base-url") {
		t.Errorf("invalid base URL: %v", err)
	}
	w2 := newWorld(t, anthropictest.Config{})
	w2.Vars["ANTHROPIC_API_KEY"] = testAPIKey
	if got := mustResolve(t, w2.resolver()).BaseURL; got != DefaultBaseURL {
		t.Errorf("default: %q", got)
	}
}

// A key or token never goes over plain http to a remote host, whichever
// source names the base URL: the exchange refuses that, and so must a
// static credential (it would otherwise travel in clear text).
func TestResolveRefusesPlainHTTPToRemoteHost(t *testing.T) {
	w := newWorld(t, anthropictest.Config{})
	w.Vars["ANTHROPIC_API_KEY"] = testAPIKey
	r := w.resolver()
	for _, u := range []string{"http://example.com", "http://10.0.0.5:8787/"} {
		r.BaseURL = u
		if rt, err := r.Resolve(context.Background()); err == nil {
			t.Errorf("--base-url %s: resolved to %s, want an error", u, rt.BaseURL)
		} else if !strings.Contains(err.Error(), "https") {
			t.Errorf("--base-url %s: error %q does not say https is needed", u, err)
		}
	}
	r.BaseURL = ""
	w.Vars["ANTHROPIC_BASE_URL"] = "http://example.com"
	if _, err := r.Resolve(context.Background()); err == nil || !strings.Contains(err.Error(), "ANTHROPIC_BASE_URL") {
		t.Errorf("ANTHROPIC_BASE_URL over http: err = %v, want one naming the variable", err)
	}
	w.Vars["ANTHROPIC_BASE_URL"] = "http://localhost:8787"
	if got := mustResolve(t, r).BaseURL; got != "http://localhost:8787" {
		t.Errorf("loopback http: %q", got)
	}
}

func TestResolveCorruptAuthJSONIsAnError(t *testing.T) {
	w := newWorld(t, anthropictest.Config{})
	w.Vars["ANTHROPIC_API_KEY"] = testAPIKey
	os.WriteFile(filepath.Join(w.Home, "auth.json"), []byte("{not json"), 0o600)
	_, err := w.resolver().Resolve(context.Background())
	if err == nil || !strings.Contains(err.Error(), "auth.json") {
		t.Fatalf("err = %v, want one naming auth.json (no silent fallback to the environment)", err)
	}
}

// Within one process, resolving one WIF configuration twice shares one
// token source: one exchange.
func TestResolveSharesWIFSourceInProcess(t *testing.T) {
	w := newWorld(t, anthropictest.Config{})
	w.ConfigureWIF(identity.Config{Source: identity.SourceFile, Path: w.TokenFile(oidctest.Claims{})})
	a, b := mustResolve(t, w.resolver()), mustResolve(t, w.resolver())
	if a.Tokens != b.Tokens {
		t.Fatal("two resolutions of one WIF configuration got two token sources")
	}
	mustToken(t, a.Tokens)
	mustToken(t, b.Tokens)
	if n := w.API.ExchangeCount(); n != 1 {
		t.Fatalf("exchanges = %d, want 1", n)
	}
}

func TestWIFConfigKeyChangesWithEveryField(t *testing.T) {
	base := wif.Config{FederationRuleID: "fdrl_a", OrganizationID: "o", BaseURL: "https://x", Identity: identity.Config{Source: "file", Path: "/t"}}
	variants := []func(*wif.Config){
		func(c *wif.Config) { c.FederationRuleID = "fdrl_b" },
		func(c *wif.Config) { c.OrganizationID = "p" },
		func(c *wif.Config) { c.ServiceAccountID = "svac_x" },
		func(c *wif.Config) { c.WorkspaceID = "default" },
		func(c *wif.Config) { c.BaseURL = "https://y" },
		func(c *wif.Config) { c.Identity.Path = "/u" },
		func(c *wif.Config) { c.Identity = identity.Config{Source: "github-actions"} },
		func(c *wif.Config) { c.Identity.Audience = "aud" },
	}
	seen := map[string]bool{base.Key(): true}
	for i, v := range variants {
		c := base
		v(&c)
		if seen[c.Key()] {
			t.Errorf("variant %d shares a cache key", i)
		}
		seen[c.Key()] = true
	}
	c := base
	c.BaseURL += "/"
	if c.Key() != base.Key() {
		t.Error("a trailing slash changed the key")
	}
}
