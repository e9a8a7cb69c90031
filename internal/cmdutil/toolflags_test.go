package cmdutil

import (
	"slices"
	"testing"

	"github.com/spf13/pflag"

	"github.com/hermes-agent/hermes/internal/agent"
)

func TestToolFlags(t *testing.T) {
	var tf ToolFlags
	fl := pflag.NewFlagSet("x", pflag.ContinueOnError)
	tf.Register(fl, false)
	if err := fl.Parse(nil); err != nil {
		t.Fatal(err)
	}
	tf.Parsed(fl)
	if !slices.Equal(tf.Offered(), agent.KnownTools()) || tf.SandboxNetwork != nil {
		t.Fatalf("no flags: offered %v, network %v", tf.Offered(), tf.SandboxNetwork)
	}
	if err := fl.Parse([]string{"--tools", "none", "--sandbox-network", "--allowedTools", "bash(go test:*)"}); err != nil {
		t.Fatal(err)
	}
	tf.Parsed(fl)
	if len(tf.Offered()) != 0 || tf.SandboxNetwork == nil || !*tf.SandboxNetwork || !slices.Equal(tf.AllowedTools, []string{"bash(go test:*)"}) {
		t.Fatalf("offered %v, network %v, allowed %v", tf.Offered(), tf.SandboxNetwork, tf.AllowedTools)
	}
	for _, bad := range []ToolFlags{{Tools: []string{"rm_rf"}}, {PermissionMode: "yolo"}, {Sandbox: "none"}, {AllowedTools: []string{"bash("}}} {
		err := bad.Check()
		if ExitCode(err) != ExitUsage {
			t.Errorf("%+v: %v, want a usage error", bad, err)
		}
	}
}
