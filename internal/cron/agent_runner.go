package cron

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/agent/permission"
	"github.com/hermes-agent/hermes/internal/credential"
)

// AgentRunner runs a job's prompt as a new one-shot conversation with
// internal/agent, over the runtime resolved for this run.
type AgentRunner struct {
	// DefaultModel is used when the job names none (HERMES_MODEL); empty:
	// the agent's default.
	DefaultModel string
	// MaxTokens per API call (0: the agent's default).
	MaxTokens int
	// Now stamps the conversation (nil: time.Now).
	Now func() time.Time
	// Home is HERMES_HOME; Getenv reads the environment (nil: os.Getenv).
	// Both say which credential stores the file tools must refuse (see
	// agent.CredentialPaths). An empty Home falls back to $HERMES_HOME,
	// else ~/.hermes, the same rule as cmdutil.Factory.HermesHome.
	Home   string
	Getenv func(string) string
}

// Run implements Runner.
func (r AgentRunner) Run(ctx context.Context, rt *credential.Runtime, job Job) (string, error) {
	model := job.Model
	if model == "" {
		model = r.DefaultModel
	}
	// The settings files are read at run time, so a deny rule added
	// since the job was created applies to it.
	perm, err := permission.Resolve(r.home(), job.Dir, job.PermissionMode, job.AllowedTools, job.DisallowedTools)
	if err != nil {
		return "", err
	}
	a, err := agent.New(rt, agent.Config{
		Model:     model,
		System:    job.System,
		MaxTokens: r.MaxTokens,
		Tools:     job.Tools,
		// The file tools see the directory the job was added from, not
		// wherever the daemon happens to run.
		WorkDir:   job.Dir,
		Protected: agent.CredentialPaths(r.home(), r.getenv, rt),
		// No Approver: nobody can be asked in a cron run.
		PermissionMode: perm.Mode,
		Allow:          perm.Allow,
		Deny:           perm.Deny,
	})
	if err != nil {
		return "", err
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	res, err := a.Send(ctx, agent.NewConversation(now()), job.Prompt, nil)
	if err != nil {
		return "", err
	}
	return res.Text, nil
}

func (r AgentRunner) getenv(k string) string {
	if r.Getenv == nil {
		return os.Getenv(k)
	}
	return r.Getenv(k)
}

func (r AgentRunner) home() string {
	if r.Home != "" {
		return r.Home
	}
	if h := r.getenv("HERMES_HOME"); h != "" {
		if abs, err := filepath.Abs(h); err == nil {
			return abs
		}
		return h
	}
	if u, err := os.UserHomeDir(); err == nil {
		return filepath.Join(u, ".hermes")
	}
	return ""
}

// ValidateTools reports tool names the agent does not know.
func ValidateTools(tools []string) error {
	for _, t := range tools {
		if !slices.Contains(agent.KnownTools, t) {
			return fmt.Errorf("unknown tool %q: the tools are %s", t, strings.Join(agent.KnownTools, ", "))
		}
	}
	return nil
}
