package root

import (
	"testing"

	"github.com/spf13/cobra"
)

// The commands that never make an HTTP request say so themselves
// (cmdutil.MarkOffline); this is the list root.go used to keep, so the
// marks cover it exactly, and a command that reaches a server is still
// checked.
func TestOfflineCommands(t *testing.T) {
	f, _ := testFactory(t, nil)
	cmd := NewCmd(f)
	cmd.InitDefaultHelpCmd()
	cmd.InitDefaultCompletionCmd()
	find := func(path ...string) *cobra.Command {
		t.Helper()
		c, rest, err := cmd.Find(path)
		if err != nil || len(rest) != 0 {
			t.Fatalf("hermes %v: %v (left %v)", path, err, rest)
		}
		return c
	}
	for _, path := range [][]string{
		{"version"}, {"help"}, {"completion", "bash"},
		{"auth", "list"}, {"auth", "logout"}, {"auth", "remove"}, {"auth", "switch"},
		{"cron", "list"}, {"cron", "logs"}, {"cron", "pause"}, {"cron", "resume"},
		{"cron", "remove"}, {"cron", "export"},
		{"auth"}, {"cron"}, {"mcp"}, // groups show their help
	} {
		if !offline(find(path...)) {
			t.Errorf("hermes %v is not offline", path)
		}
	}
	for _, path := range [][]string{
		{"chat"}, {"models"}, {"gateway"}, {"exec"}, {"acp"}, {"demo"},
		{"auth", "add"}, {"auth", "status"}, {"auth", "token"}, {"auth", "env"}, {"auth", "import-profile"},
		{"cron", "add"}, {"cron", "edit"}, {"cron", "run"}, {"cron", "daemon"},
	} {
		if offline(find(path...)) {
			t.Errorf("hermes %v is offline: it may reach a server, so an invalid HERMES_HTTP_TIMEOUT must stop it", path)
		}
	}
}
