package agent

import (
	"context"

	"github.com/hermes-agent/hermes/internal/agent/tools"
	"github.com/hermes-agent/hermes/internal/sandbox"
)

// afterGuard, in tests, runs between the path check and the open: the
// window a symlink swap races into (tools.Env.AfterGuard).
var afterGuard func(rel string)

// env is the tools.Env the built-in tools run in for a call by model:
// this agent's working directory, protected paths, file versions,
// sandbox and policy, and the sub-agents delegate makes (emitting their
// events through emit).
func (a *Agent) env(model string, emit func(Event)) *tools.Env {
	return &tools.Env{
		WorkDir:       a.cfg.WorkDir,
		Protected:     a.protected,
		Files:         a.cfg.Files,
		Versions:      a.versions,
		AfterGuard:    afterGuard,
		Policy:        agentPolicy{a},
		Sandbox:       a.sandboxer,
		SandboxPolicy: a.cfg.Sandbox,
		ProtectedEnv:  a.cfg.ProtectedEnv,
		SubAgent: func(ctx context.Context, task string) (tools.Result, error) {
			r, err := a.delegate(ctx, model, task, emit)
			return r.value(), err
		},
	}
}

// agentPolicy is the agent's permission policy and Approver as the tools
// ask them.
type agentPolicy struct{ a *Agent }

func (p agentPolicy) Permit(ctx context.Context, req tools.ApprovalRequest) (tools.Result, bool, error) {
	r, ok, err := p.a.permit(ctx, req.Tool, req.Command, req)
	return r.value(), ok, err
}

func (p agentPolicy) FullAccess() bool {
	return p.a.policy.Mode() == ModeBypassPermissions && p.a.cfg.Sandbox.Mode == sandbox.DangerFullAccess
}

func (p agentPolicy) NamesPath(tool, rel string) bool { return p.a.policy.NamesPath(tool, rel) }
