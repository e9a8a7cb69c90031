package cron

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hermes-agent/hermes/internal/agent"
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
	// SecretPaths lists the credential stores the file tools must refuse
	// (cmdutil.Factory.SecretPaths), asked per run: a WIF configured while
	// the daemon runs is protected from its next job on. nil: only the
	// runtime's own identity-token file.
	SecretPaths func() []string
}

// Run implements Runner.
func (r AgentRunner) Run(ctx context.Context, rt *credential.Runtime, job Job) (string, error) {
	model := job.Model
	if model == "" {
		model = r.DefaultModel
	}
	a, err := agent.New(rt, agent.Config{
		Model:     model,
		System:    job.System,
		MaxTokens: r.MaxTokens,
		Tools:     job.Tools,
		// The file tools see the directory the job was added from, not
		// wherever the daemon happens to run.
		WorkDir:   job.Dir,
		Protected: r.protected(),
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

func (r AgentRunner) protected() []string {
	if r.SecretPaths == nil {
		return nil
	}
	return r.SecretPaths()
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
