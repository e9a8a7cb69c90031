// Package cron stores scheduled agent jobs under HERMES_HOME/cron, keeps
// their run records, and runs them: once on demand (`hermes cron run`) or
// from the daemon (`hermes cron daemon`), both through Executor so the two
// paths cannot drift apart. Every run resolves its credential afresh.
package cron

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/hermes-agent/hermes/internal/agent/permission"
	"github.com/hermes-agent/hermes/internal/sandbox"
)

// Run statuses.
const (
	StatusOK       = "ok"
	StatusError    = "error"
	StatusSkipped  = "skipped"  // still running from the previous time it was due
	StatusCanceled = "canceled" // interrupted by daemon shutdown or Ctrl-C
	// StatusRunning is the record written before a run starts; the run's
	// outcome replaces it.
	StatusRunning = "running"
	// StatusInterrupted marks a run whose process died (kill -9, a crash,
	// the machine going down) with its record still "running"; the
	// daemon's next start finds and marks it.
	StatusInterrupted = "interrupted"
)

// Job is one scheduled prompt and its state.
type Job struct {
	Name     string   `json:"name"`
	Schedule string   `json:"schedule"`
	Prompt   string   `json:"prompt"`
	Model    string   `json:"model,omitempty"`
	System   string   `json:"system,omitempty"`
	Tools    []string `json:"tools,omitempty"`
	// PermissionMode, AllowedTools and DisallowedTools are the job's
	// permission flags; nobody is asked at run time, so a call they do not
	// allow is denied (and the model told which rule would allow it).
	PermissionMode  string   `json:"permission_mode,omitempty"`
	AllowedTools    []string `json:"allowed_tools,omitempty"`
	DisallowedTools []string `json:"disallowed_tools,omitempty"`
	// MaxTurns bounds the model calls of a run (0: agent.DefaultMaxTurns).
	MaxTurns int `json:"max_turns,omitempty"`
	// MaxBudgetUSD stops a run after the model call that takes its cost
	// (list price) over it; 0: no budget.
	MaxBudgetUSD float64 `json:"max_budget_usd,omitempty"`
	// Sandbox and SandboxNetwork are --sandbox and --sandbox-network as
	// given ("" and nil: the settings files at run time decide).
	Sandbox        string `json:"sandbox,omitempty"`
	SandboxNetwork *bool  `json:"sandbox_network,omitempty"`
	// MCPConfig and StrictMCPConfig are --mcp-config (files made
	// absolute, or JSON) and --strict-mcp-config, read at run time.
	MCPConfig       []string `json:"mcp_config,omitempty"`
	StrictMCPConfig bool     `json:"strict_mcp_config,omitempty"`
	// Deliver, when set, is the chat each run's answer is posted to:
	// telegram:CHAT_ID or slack:CHANNEL_ID (see internal/bot).
	Deliver string `json:"deliver,omitempty"`
	// Dir is the working directory of the file tools: where the job was added.
	Dir    string `json:"dir,omitempty"`
	Paused bool   `json:"paused,omitempty"`

	Created time.Time `json:"created"`
	// Anchor is the time the schedule is evaluated from: the next run is
	// the schedule's first time after it. Set at creation, on resume and
	// when the daemon fires the job, so runs missed while the daemon was
	// down (or the job paused) collapse into at most one.
	Anchor time.Time `json:"anchor"`

	LastRun *RunSummary `json:"last_run,omitempty"`
}

// RunSummary is the outcome of a job's most recent run, kept in jobs.json
// for `hermes cron list`.
type RunSummary struct {
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Status string    `json:"status"`
	Error  string    `json:"error,omitempty"`
}

// Next is when the job is next due according to its schedule (which may
// be in the past: a missed run, done when the daemon next looks).
func (j Job) Next() (time.Time, error) {
	s, err := ParseSchedule(j.Schedule, j.Anchor)
	if err != nil {
		return time.Time{}, err
	}
	return s.Next(j.Anchor), nil
}

// NextAt is Next as the daemon computes it at now: from now instead of an
// anchor in the future (the clock stepped back; see anchorNotAfter).
func (j Job) NextAt(now time.Time) (time.Time, error) {
	s, err := ParseSchedule(j.Schedule, j.Anchor)
	if err != nil {
		return time.Time{}, err
	}
	return s.Next(anchorNotAfter(j.Anchor, now)), nil
}

// Names become directory names under cron/runs, so they are kept simple.
var nameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`) })

// ValidateName reports why name cannot be a job name.
func ValidateName(name string) error {
	if !nameRE().MatchString(name) {
		return fmt.Errorf("invalid job name %q: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit", name)
	}
	return nil
}

// Validate checks a job before it is stored. Its tool names are the
// command layer's to check (internal/cli/cron): only the agent knows them.
func (j Job) Validate(now time.Time) error {
	if err := ValidateName(j.Name); err != nil {
		return err
	}
	if _, err := ParseSchedule(j.Schedule, now); err != nil {
		return err
	}
	if j.Prompt == "" {
		return fmt.Errorf("job %q has an empty prompt", j.Name)
	}
	if err := ValidateModel(j.Model); err != nil {
		return err
	}
	if _, err := permission.CheckMode(j.PermissionMode); err != nil {
		return err
	}
	if _, err := permission.ParseRules(j.AllowedTools); err != nil {
		return fmt.Errorf("allowed tools: %w", err)
	}
	if j.Sandbox != "" {
		if _, err := sandbox.ParseMode(j.Sandbox); err != nil {
			return fmt.Errorf("sandbox: %w", err)
		}
	}
	if _, err := permission.ParseRules(j.DisallowedTools); err != nil {
		return fmt.Errorf("disallowed tools: %w", err)
	}
	return nil
}

// maxModelLen bounds a model name: real ids (with a provider's prefix or
// @date) are far shorter.
const maxModelLen = 256

// ValidateModel accepts "" (the default at run time) or one model id: no
// spaces or control characters, which no model id has (a pasted
// "claude-opus-5-5 --tools" would otherwise be stored and fail every run).
func ValidateModel(model string) error {
	if model == "" {
		return nil
	}
	if len(model) > maxModelLen {
		return fmt.Errorf("model name is %d bytes long: at most %d", len(model), maxModelLen)
	}
	if i := strings.IndexFunc(model, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }); i >= 0 {
		return fmt.Errorf("model %q is not a model id: it contains a space or control character (`hermes models` lists the ids)", model)
	}
	return nil
}
