package cron

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/agent/permission"
	"github.com/hermes-agent/hermes/internal/bot"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/cron"
	"github.com/hermes-agent/hermes/internal/iostreams"
	"github.com/hermes-agent/hermes/internal/mcp"
	"github.com/hermes-agent/hermes/internal/models"
)

type editOptions struct {
	IO    *iostreams.IOStreams
	Store func() (*cron.Store, error)
	Now   func() time.Time
	Getwd func() (string, error)

	Name string
	// The fields to change; a field is changed only when its flag is given.
	Schedule, Prompt, Model, System string
	Tools                           []string
	PermissionMode                  string
	AllowedTools, DisallowedTools   []string
	Sandbox                         string
	SandboxNetwork                  bool
	MaxTurns                        int
	MaxBudgetUSD                    float64
	MCPConfig                       []string
	StrictMCPConfig                 bool
	Deliver                         string
	set                             func(flag string) bool
}

func newEditCmd(f *cmdutil.Factory, runF func(context.Context, *editOptions) error) *cobra.Command {
	opts := &editOptions{IO: f.IO, Store: func() (*cron.Store, error) { return openStore(f) }, Now: f.Now, Getwd: os.Getwd}
	cmd := &cobra.Command{
		Use:   "edit NAME [--schedule SPEC] [--prompt TEXT] [--model MODEL] [--system TEXT] [--tools LIST] [--permission-mode MODE] [--allowed-tools RULE]...",
		Short: "Change a job's schedule, prompt, model, system prompt, tools or permissions",
		Long: `Change the fields of a stored job; only the flags given change. The job keeps
its name, its run records and its paused state. --model "" goes back to the
default (HERMES_MODEL at run time, else ` + models.DefaultModel + `); --tools "" turns the
tools off; --allowed-tools / --disallowed-tools replace the job's rules ("" for
none). Changing the schedule restarts it from now.`,
		Example: `  hermes cron edit nightly --model ` + models.DefaultModel + `
  hermes cron edit nightly --schedule "0 7 * * 1-5" --prompt "Summarize CI failures"`,
		Annotations: jobArgs(),
		Args:        exactArgs(1, "NAME [--schedule SPEC] [--prompt TEXT] [--model MODEL] [--system TEXT] [--tools LIST]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			opts.set = func(name string) bool { return cmd.Flags().Changed(name) }
			if err := cron.ValidateName(opts.Name); err != nil {
				return &cmdutil.FlagError{Err: err}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return editRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Schedule, "schedule", "", "new schedule: cron fields, @hourly-style descriptor or @every DURATION")
	fl.StringVar(&opts.Prompt, "prompt", "", "new prompt")
	fl.StringVarP(&opts.Model, "model", "m", "", `new model ("" for the default)`)
	fl.StringVar(&opts.System, "system", "", `new text added to the system prompt ("" for none)`)
	fl.StringSliceVar(&opts.Tools, "tools", nil, `new opt-in tools, comma-separated ("" for none)`)
	fl.StringVar(&opts.PermissionMode, "permission-mode", "", `new permission mode: default, acceptEdits, bypassPermissions or plan`)
	fl.StringArrayVar(&opts.AllowedTools, "allowed-tools", nil, `new rules for tool calls the job may make ("" for none)`)
	fl.StringArrayVar(&opts.DisallowedTools, "disallowed-tools", nil, `new rules for tool calls always denied ("" for none)`)
	cmdutil.SandboxFlags(fl, &opts.Sandbox, &opts.SandboxNetwork)
	fl.IntVar(&opts.MaxTurns, "max-turns", 0, "new maximum model calls per run (0 for the default)")
	fl.Float64Var(&opts.MaxBudgetUSD, "max-budget-usd", 0, "new budget per run in US dollars (list price; 0 for none)")
	mcp.Flags(fl, &opts.MCPConfig, &opts.StrictMCPConfig)
	fl.StringVar(&opts.Deliver, "deliver", "", `new chat for each run's answer: telegram:CHAT_ID or slack:CHANNEL_ID ("" for none)`)
	_ = cmd.RegisterFlagCompletionFunc("permission-mode", cmdutil.CompleteFixed(permission.Modes()...))
	_ = cmd.RegisterFlagCompletionFunc("tools", cmdutil.CompleteFixed(agent.KnownTools()...))
	_ = cmd.RegisterFlagCompletionFunc("model", cmdutil.CompleteModels(f))
	return cmd
}

func editRun(ctx context.Context, opts *editOptions) error {
	fields := []string{"schedule", "prompt", "model", "system", "tools", "permission-mode", "allowed-tools", "disallowed-tools",
		"sandbox", "sandbox-network", "max-turns", "max-budget-usd", "mcp-config", "strict-mcp-config", "deliver"}
	var changed []string
	for _, f := range fields {
		if opts.set(f) {
			changed = append(changed, f)
		}
	}
	if len(changed) == 0 {
		return cmdutil.FlagErrorf("nothing to change: give at least one of --%s", strings.Join(fields, ", --"))
	}
	if opts.MaxTurns < 0 || opts.MaxBudgetUSD < 0 {
		return cmdutil.FlagErrorf("--max-turns and --max-budget-usd must be positive")
	}
	if opts.set("deliver") && strings.TrimSpace(opts.Deliver) != "" {
		if _, _, err := bot.ParseTarget(opts.Deliver); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
	}
	if opts.set("prompt") && strings.TrimSpace(opts.Prompt) == "" {
		return cmdutil.FlagErrorf("--prompt cannot be empty")
	}
	if err := mcp.CheckFlags(nonEmpty(opts.MCPConfig)); err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	var dir string
	if opts.set("tools") && len(opts.Tools) > 0 || opts.set("mcp-config") {
		d, err := opts.Getwd()
		if err != nil {
			return fmt.Errorf("working directory for the job's file tools: %w", err)
		}
		dir = d
	}
	store, err := opts.Store()
	if err != nil {
		return err
	}
	now := opts.Now()
	job, err := store.Update(ctx, opts.Name, func(j *cron.Job) error {
		edited := *j
		if opts.set("schedule") {
			edited.Schedule = strings.TrimSpace(opts.Schedule)
			edited.Anchor = now
		}
		if opts.set("prompt") {
			edited.Prompt = opts.Prompt
		}
		if opts.set("model") {
			edited.Model = strings.TrimSpace(opts.Model)
		}
		if opts.set("system") {
			edited.System = opts.System
		}
		if opts.set("tools") {
			edited.Tools = nonEmpty(opts.Tools)
			edited.Dir = ""
			if len(edited.Tools) > 0 {
				// Like add: the file tools see the directory the job was
				// (re)configured from.
				edited.Dir = dir
			}
		}
		if opts.set("mcp-config") {
			// Replaces the job's servers ("" for none).
			edited.MCPConfig = mcp.AbsFlags(nonEmpty(opts.MCPConfig), dir)
			if edited.Dir == "" && len(edited.MCPConfig) > 0 {
				edited.Dir = dir
			}
		}
		if opts.set("strict-mcp-config") {
			edited.StrictMCPConfig = opts.StrictMCPConfig
		}
		if opts.set("permission-mode") {
			edited.PermissionMode = strings.TrimSpace(opts.PermissionMode)
		}
		if opts.set("sandbox") {
			edited.Sandbox = strings.TrimSpace(opts.Sandbox)
		}
		if opts.set("sandbox-network") {
			network := opts.SandboxNetwork
			edited.SandboxNetwork = &network
		}
		if opts.set("max-turns") {
			edited.MaxTurns = opts.MaxTurns
		}
		if opts.set("max-budget-usd") {
			edited.MaxBudgetUSD = opts.MaxBudgetUSD
		}
		if opts.set("deliver") {
			edited.Deliver = strings.TrimSpace(opts.Deliver)
		}
		if opts.set("allowed-tools") {
			edited.AllowedTools = nonEmpty(opts.AllowedTools)
		}
		if opts.set("disallowed-tools") {
			edited.DisallowedTools = nonEmpty(opts.DisallowedTools)
		}
		if err := validate(edited, now); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
		*j = edited
		return nil
	})
	if err != nil {
		return err
	}
	models.WarnDeprecated(opts.IO.ErrOut, job.Model, now)
	next, _ := job.Next()
	fmt.Fprintf(opts.IO.ErrOut, "Updated cron job %q (%s); next run %s\n", job.Name, strings.Join(changed, ", "), formatTime(next))
	if opts.set("schedule") {
		warnNotExportable(opts.IO.ErrOut, job)
	}
	return nil
}

func nonEmpty(list []string) []string {
	var out []string
	for _, s := range list {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
