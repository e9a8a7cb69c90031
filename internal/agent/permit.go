package agent

import (
	"context"
	"strings"

	"github.com/hermes-agent/hermes/internal/agent/permission"
	"github.com/hermes-agent/hermes/internal/agent/tools"
	"github.com/hermes-agent/hermes/internal/telemetry"
)

// permit decides a call of a tool that may need permission: the rules,
// then the Approver. ok is false with the denial as a tool result.
func (a *Agent) permit(ctx context.Context, tool, command string, req ApprovalRequest) (toolResult, bool, error) {
	return a.permitKind(ctx, tool, tools.KindOf(tool), command, req)
}

// permitKind is permit for a tool of kind.
func (a *Agent) permitKind(ctx context.Context, tool string, kind tools.Kind, command string, req ApprovalRequest) (toolResult, bool, error) {
	v := a.policy.CheckKind(tool, kind, command)
	switch v.Decision {
	case permission.Allow:
		telemetry.RecordToolDecision(ctx, tool, "allow", "policy")
		return toolResult{}, true, nil
	case permission.Deny:
		telemetry.RecordToolDecision(ctx, tool, "deny", "policy")
		return denied("%s", v.Reason), false, nil
	}
	telemetry.RecordToolDecision(ctx, tool, "ask", "policy")
	hint := v.Hint()
	if a.cfg.Approver == nil {
		telemetry.RecordToolDecision(ctx, tool, "deny", "unattended")
		return denied("%s needs approval and nobody can be asked here, %s", req.Title, hint), false, nil
	}
	for _, r := range v.Suggest {
		req.AlwaysRules = append(req.AlwaysRules, r.String())
	}
	req.Unruled = v.Unruled
	ans, err := a.cfg.Approver.Approve(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			return toolResult{}, false, ctx.Err()
		}
		return denied("could not ask for approval (%v), %s", err, hint), false, nil
	}
	if !ans.Allow {
		telemetry.RecordToolDecision(ctx, tool, "deny", "user")
		reason := strings.TrimSpace(ans.Reason)
		if reason == "" {
			reason = "the user refused " + req.Title
		}
		return denied("%s", reason), false, nil
	}
	if ans.Always && len(v.Suggest) > 0 {
		// Exactly the rules the dialog named: command rules for the
		// parts the user saw, never the whole bash tool.
		a.policy.AllowForSession(v.Suggest...)
	}
	telemetry.RecordToolDecision(ctx, tool, "allow", "user")
	return toolResult{}, true, nil
}

// denied is a refused call's result, for the model to read and go on.
func denied(format string, args ...any) toolResult {
	r := errResult("permission denied: "+format, args...)
	r.denied = true
	return r
}
