package cmdutil

import "github.com/spf13/pflag"

// SandboxFlags adds --sandbox and --sandbox-network to fl (chat, acp,
// cron add/edit). An empty mode means "from the settings files, else
// workspace-write"; SandboxNetwork tells whether --sandbox-network was
// given at all.
func SandboxFlags(fl *pflag.FlagSet, mode *string, network *bool) {
	fl.StringVar(mode, "sandbox", "", "what bash commands may do: read-only, workspace-write (write only in the work dir and a private TMPDIR) or danger-full-access (no sandbox) (default workspace-write, or the settings files' \"sandbox\")")
	fl.BoolVar(network, "sandbox-network", false, "let sandboxed bash commands use the network")
}

// SandboxNetwork is --sandbox-network's value when it was given, else
// nil (the settings files decide).
func SandboxNetwork(fl *pflag.FlagSet, network bool) *bool {
	if !fl.Changed("sandbox-network") {
		return nil
	}
	return &network
}
