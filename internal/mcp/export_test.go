package mcp

import (
	"strings"
	"testing"
)

// A stdio server's token usually sits in its env: cron export refuses an
// env value that is a secret written out (by its name or its shape), as
// it refuses a literal header, and cron list --json masks it; plain
// values and ${VAR} references travel as written.
func TestExportRefusesLiteralSecretsInEnv(t *testing.T) {
	for _, c := range []struct{ env, err string }{
		{`{"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_0123456789abcdefSENTINEL"}`, "env GITHUB_PERSONAL_ACCESS_TOKEN looks like a secret"},
		{`{"DB_PASSWORD": "hunter2SENTINEL"}`, "env DB_PASSWORD"},
		{`{"UPSTREAM": "sk-ant-api03-SENTINELSENTINELSENTINEL-abcdef"}`, "env UPSTREAM"},
		{`{"GITHUB_PERSONAL_ACCESS_TOKEN": "${GH_TOKEN}", "LOG_LEVEL": "debug"}`, ""},
	} {
		cfg := `{"mcpServers": {"s": {"command": "srv", "env": ` + c.env + `}}}`
		out, _, err := InlineFlags([]string{cfg})
		if c.err == "" {
			if err != nil || len(out) != 1 || !strings.Contains(out[0], "LOG_LEVEL") {
				t.Errorf("%s: %v, %v", c.env, out, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.err) || strings.Contains(err.Error(), "SENTINEL") {
			t.Errorf("%s: error %v, want %q without the value", c.env, err, c.err)
		}
		if shown := strings.Join(RedactFlags([]string{cfg}), ""); strings.Contains(shown, "SENTINEL") || !strings.Contains(shown, "[redacted]") {
			t.Errorf("%s: list shows %s", c.env, shown)
		}
	}
}
