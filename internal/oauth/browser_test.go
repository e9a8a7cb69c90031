package oauth

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// The browser helper is a child process: it inherits no credential
// variable from the credential layer's list, nor the extra ones named
// (--credential env:VAR, an identity-token variable). Not parallel: it
// sets the process environment the helper inherits.
func TestBrowserHelperInheritsNoCredential(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "env.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	script := filepath.Join(dir, "browser.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\n{ env; echo \"URL=$1\"; } > \"$ENV_FIFO\"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ENV_FIFO", fifo)
	t.Setenv("ANTHROPIC_API_KEY", "s3ntinel-browser-apikey-0123456789")
	t.Setenv("ANTHROPIC_AUTH_TOKEN", "s3ntinel-browser-authtoken-0123456789")
	t.Setenv("CLAUDE_CODE_OAUTH_TOKEN", "s3ntinel-browser-cc-0123456789")
	t.Setenv("MY_PROXY_KEY", "s3ntinel-browser-proxy-0123456789")
	t.Setenv("MY_OIDC_TOKEN", "s3ntinel-browser-oidc-0123456789")
	t.Setenv("HARMLESS", "kept")
	getenv := func(k string) string {
		if k == "BROWSER" {
			return script
		}
		return os.Getenv(k)
	}
	open := BrowserOpener(getenv, "MY_PROXY_KEY", "MY_OIDC_TOKEN")
	if err := open("http://127.0.0.1:1/oauth/authorize?x=1"); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(fifo) // blocks until the helper has written
	if err != nil {
		t.Fatal(err)
	}
	env := string(data)
	if strings.Contains(env, "s3ntinel-browser") {
		t.Errorf("the browser helper inherited a credential:\n%s", env)
	}
	if !strings.Contains(env, "HARMLESS=kept") || !strings.Contains(env, "URL=http://127.0.0.1:1/oauth/authorize?x=1") {
		t.Errorf("helper environment or argument lost:\n%s", env)
	}
}
