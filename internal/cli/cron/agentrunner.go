package cron

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/agent/permission"
	"github.com/hermes-agent/hermes/internal/agent/sysprompt"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/cron"
	"github.com/hermes-agent/hermes/internal/mcp"
	"github.com/hermes-agent/hermes/internal/models"
	"github.com/hermes-agent/hermes/internal/telemetry"
)

// agentRunner is the daemon's and `cron run`'s cron.Runner: it runs a
// job's prompt as a new one-shot conversation with internal/agent, over
// the runtime resolved for this run. It lives here, not in internal/cron,
// so the scheduler does not depend on the agent.
type agentRunner struct {
	// DefaultModel is used when the job names none (HERMES_MODEL); empty:
	// the agent's default.
	DefaultModel string
	// MaxTokens per API call (0: the agent's default).
	MaxTokens int
	// Now stamps the conversation (nil: time.Now).
	Now func() time.Time
	// Home is HERMES_HOME, where the user's settings.json lives (the
	// permission rules are read at each run).
	Home string
	// Warnings, when set, gets the once-per-runner notice about a
	// deprecated model (Deprecations; nil: every run warns).
	Warnings     io.Writer
	Deprecations *models.Warner
	// SecretPaths lists the credential stores the file tools must refuse
	// (cmdutil.Factory.SecretPaths), asked per run: a WIF configured while
	// the daemon runs is protected from its next job on. nil: only the
	// runtime's own identity-token file.
	SecretPaths func() []string
	// SecretEnv names the variables bash must not inherit beyond the
	// credential layer's list (cmdutil.Factory.SecretEnv); nil: none.
	SecretEnv func() []string
}

// Run implements cron.Runner.
func (r agentRunner) Run(ctx context.Context, rt *credential.Runtime, job cron.Job) (string, error) {
	model := models.Pick(job.Model, r.DefaultModel)
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	if r.Deprecations != nil {
		r.Deprecations.Warn(r.Warnings, model, now())
	} else {
		models.WarnDeprecated(r.Warnings, model, now())
	}
	// The settings files are read at run time, so a deny rule added
	// since the job was created applies to it.
	perm, err := permission.Resolve(r.Home, job.Dir, job.PermissionMode, job.AllowedTools, job.DisallowedTools)
	if err != nil {
		return "", err
	}
	box, err := permission.ResolveSandbox(r.Home, job.Dir, permission.SandboxFlags{Mode: job.Sandbox, Network: job.SandboxNetwork})
	if err != nil {
		return "", err
	}
	var budget *agent.Budget
	if job.MaxBudgetUSD > 0 {
		budget = &agent.Budget{MaxUSD: job.MaxBudgetUSD}
	}
	cfg := agent.Config{
		Sandbox:   box,
		Model:     model,
		MaxTokens: r.MaxTokens,
		MaxTurns:  job.MaxTurns,
		Budget:    budget,
		Tools:     job.Tools,
		// The file tools see the directory the job was added from, not
		// wherever the daemon happens to run.
		WorkDir:   job.Dir,
		Protected: r.protected(),
		ProtectedEnv: func() []string {
			if r.SecretEnv == nil {
				return nil
			}
			return r.SecretEnv()
		}(),
		// No Approver: nobody can be asked in a cron run.
		PermissionMode: perm.Mode,
		Allow:          perm.Allow,
		Deny:           perm.Deny,
	}
	// The job's work dir gives the project instructions, read at run
	// time like the settings files.
	tools, err := agent.OfferedTools(cfg)
	if err != nil {
		return "", err
	}
	sp := sysprompt.Build(sysprompt.Options{WorkDir: job.Dir, Home: r.Home, Tools: tools, PermissionMode: perm.Mode, Sandbox: string(box.Mode), Now: now(), Protected: cfg.Protected})
	cfg.System = sp.Blocks
	for _, w := range sp.Warnings {
		if r.Warnings != nil {
			fmt.Fprintf(r.Warnings, "hermes: cron job %s: warning: %s\n", job.Name, w)
		}
	}
	// MCP servers: the job's --mcp-config, and (unless strict) the
	// user's and its directory's approved project servers. Nobody can be
	// asked: an unapproved one is skipped with a line on stderr.
	servers, err := mcp.Open(ctx, mcp.Setup{HermesHome: r.Home, WorkDir: job.Dir, Flags: job.MCPConfig, Strict: job.StrictMCPConfig,
		ProtectedEnv: cfg.ProtectedEnv, Stderr: r.Warnings})
	if err != nil {
		return "", fmt.Errorf("cron job %s: %w", job.Name, err)
	}
	defer servers.Close()
	if servers != nil {
		cfg.MoreTools = servers
	}
	a, err := agent.New(rt, cfg)
	if err != nil {
		return "", err
	}
	conv := agent.NewConversation(now())
	telemetry.CountSession(ctx, "cron")
	// The stored --system keeps its meaning: text added to the prompt.
	conv.System = job.System
	var denials []string
	res, err := a.Send(ctx, conv, job.Prompt, func(e agent.Event) {
		if e.Type == "tool_result" && e.Denied {
			denials = append(denials, fmt.Sprintf("✗ %s · %s", e.Tool, strings.Join(strings.Fields(e.Output), " ")))
		}
	})
	var ue *models.UnavailableError
	if errors.As(err, &ue) {
		// The message names this job in `hermes cron edit`, and offers
		// HERMES_MODEL when that is not the refused model.
		ue.Job = job.Name
		if r.DefaultModel != "" && r.DefaultModel != ue.Model {
			ue.Default = r.DefaultModel
		}
	}
	if be := (*agent.BudgetError)(nil); errors.As(err, &be) && res != nil {
		// The partial answer is the run's output; the run failed.
		return res.Text + denialNote(denials), err
	}
	if err != nil {
		return "", err
	}
	return res.Text + denialNote(denials), nil
}

// denialNote lists the calls the rules denied, after the answer: nobody is
// asked in a cron run, so the output (cron run, cron logs) must show what
// was refused and which rule would allow it, whatever the model says.
func denialNote(denials []string) string {
	if len(denials) == 0 {
		return ""
	}
	return fmt.Sprintf("\n\n[hermes: %d tool call(s) denied by the permission rules]\n%s", len(denials), strings.Join(denials, "\n"))
}

func (r agentRunner) protected() []string {
	if r.SecretPaths == nil {
		return nil
	}
	return r.SecretPaths()
}

// validateTools reports tool names the agent does not know.
func validateTools(tools []string) error {
	for _, t := range tools {
		if !slices.Contains(agent.KnownTools(), t) {
			return fmt.Errorf("unknown tool %q: the tools are %s", t, strings.Join(agent.KnownTools(), ", "))
		}
	}
	return nil
}

// validate is job.Validate plus the check of its tool names, which only
// the agent knows.
func validate(job cron.Job, now time.Time) error {
	if err := job.Validate(now); err != nil {
		return err
	}
	return validateTools(job.Tools)
}
