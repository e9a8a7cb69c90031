package cron

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
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
	"github.com/hermes-agent/hermes/internal/sandbox"
)

type addOptions struct {
	IO    *iostreams.IOStreams
	Store func() (*cron.Store, error)
	Now   func() time.Time
	Getwd func() (string, error)

	Name     string
	Schedule string
	Prompt   string
	Model    string
	System   string
	Tools    []string

	MaxTurns     int
	MaxBudgetUSD float64

	PermissionMode  string
	AllowedTools    []string
	DisallowedTools []string
	Sandbox         string
	SandboxNetwork  *bool
	sandboxNetwork  bool
	MCPConfig       []string
	StrictMCPConfig bool
	Deliver         string
}

func newAddCmd(f *cmdutil.Factory, runF func(context.Context, *addOptions) error) *cobra.Command {
	opts := &addOptions{IO: f.IO, Store: func() (*cron.Store, error) { return openStore(f) }, Now: f.Now, Getwd: os.Getwd}
	cmd := &cobra.Command{
		Use:   "add NAME --schedule SPEC --prompt TEXT",
		Short: "Add a scheduled prompt",
		Long: `Add a job that runs PROMPT on SPEC:
  standard 5-field cron    "0 9 * * 1-5"   (minute hour day-of-month month day-of-week)
  a descriptor             @hourly, @daily, @weekly, @monthly, @yearly
  a fixed interval         "@every 10m"    (at least 1m)
Prefix "CRON_TZ=Europe/Paris " to read the schedule in a time zone (default: local time).`,
		Example: `  hermes cron add daily-summary --schedule "0 9 * * 1-5" --prompt "Summarize yesterday's CI failures"
  hermes cron add check --schedule "@every 30m" --prompt "Check the docs" --tools read_file,list_files
  hermes cron add changelog --schedule @daily --prompt "Update CHANGELOG.md from git log" \
    --tools read_file,edit_file,bash --permission-mode acceptEdits --allowed-tools 'bash(git log:*)'`,
		Args: exactArgs(1, "NAME --schedule SPEC --prompt TEXT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			opts.SandboxNetwork = cmdutil.SandboxNetwork(cmd.Flags(), opts.sandboxNetwork)
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return addRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Schedule, "schedule", "", "when to run: cron fields, @hourly-style descriptor or @every DURATION (required)")
	fl.StringVar(&opts.Prompt, "prompt", "", "the prompt to send (required)")
	fl.StringVarP(&opts.Model, "model", "m", "", "model (default: HERMES_MODEL at run time, else "+models.DefaultModel+")")
	fl.StringVar(&opts.System, "system", "", "text added to the system prompt (as chat --append-system-prompt)")
	_ = cmd.RegisterFlagCompletionFunc("model", cmdutil.CompleteModels(f))
	fl.StringSliceVar(&opts.Tools, "tools", nil, "opt-in tools, comma-separated: "+strings.Join(agent.KnownTools(), ", "))
	fl.IntVar(&opts.MaxTurns, "max-turns", 0, "maximum model calls per run when tools are used (default "+strconv.Itoa(agent.DefaultMaxTurns)+")")
	fl.Float64Var(&opts.MaxBudgetUSD, "max-budget-usd", 0, "stop a run after the model call that takes its cost (list price) over this many US dollars; the run fails")
	fl.StringVar(&opts.PermissionMode, "permission-mode", "", "default, acceptEdits, bypassPermissions or plan (nobody is asked in a cron run: what no rule allows is denied)")
	_ = cmd.RegisterFlagCompletionFunc("permission-mode", cmdutil.CompleteFixed(permission.Modes()...))
	_ = cmd.RegisterFlagCompletionFunc("tools", cmdutil.CompleteFixed(agent.KnownTools()...))
	cmdutil.ListFlag(fl, &opts.AllowedTools, "allowed-tools", "tool calls the job may make: edit_file, 'bash(go test:*)'", "allowedTools")
	cmdutil.ListFlag(fl, &opts.DisallowedTools, "disallowed-tools", "tool calls always denied", "disallowedTools")
	cmdutil.SandboxFlags(fl, &opts.Sandbox, &opts.sandboxNetwork)
	mcp.Flags(fl, &opts.MCPConfig, &opts.StrictMCPConfig)
	fl.StringVar(&opts.Deliver, "deliver", "", "post each run's answer to telegram:CHAT_ID or slack:CHANNEL_ID (with TELEGRAM_BOT_TOKEN or SLACK_BOT_TOKEN where the job runs)")
	return cmd
}

func addRun(ctx context.Context, opts *addOptions) error {
	if opts.Schedule == "" || strings.TrimSpace(opts.Prompt) == "" {
		return cmdutil.FlagErrorf("--schedule and --prompt are required")
	}
	if opts.MaxTurns < 0 || opts.MaxBudgetUSD < 0 {
		return cmdutil.FlagErrorf("--max-turns and --max-budget-usd must be positive")
	}
	if opts.Deliver != "" {
		if _, _, err := bot.ParseTarget(opts.Deliver); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
	}
	now := opts.Now()
	job := cron.Job{
		Name: opts.Name, Schedule: strings.TrimSpace(opts.Schedule), Prompt: opts.Prompt,
		Model: strings.TrimSpace(opts.Model), System: opts.System, Tools: opts.Tools,
		PermissionMode: opts.PermissionMode, AllowedTools: opts.AllowedTools, DisallowedTools: opts.DisallowedTools,
		MaxTurns: opts.MaxTurns, MaxBudgetUSD: opts.MaxBudgetUSD,
		Sandbox: opts.Sandbox, SandboxNetwork: opts.SandboxNetwork, Deliver: strings.TrimSpace(opts.Deliver),
		Created: now, Anchor: now,
	}
	if err := validate(job, now); err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	if err := mcp.CheckFlags(opts.MCPConfig); err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	if len(job.Tools) > 0 || len(opts.MCPConfig) > 0 {
		dir, err := opts.Getwd()
		if err != nil {
			return fmt.Errorf("working directory for the job's file tools: %w", err)
		}
		job.Dir = dir
		job.MCPConfig, job.StrictMCPConfig = mcp.AbsFlags(opts.MCPConfig, dir), opts.StrictMCPConfig
	}
	store, err := opts.Store()
	if err != nil {
		return err
	}
	if err := store.Add(ctx, job); err != nil {
		if errors.Is(err, cron.ErrExists) {
			return &cmdutil.FlagError{Err: err}
		}
		return err
	}
	next, _ := job.Next()
	if job.PermissionMode == permission.ModeBypassPermissions && slices.ContainsFunc(job.Tools, func(t string) bool { return !permission.ReadOnly(t) }) {
		fmt.Fprintln(opts.IO.ErrOut, permission.BypassWarning)
	}
	if w := (sandbox.Policy{Mode: sandbox.Mode(job.Sandbox)}).Warning(); w != "" && slices.Contains(job.Tools, agent.ToolBash) {
		fmt.Fprintln(opts.IO.ErrOut, w)
	}
	fmt.Fprintf(opts.IO.ErrOut, "Added cron job %q; next run %s (runs only while 'hermes cron daemon' is running)\n", job.Name, formatTime(next))
	warnNotExportable(opts.IO.ErrOut, job)
	models.WarnDeprecated(opts.IO.ErrOut, job.Model, now)
	return nil
}

// formatTime shows a time in the local zone, to the second.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05 MST")
}
