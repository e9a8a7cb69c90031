package cmdutil

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/agent/permission"
	"github.com/hermes-agent/hermes/internal/sandbox"
)

// ToolFlags are the flags that say what the agent may do: --tools,
// --permission-mode, --allowed-tools, --disallowed-tools, --sandbox and
// --sandbox-network, with chat's spellings and meaning. Commands that run
// the agent without a terminal (bot) share them so a rule means the same
// everywhere.
type ToolFlags struct {
	// Tools restricts the tools offered; with ToolsGiven false (no
	// --tools) every built-in tool is offered. "none" or "" offers none.
	Tools           []string
	ToolsGiven      bool
	PermissionMode  string
	AllowedTools    []string
	DisallowedTools []string
	// Sandbox and SandboxNetwork are --sandbox and --sandbox-network
	// (nil: not given); the settings files fill the rest.
	Sandbox        string
	SandboxNetwork *bool

	network bool
}

// Register adds the flags to fl; asks says whether the command asks on a
// terminal about what no rule allows (chat) or denies it (bot).
func (t *ToolFlags) Register(fl *pflag.FlagSet, asks bool) {
	mode, allowed := "default (deny what no rule allows)", "tool calls allowed, comma- or space-separated: edit_file, 'bash(go test:*)'"
	if asks {
		mode, allowed = "default (ask)", "tool calls allowed without asking, comma- or space-separated: edit_file, 'bash(go test:*)'"
	}
	fl.StringSliceVar(&t.Tools, "tools", nil, "restrict the tools offered (comma list; default all built-in ones, none for none): "+strings.Join(agent.KnownTools(), ", ")+"; Anthropic's server tools "+strings.Join(agent.ServerTools(), ", ")+" on request")
	fl.StringVar(&t.PermissionMode, "permission-mode", "", mode+", acceptEdits (allow file edits), bypassPermissions (allow everything), plan (read-only tools only)")
	// Repeatable; Claude Code's spellings (--allowedTools) add to the same lists.
	ListFlag(fl, &t.AllowedTools, "allowed-tools", allowed, "allowedTools")
	ListFlag(fl, &t.DisallowedTools, "disallowed-tools", "tool calls always denied (wins over every allow): bash, 'bash(git push:*)'", "disallowedTools")
	SandboxFlags(fl, &t.Sandbox, &t.network)
}

// Parsed records which flags were given; call it from RunE.
func (t *ToolFlags) Parsed(fl *pflag.FlagSet) {
	t.ToolsGiven = fl.Changed("tools")
	t.SandboxNetwork = SandboxNetwork(fl, t.network)
}

// Check refuses unknown tools, modes and rules as usage errors.
func (t *ToolFlags) Check() error {
	for _, name := range t.Tools {
		if name = strings.TrimSpace(name); name != "" && name != "none" && !slices.Contains(agent.KnownTools(), name) && !slices.Contains(agent.ServerTools(), name) {
			return FlagErrorf("unknown tool %q in --tools: choose from %s, or the server tools %s", name, strings.Join(agent.KnownTools(), ", "), strings.Join(agent.ServerTools(), ", "))
		}
	}
	if _, err := permission.CheckMode(t.PermissionMode); err != nil {
		return FlagErrorf("--permission-mode: %v", err)
	}
	if t.Sandbox != "" {
		if _, err := sandbox.ParseMode(t.Sandbox); err != nil {
			return FlagErrorf("--sandbox: %v", err)
		}
	}
	if _, err := permission.ParseRules(t.AllowedTools); err != nil {
		return FlagErrorf("--allowed-tools: %v", err)
	}
	if _, err := permission.ParseRules(t.DisallowedTools); err != nil {
		return FlagErrorf("--disallowed-tools: %v", err)
	}
	return nil
}

// Offered is the tool set: every built-in tool unless --tools was given;
// "none" and "" in the list offer nothing by themselves.
func (t *ToolFlags) Offered() []string {
	if !t.ToolsGiven {
		return slices.Clone(agent.KnownTools())
	}
	out := []string{}
	for _, name := range t.Tools {
		if name = strings.TrimSpace(name); name != "" && name != "none" && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

// Apply fills cfg's tools, permission mode, rules and sandbox from the
// flags and the settings files (HERMES_HOME's and the work dir's).
func (t *ToolFlags) Apply(cfg *agent.Config, home string) error {
	wd, err := os.Getwd()
	if err != nil {
		return fmt.Errorf("working directory: %w", err)
	}
	cfg.Tools = t.Offered()
	eff, err := permission.Resolve(home, wd, t.PermissionMode, t.AllowedTools, t.DisallowedTools)
	if err != nil {
		return err
	}
	cfg.PermissionMode, cfg.Allow, cfg.Deny = eff.Mode, eff.Allow, eff.Deny
	cfg.Sandbox, err = permission.ResolveSandbox(home, wd, permission.SandboxFlags{Mode: t.Sandbox, Network: t.SandboxNetwork})
	return err
}
