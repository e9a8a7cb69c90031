// Package acp implements `hermes acp`: hermes as an Agent Client Protocol
// agent for editors, on stdin/stdout.
package acp

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	acpserver "github.com/hermes-agent/hermes/internal/acp"
	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/agent/permission"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/iostreams"
	"github.com/hermes-agent/hermes/internal/mcp"
	"github.com/hermes-agent/hermes/internal/sandbox"
)

// Options is everything `hermes acp` reads.
type Options struct {
	IO         *iostreams.IOStreams
	Resolve    func(context.Context) (*credential.Runtime, error)
	HermesHome func() (string, error)
	Getenv     func(string) string
	Now        func() time.Time
	Factory    *cmdutil.Factory

	Model           string
	PermissionMode  string
	AllowedTools    []string
	DisallowedTools []string
	Sandbox         string
	SandboxNetwork  *bool
	MaxTokens       int
	MaxTurns        int
	MaxBudgetUSD    float64
	// NoProjectInstructions skips AGENTS.md and CLAUDE.md in every session.
	NoProjectInstructions bool
	// MCPConfig and StrictMCPConfig are --mcp-config and --strict-mcp-config.
	MCPConfig       []string
	StrictMCPConfig bool
}

// NewCmd returns the `hermes acp` command.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	return newCmd(f, nil)
}

func newCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, HermesHome: f.HermesHome, Getenv: f.Getenv, Now: f.Now, Factory: f}
	var sandboxNetwork bool
	cmd := &cobra.Command{
		Use:   "acp",
		Short: "Run hermes as an Agent Client Protocol agent for editors (Zed, JetBrains, Neovim, Emacs)",
		Long: `Run hermes as an Agent Client Protocol (ACP) agent: JSON-RPC 2.0 on stdin and
stdout, one message a line. Editors start it as a subprocess; you do not run it
by hand. Stdout carries protocol messages only; logs go to stderr (--verbose
for more).

Sessions are the same store as hermes chat ($HERMES_HOME/sessions): a session
started in the editor continues with 'hermes chat --session ID' and back.
The credential is the one 'hermes auth status' shows (--credential to pick
one), resolved per request, so a WIF session outlives its tokens.

Tools that change files or run commands ask through the editor
(session/request_permission) unless --permission-mode or --allowed-tools
allow them.`,
		Example: `  # Zed settings.json:
  # "agent_servers": { "hermes": { "command": "hermes", "args": ["acp"] } }
  hermes acp --model ` + agent.DefaultModel + ` --allowed-tools 'bash(go test:*)'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Resolve = f.Resolve
			opts.SandboxNetwork = cmdutil.SandboxNetwork(cmd.Flags(), sandboxNetwork)
			if err := mcp.CheckToolTimeout(f.Getenv); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Model, "model", "m", "", "model for every session (default $HERMES_MODEL, else "+agent.DefaultModel+"; loaded sessions too, so it also moves a session off a retired model)")
	_ = cmd.RegisterFlagCompletionFunc("model", cmdutil.CompleteModels(f))
	fl.StringVar(&opts.PermissionMode, "permission-mode", "default", "default (ask the editor), acceptEdits, bypassPermissions or plan")
	_ = cmd.RegisterFlagCompletionFunc("permission-mode", cmdutil.CompleteFixed(permission.Modes()...))
	// Not comma-split slices: the rules split themselves (commas or spaces
	// outside parentheses), and a command may hold a quote. Repeatable;
	// Claude Code's spellings (--allowedTools) add to the same lists.
	cmdutil.ListFlag(fl, &opts.AllowedTools, "allowed-tools", "tool rules allowed without asking, comma- or space-separated, e.g. edit_file,'bash(git diff:*)'", "allowedTools")
	cmdutil.ListFlag(fl, &opts.DisallowedTools, "disallowed-tools", "tool rules always refused (wins over every allow), e.g. 'bash(git push:*)'", "disallowedTools")
	cmdutil.SandboxFlags(fl, &opts.Sandbox, &sandboxNetwork)
	fl.IntVar(&opts.MaxTokens, "max-tokens", agent.DefaultMaxTokens, "maximum tokens per answer")
	fl.IntVar(&opts.MaxTurns, "max-turns", agent.DefaultMaxTurns, "maximum model calls per prompt when tools are used")
	fl.Float64Var(&opts.MaxBudgetUSD, "max-budget-usd", 0, "per session: stop a prompt after the model call that takes the session's cost (list price) over this many US dollars")
	fl.BoolVar(&opts.NoProjectInstructions, "no-project-instructions", false, "do not read AGENTS.md, CLAUDE.md and CLAUDE.local.md from a session's work dir")
	mcp.Flags(fl, &opts.MCPConfig, &opts.StrictMCPConfig)
	return cmd
}

func (o *Options) check() error {
	if !slices.Contains(permission.Modes(), o.PermissionMode) {
		return cmdutil.FlagErrorf("invalid --permission-mode %q: use %s", o.PermissionMode, strings.Join(permission.Modes(), ", "))
	}
	if _, err := permission.ParseRules(o.AllowedTools); err != nil {
		return cmdutil.FlagErrorf("--allowed-tools: %v", err)
	}
	if _, err := permission.ParseRules(o.DisallowedTools); err != nil {
		return cmdutil.FlagErrorf("--disallowed-tools: %v", err)
	}
	if o.Sandbox != "" {
		if _, err := sandbox.ParseMode(o.Sandbox); err != nil {
			return cmdutil.FlagErrorf("--sandbox: %v", err)
		}
	}
	if err := mcp.CheckFlags(o.MCPConfig); err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	if o.MaxTokens <= 0 || o.MaxTurns <= 0 {
		return cmdutil.FlagErrorf("--max-tokens and --max-turns must be positive")
	}
	return nil
}

// Run serves ACP on opts.IO until the editor closes stdin.
func Run(ctx context.Context, opts *Options) error {
	if err := opts.check(); err != nil {
		return err
	}
	home, err := opts.HermesHome()
	if err != nil {
		return err
	}
	cfg := acpserver.Config{
		Resolve:               opts.Resolve,
		Home:                  home,
		Getenv:                opts.Getenv,
		Now:                   opts.Now,
		Version:               cmdutil.BuildVersion(),
		Model:                 opts.Model,
		PermissionMode:        opts.PermissionMode,
		Allow:                 opts.AllowedTools,
		Deny:                  opts.DisallowedTools,
		MaxTokens:             opts.MaxTokens,
		MaxTurns:              opts.MaxTurns,
		NoProjectInstructions: opts.NoProjectInstructions,
		Sandbox:               permission.SandboxFlags{Mode: opts.Sandbox, Network: opts.SandboxNetwork},
		MaxBudgetUSD:          opts.MaxBudgetUSD,
		SecretPaths:           opts.Factory.SecretPaths,
		SecretEnv:             opts.Factory.SecretEnv,
		Logger:                opts.Factory.Logger(), // stderr: never stdout
		Warnings:              opts.IO.ErrOut,
		MCPConfig:             opts.MCPConfig,
		StrictMCPConfig:       opts.StrictMCPConfig,
	}
	if opts.PermissionMode == permission.ModeBypassPermissions {
		fmt.Fprintln(opts.IO.ErrOut, permission.BypassWarning)
	}
	if opts.Sandbox == string(sandbox.DangerFullAccess) {
		// Settings files may choose it per session too; the flag is
		// what applies to every one.
		fmt.Fprintln(opts.IO.ErrOut, sandbox.Policy{Mode: sandbox.DangerFullAccess}.Warning())
	}
	// Stdout is the protocol's alone: the resolver (shadowed-credential
	// notices) and the logger write to stderr.
	return acpserver.Serve(ctx, cfg, opts.IO.In, opts.IO.Out)
}
