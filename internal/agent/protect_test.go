package agent

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2/config"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/authstore"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/credential/resolve"
	"github.com/hermes-agent/hermes/internal/identity"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

const storedKey = "sk-ant-api03-STOREDkeySTOREDkeySTOREDkey"

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

// credWorld is a working directory that, like $HOME, holds HERMES_HOME,
// the SDK config directory and an identity-token file, with ways to reach
// them through "..", symlinks and a hard link.
type credWorld struct {
	work, home, sdk, token string
}

func newCredWorld(t *testing.T) credWorld {
	work := t.TempDir()
	w := credWorld{
		work:  work,
		home:  filepath.Join(work, ".hermes"),
		sdk:   filepath.Join(work, ".config", "anthropic"),
		token: filepath.Join(work, "ci", "token.jwt"),
	}
	write(t, filepath.Join(w.home, "auth.json"), `{"version":1,"credential_pool":{"anthropic":[{"secret":"`+storedKey+`"}]}}`)
	write(t, filepath.Join(w.home, "cache", "wif", "k.json"), `{"access_token":"`+storedKey+`"}`)
	write(t, filepath.Join(w.home, "gateway.key"), "hgw_STOREDgatewayKEY")
	write(t, filepath.Join(w.sdk, "credentials", "default.json"), `{"access_token":"`+storedKey+`"}`)
	write(t, w.token, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjaSJ9.c2ln")
	write(t, filepath.Join(work, "notes.txt"), "ordinary notes")
	os.Mkdir(filepath.Join(work, "sub"), 0o700)
	for link, target := range map[string]string{"link": w.home, "tok": w.token, "sdklink": w.sdk} {
		if err := os.Symlink(target, filepath.Join(work, link)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Link(w.token, filepath.Join(work, "hard.jwt")); err != nil {
		t.Fatal(err)
	}
	return w
}

func assertRefused(t *testing.T, what string, r toolResult) {
	t.Helper()
	if !r.isError || !strings.HasPrefix(r.content, "refused: ") || !strings.Contains(r.content, "credential store") {
		t.Errorf("%s = %+v, want a refusal", what, r)
	}
	for _, s := range []string{"STORED", "eyJ"} {
		if strings.Contains(r.content, s) {
			t.Errorf("%s leaks %q: %q", what, s, r.content)
		}
	}
}

func TestFileToolsRefuseCredentialStores(t *testing.T) {
	w := newCredWorld(t)
	a := newAgent(t, bearerRuntime("http://127.0.0.1:1"), Config{
		Tools: []string{ToolReadFile, ToolListFiles}, WorkDir: w.work,
		Protected: []string{w.home, w.sdk, w.token},
	})
	for _, p := range []string{
		".hermes/auth.json", ".hermes/cache/wif/k.json", ".hermes/gateway.key",
		".hermes/missing.json",                    // no "does not exist": nothing about the store's contents
		"sub/../.hermes/auth.json",                // via ..
		"link/auth.json", "link/cache/wif/k.json", // via a symlink into HERMES_HOME
		".config/anthropic/credentials/default.json", // the SDK's credentials
		"sdklink/credentials/default.json",
		"ci/token.jwt", "tok", // the token file itself, and through a symlink
		"hard.jwt", // a hard link to it: caught on the opened file
	} {
		assertRefused(t, "read_file "+p, a.readPath(p))
	}
	for _, p := range []string{".hermes", "link", ".hermes/cache/wif", ".config/anthropic", "sdklink/credentials"} {
		assertRefused(t, "list_files "+p, a.listFiles(p))
	}

	// Everything else still works, and the store's name may be listed.
	if r := a.readPath("notes.txt"); r.isError || r.content != "ordinary notes" {
		t.Errorf("read notes.txt = %+v", r)
	}
	r := a.listFiles(".")
	if r.isError || !strings.Contains(r.content, ".hermes/") || strings.Contains(r.content, "auth.json") {
		t.Errorf("list . = %+v", r)
	}
	if r := a.listFiles(".config"); r.isError || !strings.Contains(r.content, "anthropic/") {
		t.Errorf("list .config = %+v", r)
	}
}

// The protected paths and the working directory may each be spelled
// through a symlink: both are compared in their symlink-free form.
func TestProtectedMatchesAcrossSymlinkSpellings(t *testing.T) {
	w := newCredWorld(t)
	aliases := t.TempDir()
	workAlias, homeAlias := filepath.Join(aliases, "work"), filepath.Join(aliases, "home")
	os.Symlink(w.work, workAlias)
	os.Symlink(w.home, homeAlias)
	for _, cfg := range []Config{
		{WorkDir: workAlias, Protected: []string{w.home}},
		{WorkDir: w.work, Protected: []string{homeAlias}},
		{WorkDir: filepath.Join(workAlias, ".hermes"), Protected: []string{homeAlias}}, // chat started inside the store
	} {
		cfg.Tools = []string{ToolReadFile, ToolListFiles}
		a := newAgent(t, bearerRuntime("http://127.0.0.1:1"), cfg)
		p := ".hermes/auth.json"
		if strings.HasSuffix(cfg.WorkDir, ".hermes") {
			p = "auth.json"
			assertRefused(t, "list_files . in "+cfg.WorkDir, a.listFiles("."))
		}
		assertRefused(t, "read_file "+p+" in "+cfg.WorkDir, a.readPath(p))
	}
}

// The resolver's SecretPaths finds HERMES_HOME, the SDK directory and every
// identity-token file: the resolved runtime's (here an SDK profile chosen
// with --credential) and the configured WIF's, which lost.
func TestCredentialPaths(t *testing.T) {
	w := newCredWorld(t)
	profileToken := filepath.Join(t.TempDir(), "profile.jwt")
	wifToken := filepath.Join(t.TempDir(), "wif.jwt")
	err := config.SaveProfile(w.sdk, "ci", &config.Config{
		OrganizationID: anthropictest.DefaultOrgID,
		AuthenticationInfo: &config.AuthenticationInfo{
			Type: config.AuthenticationTypeOIDCFederation,
			OIDCFederation: &config.OIDCFederation{
				FederationRuleID: anthropictest.DefaultRuleID,
				IdentityToken:    &config.IdentityTokenConfig{Source: config.IdentityTokenSourceFile, Path: profileToken},
			},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(w.home, "auth.json"))
	err = authstore.Open(w.home).Update(context.Background(), func(f *authstore.File) error {
		f.SetWIF(&authstore.WIF{
			FederationRuleID: anthropictest.DefaultRuleID, OrganizationID: anthropictest.DefaultOrgID,
			IdentityToken: identity.Config{Source: identity.SourceFile, Path: wifToken},
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HOME": w.work, "ANTHROPIC_CONFIG_DIR": w.sdk}
	getenv := func(k string) string { return env[k] }
	r := &resolve.Resolver{Home: w.home, Getenv: getenv, BaseURL: "http://127.0.0.1:1", Credential: "profile:ci"}
	rt, err := r.Resolve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rt.IdentityTokenFile() != profileToken {
		t.Errorf("runtime identity-token file = %q, want the profile's %q", rt.IdentityTokenFile(), profileToken)
	}
	got := r.SecretPaths()
	for _, want := range []string{w.home, w.sdk, profileToken, wifToken, filepath.Join(w.work, ".claude", ".credentials.json")} {
		if !slices.Contains(got, want) {
			t.Errorf("SecretPaths = %v, missing %s", got, want)
		}
	}
}

// A key or JWT in an ordinary file (a .env) is masked before it reaches
// the API, the events or the session, and the result says so.
func TestToolResultsMaskSecretShapes(t *testing.T) {
	const apiKey = "sk-ant-api03-CLIENTkeyCLIENTkeyCLIENTkey"
	const envKey = "sk-ant-api03-SENTINELenvSENTINELenvSENTINEL"
	iss := oidctest.New(t)
	jwt := iss.Mint(oidctest.Claims{})
	api := anthropictest.New(t, anthropictest.Config{Issuer: iss, APIKeys: []string{apiKey}})
	api.Script(
		anthropictest.Reply{ToolUses: []anthropictest.ToolUse{{ID: "toolu_env", Name: ToolReadFile, Input: map[string]string{"path": ".env"}}}},
		anthropictest.Reply{Text: "done"},
	)
	work := t.TempDir()
	write(t, filepath.Join(work, ".env"), "ANTHROPIC_API_KEY="+envKey+"\nID_TOKEN="+jwt+"\nPLAIN=hello\n")
	rt := credential.NewStaticRuntime(api.URL, credential.ModeAPIKey, credential.KindAPIKey, "test", apiKey)
	a := newAgent(t, rt, Config{Tools: []string{ToolReadFile}, WorkDir: work})
	conv := NewConversation(time.Now())
	var events strings.Builder
	if _, err := a.Send(context.Background(), conv, "read .env", func(e Event) { events.WriteString(e.Text) }); err != nil {
		t.Fatal(err)
	}
	reqs := api.MessageRequests()
	if len(reqs) != 2 {
		t.Fatalf("%d message requests, want 2", len(reqs))
	}
	sent := reqs[1].LastUserText()
	if !strings.Contains(sent, "PLAIN=hello") || !strings.Contains(sent, "ANTHROPIC_API_KEY=sk-ant-api03-") || !strings.Contains(sent, "masked") {
		t.Errorf("tool result sent = %q, want the file with the secrets masked and a note", sent)
	}
	store := NewStore(t.TempDir())
	if err := store.Save(conv, time.Now()); err != nil {
		t.Fatal(err)
	}
	session, err := os.ReadFile(filepath.Join(store.Dir, conv.ID+".json"))
	if err != nil {
		t.Fatal(err)
	}
	for where, text := range map[string]string{"request": string(reqs[1].Raw), "events": events.String(), "session": string(session)} {
		for i, s := range []string{envKey, jwt, "SENTINEL"} {
			if strings.Contains(text, s) {
				t.Errorf("the %s holds secret #%d from .env", where, i)
			}
		}
	}
}

// Issue 11 item 10: with the work dir at /, /proc, /sys and /dev are
// refused, spelled directly or through a symlink.
func TestGuardRefusesKernelDirs(t *testing.T) {
	a := &Agent{cfg: Config{WorkDir: "/"}}
	for _, rel := range []string{"proc/self/environ", "sys/kernel", "dev/mem", "proc"} {
		if _, ok := a.guard(rel, rel); ok {
			t.Errorf("%s not refused", rel)
		}
	}
	dir := t.TempDir()
	if err := os.Symlink("/proc/self", filepath.Join(dir, "p")); err != nil {
		t.Fatal(err)
	}
	b := &Agent{cfg: Config{WorkDir: dir}}
	if _, ok := b.guard("p/environ", "p/environ"); ok {
		t.Error("a symlink into /proc was not refused")
	}
	if _, ok := a.guard("etc/hostname", "etc/hostname"); !ok {
		t.Error("an ordinary path was refused")
	}
}
