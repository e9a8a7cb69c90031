//go:build unix

package resolve

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

// Issue 22 §5: SDK profile files are held to HERMES_HOME's StrictModes. A
// config dir, configs/ or profile file others can write (they could point
// hermes at their identity token or base URL) is refused with the path and
// the fix, and nothing resolves from it.
func TestSDKProfileStrictModes(t *testing.T) {
	for _, c := range []struct {
		name  string
		loose func(dir string) string // makes one path loose, returns it
	}{
		{"world-writable config dir", func(dir string) string { os.Chmod(dir, 0o777); return dir }},
		{"group-writable configs dir", func(dir string) string { p := filepath.Join(dir, "configs"); os.Chmod(p, 0o770); return p }},
		{"group-writable profile", func(dir string) string { p := filepath.Join(dir, "configs", "ci.json"); os.Chmod(p, 0o664); return p }},
		{"other-writable active_config", func(dir string) string { p := filepath.Join(dir, "active_config"); os.Chmod(p, 0o606); return p }},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, anthropictest.Config{})
			dir := w.Vars["ANTHROPIC_CONFIG_DIR"]
			os.MkdirAll(filepath.Join(dir, "configs"), 0o700)
			body := `{"authentication":{"type":"oidc_federation","federation_rule_id":"` + anthropictest.DefaultRuleID +
				`","identity_token":{"source":"file","path":"` + w.TokenFile(oidctest.Claims{}) + `"}},"organization_id":"` +
				anthropictest.DefaultOrgID + `","base_url":"` + w.API.URL + `"}`
			os.WriteFile(filepath.Join(dir, "configs", "ci.json"), []byte(body), 0o600)
			os.WriteFile(filepath.Join(dir, "active_config"), []byte("ci\n"), 0o600)
			os.Chmod(dir, 0o700)
			if _, err := w.resolver().Resolve(context.Background()); err != nil {
				t.Fatalf("a private profile does not resolve: %v", err)
			}
			loose := c.loose(dir)
			_, err := w.resolver().Resolve(context.Background())
			if err == nil {
				t.Fatalf("a profile with %s loose resolved", loose)
			}
			if msg := err.Error(); !strings.Contains(msg, loose+" is writable by") || !strings.Contains(msg, "chmod go-w "+loose) {
				t.Errorf("the refusal does not name %s and the fix: %v", loose, err)
			}
			rep, rerr := w.resolver().Report(context.Background())
			if rerr != nil || rep.Err == nil {
				t.Fatalf("report: %v %v", rep, rerr)
			}
			var none *NoCredentialError
			if !errors.As(rep.Err, &none) {
				t.Errorf("report error %T %v", rep.Err, rep.Err)
			}
		})
	}
}
