package importprofile

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2/config"

	"github.com/hermes-agent/hermes/internal/authstore"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/iostreams"
)

func TestImportProfiles(t *testing.T) {
	dir, home := t.TempDir(), t.TempDir()
	ios, _, out, _ := iostreams.Test()
	opts := &Options{IO: ios, Home: func() (string, error) { return home, nil }, Now: time.Now,
		Getenv: func(k string) string {
			if k == "ANTHROPIC_CONFIG_DIR" {
				return dir
			}
			return ""
		}}
	config.SaveProfile(dir, "dev", &config.Config{AuthenticationInfo: config.NewUserOAuthAuthentication("client-1"), BaseURL: "https://api.example.com"})
	config.SaveProfile(dir, "ci", &config.Config{OrganizationID: "12345678-90ab-cdef-1234-567890abcdef", AuthenticationInfo: config.NewOIDCFederationAuthentication(config.OIDCFederation{
		FederationRuleID: "fdrl_01x", IdentityToken: &config.IdentityTokenConfig{Source: config.IdentityTokenSourceFile, Path: "/var/run/token"}})})
	for _, n := range []string{"dev", "ci", "dev"} {
		opts.Name = n
		if err := Run(context.Background(), opts); err != nil {
			t.Fatal(err)
		}
	}
	f, _ := authstore.Open(home).Load()
	pool := f.Pool()
	if len(pool) != 1 || pool[0].Source != authstore.SourceSDKProfile || pool[0].File != filepath.Join(dir, "credentials", "dev.json") || pool[0].AccessToken != "" {
		t.Fatalf("pool %+v", pool)
	}
	if w := f.WIF(); w == nil || w.FederationRuleID != "fdrl_01x" || w.IdentityToken.Path != "/var/run/token" {
		t.Fatalf("wif %+v", w)
	}
	if !strings.Contains(out.String(), "used in place") {
		t.Fatalf("out %q", out)
	}
	opts.Name = "missing"
	if err := Run(context.Background(), opts); cmdutil.ExitCode(err) != 2 {
		t.Fatalf("missing: %v", err)
	}
}
