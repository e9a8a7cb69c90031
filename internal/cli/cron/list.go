package cron

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/cron"
	"github.com/hermes-agent/hermes/internal/iostreams"
	"github.com/hermes-agent/hermes/internal/mcp"
	"github.com/hermes-agent/hermes/internal/termtext"
)

type listOptions struct {
	IO    *iostreams.IOStreams
	Store func() (*cron.Store, error)
	Now   func() time.Time
	JSON  bool
}

func newListCmd(f *cmdutil.Factory, runF func(*listOptions) error) *cobra.Command {
	opts := &listOptions{IO: f.IO, Store: func() (*cron.Store, error) { return openStore(f) }, Now: f.Now}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List scheduled jobs with their next run and last outcome",
		Long: `List scheduled jobs with their next run and last outcome.

JSON output: see https://github.com/hermes-agent/hermes/blob/main/docs/JSON.md`,
		Args: exactArgs(0, "[--json]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmdutil.MarkOffline(cmd)
}

// jobView is a job as `list --json` shows it.
type jobView struct {
	Name     string           `json:"name"`
	Schedule string           `json:"schedule"`
	Prompt   string           `json:"prompt"`
	Model    string           `json:"model,omitempty"`
	System   string           `json:"system,omitempty"`
	Tools    []string         `json:"tools,omitempty"`
	Paused   bool             `json:"paused"`
	Deliver  string           `json:"deliver,omitempty"` // the chat each run's answer is posted to
	NextRun  *time.Time       `json:"next_run,omitempty"`
	LastRun  *cron.RunSummary `json:"last_run,omitempty"`
	Problem  string           `json:"problem,omitempty"`

	// The job's permission flags.
	PermissionMode  string   `json:"permission_mode,omitempty"`
	AllowedTools    []string `json:"allowed_tools,omitempty"`
	DisallowedTools []string `json:"disallowed_tools,omitempty"`
	Sandbox         string   `json:"sandbox,omitempty"`
	SandboxNetwork  *bool    `json:"sandbox_network,omitempty"`
	MaxTurns        int      `json:"max_turns,omitempty"`
	MaxBudgetUSD    float64  `json:"max_budget_usd,omitempty"`

	// The job's MCP flags: --mcp-config values (a file's path, or JSON
	// with literal header values masked) and --strict-mcp-config.
	MCPConfig       []string `json:"mcp_config,omitempty"`
	StrictMCPConfig bool     `json:"strict_mcp_config,omitempty"`
}

func listRun(opts *listOptions) error {
	store, err := opts.Store()
	if err != nil {
		return err
	}
	jobs, err := store.List()
	if err != nil {
		return err
	}
	now := opts.Now()
	views := make([]jobView, 0, len(jobs))
	for _, j := range jobs {
		v := jobView{Name: j.Name, Schedule: j.Schedule, Prompt: j.Prompt, Model: j.Model, System: j.System, Tools: j.Tools, PermissionMode: j.PermissionMode, AllowedTools: j.AllowedTools, DisallowedTools: j.DisallowedTools,
			Sandbox: j.Sandbox, SandboxNetwork: j.SandboxNetwork, MaxTurns: j.MaxTurns, MaxBudgetUSD: j.MaxBudgetUSD, Paused: j.Paused, Deliver: j.Deliver, LastRun: j.LastRun,
			MCPConfig: mcp.RedactFlags(j.MCPConfig), StrictMCPConfig: j.StrictMCPConfig}
		if next, err := j.NextAt(now); err != nil {
			v.Problem = err.Error()
		} else if !j.Paused {
			v.NextRun = &next
		}
		views = append(views, v)
	}
	if opts.JSON {
		return cmdutil.WriteJSON(opts.IO.Out, views)
	}
	if len(views) == 0 {
		fmt.Fprintln(opts.IO.ErrOut, "No cron jobs. Add one with: hermes cron add NAME --schedule SPEC --prompt TEXT")
		return nil
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSCHEDULE\tNEXT RUN\tLAST RUN\tSTATUS\tDELIVER")
	for _, v := range views {
		deliver := v.Deliver
		if deliver == "" {
			deliver = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", v.Name, v.Schedule, nextColumn(v, now), lastColumn(v.LastRun), statusColumn(v.LastRun), termtext.Clean(deliver))
	}
	return tw.Flush()
}

func nextColumn(v jobView, now time.Time) string {
	switch {
	case v.Problem != "":
		return "invalid schedule"
	case v.Paused:
		return "paused"
	case !v.NextRun.After(now):
		return "due now"
	}
	return formatTime(*v.NextRun)
}

func lastColumn(r *cron.RunSummary) string {
	if r == nil {
		return "never"
	}
	return formatTime(r.Start)
}

func statusColumn(r *cron.RunSummary) string {
	if r == nil {
		return "-"
	}
	return r.Status
}
