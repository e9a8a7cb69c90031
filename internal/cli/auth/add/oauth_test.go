package add

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/config"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/authstore"
	"github.com/hermes-agent/hermes/internal/cmdutil"
)

func oauthWorld(t *testing.T, h *harness) *anthropictest.Server {
	t.Helper()
	s := anthropictest.New(t, anthropictest.Config{Rules: []anthropictest.Rule{{ID: anthropictest.DefaultRuleID, Issuer: "https://issuer.invalid"}}})
	env := map[string]string{
		"HERMES_OAUTH_AUTHORIZE_URL": s.URL + "/oauth/authorize",
		"HERMES_OAUTH_TOKEN_URL":     s.URL + "/v1/oauth/token",
		"HERMES_OAUTH_REDIRECT_URI":  s.URL + anthropictest.CodeCallbackPath,
		"HOME":                       h.home,
		"ANTHROPIC_CONFIG_DIR":       filepath.Join(h.home, "anthropic"),
	}
	h.opts.Getenv = func(k string) string { return env[k] }
	return s
}

func TestMenuOAuthBrowser(t *testing.T) {
	h := newHarness(t, true, &fakePrompter{selects: []int{1}})
	s := oauthWorld(t, h)
	h.opts.OpenBrowser = func(u string) error {
		go func() {
			resp, err := http.Get(u)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
		return nil
	}
	if err := Run(context.Background(), h.opts); err != nil {
		t.Fatal(err)
	}
	pool := h.file(t).Pool()
	if len(pool) != 1 || pool[0].AuthType != authstore.AuthTypeOAuth || pool[0].Label != anthropictest.OAuthAccountEmail || pool[0].RefreshToken == "" || pool[0].ExpiresAtMs == 0 || pool[0].TokenURL != s.URL+"/v1/oauth/token" {
		t.Fatalf("pool %+v", pool)
	}
	if !strings.Contains(h.out.String(), "Added the OAuth login of dev@example.com") {
		t.Fatalf("out %q", h.out)
	}
	h.noSecrets(t, s.Secrets()...)

	// A second login of the same account replaces the first.
	h.opts.Prompter = &fakePrompter{selects: []int{1}}
	if err := Run(context.Background(), h.opts); err != nil {
		t.Fatal(err)
	}
	if pool2 := h.file(t).Pool(); len(pool2) != 1 || pool2[0].ID != pool[0].ID || pool2[0].AccessToken == pool[0].AccessToken {
		t.Fatalf("not replaced: %+v", pool2)
	}
}

// pasteReader is stdin of the paste flow: on the first read it plays the
// user, who opens the URL hermes printed and pastes the code shown.
type pasteReader struct {
	t      *testing.T
	stderr interface{ String() string }
	edit   func(string) string
	r      io.Reader
}

func (p *pasteReader) Read(b []byte) (int, error) {
	if p.r == nil {
		var u string
		for _, f := range strings.Fields(p.stderr.String()) {
			if strings.HasPrefix(f, "http") {
				u = f
			}
		}
		resp, err := http.Get(u)
		if err != nil {
			return 0, err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		lines := strings.Split(strings.TrimSpace(string(body)), "\n")
		code := lines[len(lines)-1]
		if p.edit != nil {
			code = p.edit(code)
		}
		p.r = strings.NewReader(code + "\n")
	}
	return p.r.Read(b)
}

func TestOAuthPasteFromStdin(t *testing.T) {
	h := newHarness(t, false, &fakePrompter{})
	s := oauthWorld(t, h)
	h.opts.Type, h.opts.OAuth.NoBrowser, h.opts.Label = "oauth", true, "me"
	h.opts.IO.In = &pasteReader{t: t, stderr: h.err}
	if err := Run(context.Background(), h.opts); err != nil {
		t.Fatalf("%v\n%s", err, h.err)
	}
	if pool := h.file(t).Pool(); len(pool) != 1 || pool[0].Label != "me" || pool[0].Account != anthropictest.OAuthAccountEmail {
		t.Fatalf("pool %+v", pool)
	}
	h.noSecrets(t, s.Secrets()...)
}

func TestOAuthPasteWrongState(t *testing.T) {
	h := newHarness(t, false, &fakePrompter{})
	oauthWorld(t, h)
	h.opts.Type, h.opts.OAuth.NoBrowser = "oauth", true
	h.opts.IO.In = &pasteReader{t: t, stderr: h.err, edit: func(c string) string { code, _, _ := strings.Cut(c, "#"); return code + "#forged" }}
	err := Run(context.Background(), h.opts)
	if err == nil || !strings.Contains(err.Error(), "does not belong to this login") || cmdutil.ExitCode(err) != 4 {
		t.Fatalf("err %v", err)
	}
	if _, serr := os.Stat(filepath.Join(h.home, "auth.json")); serr == nil {
		t.Fatal("auth.json written")
	}
}

func TestOAuthSaveProfile(t *testing.T) {
	h := newHarness(t, false, &fakePrompter{})
	s := oauthWorld(t, h)
	h.opts.Type, h.opts.OAuth.NoBrowser, h.opts.SaveProfile = "oauth", true, "dev"
	h.opts.IO.In = &pasteReader{t: t, stderr: h.err}
	h.opts.setFlags = []string{"type", "no-browser", "save-profile"}
	// The profile refreshes at base_url/v1/oauth/token: without --base-url it cannot say the stand-in.
	if err := Run(context.Background(), h.opts); err == nil || !strings.Contains(err.Error(), "needs --base-url "+s.URL) || cmdutil.ExitCode(err) != 2 {
		t.Fatalf("err %v", err)
	}
	h.opts.BaseURL = s.URL
	if err := Run(context.Background(), h.opts); err != nil {
		t.Fatalf("%v\n%s", err, h.err)
	}
	dir := filepath.Join(h.home, "anthropic")
	cfg, err := config.LoadProfile(dir, "dev")
	if err != nil || cfg.AuthenticationInfo.Type != config.AuthenticationTypeUserOAuth || cfg.AuthenticationInfo.UserOAuth.ClientID != anthropictest.DefaultOAuthClientID || cfg.BaseURL != s.URL {
		t.Fatalf("profile %+v %v", cfg, err)
	}
	// The official SDK uses the profile hermes wrote, unchanged.
	t.Setenv("ANTHROPIC_CONFIG_DIR", dir)
	for _, k := range []string{"ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	client := anthropic.NewClient(option.WithProfile("dev"), option.WithMaxRetries(0))
	if _, err := client.Models.List(context.Background(), anthropic.ModelListParams{}); err != nil {
		t.Fatalf("SDK with hermes's profile: %v", err)
	}
	pool := h.file(t).Pool()
	if len(pool) != 1 || pool[0].Source != authstore.SourceSDKProfile || pool[0].AccessToken != "" || pool[0].File != config.ProfileCredentialsPath(dir, "dev") {
		t.Fatalf("pool %+v", pool)
	}
}

func TestFromClaudeCode(t *testing.T) {
	h := newHarness(t, false, &fakePrompter{})
	oauthWorld(t, h)
	h.opts.Type, h.opts.OAuth.FromClaudeCode = "oauth", true
	err := Run(context.Background(), h.opts)
	if err == nil || !strings.Contains(err.Error(), "does not exist: log in with `claude` first") || cmdutil.ExitCode(err) != 4 {
		t.Fatalf("missing file: %v", err)
	}
	path := filepath.Join(h.home, ".claude", ".credentials.json")
	os.MkdirAll(filepath.Dir(path), 0o700)
	os.WriteFile(path, []byte(fmt.Sprintf(`{"claudeAiOauth":{"accessToken":"sk-ant-oat01-x","refreshToken":"sk-ant-ort01-y","expiresAt":%d,"subscriptionType":"pro"}}`, h.now.Add(3600e9).UnixMilli())), 0o600)
	for range 2 { // the second time finds it already there
		if err := Run(context.Background(), h.opts); err != nil {
			t.Fatal(err)
		}
	}
	pool := h.file(t).Pool()
	if len(pool) != 1 || pool[0].Source != authstore.SourceClaudeCode || pool[0].File != path || pool[0].AccessToken != "" || pool[0].Label != "claude-code" {
		t.Fatalf("pool %+v", pool)
	}
	h.opts.SaveProfile = "x"
	if err := Run(context.Background(), h.opts); cmdutil.ExitCode(err) != 2 || !strings.Contains(err.Error(), "second copy") {
		t.Fatalf("save-profile: %v", err)
	}
	// The menu offers it when the file exists.
	h2 := newHarness(t, true, &fakePrompter{selects: []int{3}})
	h2.home = h.home
	h2.opts.Home, h2.opts.Getenv = h.opts.Home, h.opts.Getenv
	if err := Run(context.Background(), h2.opts); err != nil || !strings.Contains(h2.out.String(), "Claude Code's login in place") {
		t.Fatalf("menu: %v %s", err, h2.out)
	}
}
