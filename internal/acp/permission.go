package acp

import (
	"context"
	"fmt"
	"strings"

	sdk "github.com/coder/acp-go-sdk"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/agent/permission"
)

// Permission option ids offered with every session/request_permission.
const (
	optAllowOnce   = "allow-once"
	optAllowAlways = "allow-always"
	optReject      = "reject"
)

// approver asks the editor about a tool call (agent.Approver). "Always"
// is remembered by the session's agent, which adds the rule for the rest
// of the session.
type approver struct {
	s  *Server
	id string
}

func (p approver) Approve(ctx context.Context, req agent.ApprovalRequest) (agent.Approval, error) {
	info := describeTool(req.Tool, "", req.Input, "")
	title := req.Title
	if title == "" {
		title = info.title
	}
	tc := sdk.ToolCallUpdate{
		ToolCallId: sdk.ToolCallId(req.ToolID),
		Title:      sdk.Ptr(title),
		Kind:       sdk.Ptr(info.kind),
		Status:     sdk.Ptr(sdk.ToolCallStatusPending),
		RawInput:   rawInput(req.Input),
	}
	if req.Path != "" {
		tc.Locations = []sdk.ToolCallLocation{{Path: req.Path}}
		if info.kind == sdk.ToolKindEdit {
			tc.Content = []sdk.ToolCallContent{editDiff(req.Path, req.OldText, req.NewText)}
		}
	}
	if req.Command != "" {
		tc.Content = []sdk.ToolCallContent{sdk.ToolContent(sdk.TextBlock("$ " + req.Command))}
	}
	// "Always" names the exact rules it adds, and is not offered when
	// no rule can allow the call (the terminal's dialog does the same).
	options := []sdk.PermissionOption{{OptionId: optAllowOnce, Name: "Allow", Kind: sdk.PermissionOptionKindAllowOnce}}
	if len(req.AlwaysRules) > 0 {
		options = append(options, sdk.PermissionOption{OptionId: optAllowAlways, Name: "Always allow " + strings.Join(req.AlwaysRules, " ") + " in this session", Kind: sdk.PermissionOptionKindAllowAlways})
	}
	options = append(options, sdk.PermissionOption{OptionId: optReject, Name: "Reject", Kind: sdk.PermissionOptionKindRejectOnce})
	resp, err := p.s.client().RequestPermission(ctx, sdk.RequestPermissionRequest{
		SessionId: sdk.SessionId(p.id),
		ToolCall:  tc,
		Options:   options,
	})
	if err != nil {
		if ctx.Err() != nil {
			return agent.Approval{}, ctx.Err()
		}
		return agent.Approval{}, fmt.Errorf("the editor did not answer the permission request: %w", err)
	}
	switch {
	case resp.Outcome.Cancelled != nil:
		// The client answers cancelled when the prompt is being cancelled.
		if ctx.Err() != nil {
			return agent.Approval{}, ctx.Err()
		}
		return agent.Approval{Reason: "the user dismissed the permission request for " + title}, nil
	case resp.Outcome.Selected == nil:
		return agent.Approval{Reason: "the editor gave no answer for " + title}, nil
	}
	switch string(resp.Outcome.Selected.OptionId) {
	case optAllowOnce:
		return agent.Approval{Allow: true}, nil
	case optAllowAlways:
		if len(req.AlwaysRules) == 0 {
			return agent.Approval{Reason: "the editor chose an option that was not offered for " + title}, nil
		}
		return agent.Approval{Allow: true, Always: true}, nil
	default:
		return agent.Approval{Reason: "the user rejected " + title}, nil
	}
}

// editDiff is the protocol's diff content; oldText is absent for a new file.
func editDiff(path, oldText, newText string) sdk.ToolCallContent {
	if oldText == "" {
		return sdk.ToolDiffContent(path, newText)
	}
	return sdk.ToolDiffContent(path, newText, oldText)
}

// clientFiles backs the file tools with the editor's fs methods, so the
// model sees unsaved buffers and edits land in the editor (agent.TextFiles).
type clientFiles struct {
	s  *Server
	id string
}

func (f clientFiles) ReadTextFile(ctx context.Context, path string) (string, error) {
	resp, err := f.s.client().ReadTextFile(ctx, sdk.ReadTextFileRequest{SessionId: sdk.SessionId(f.id), Path: path})
	if err != nil {
		return "", fmt.Errorf("the editor could not read %s: %w", path, err)
	}
	return resp.Content, nil
}

func (f clientFiles) WriteTextFile(ctx context.Context, path, content string) error {
	if _, err := f.s.client().WriteTextFile(ctx, sdk.WriteTextFileRequest{SessionId: sdk.SessionId(f.id), Path: path, Content: content}); err != nil {
		return fmt.Errorf("the editor could not write %s: %w", path, err)
	}
	return nil
}

// rules are a session's permission settings: the flags merged with
// HERMES_HOME/settings.json and the project's .hermes/settings.json, as
// chat merges them (permission.Resolve).
func (s *Server) rules(cwd string) (permission.Effective, error) {
	return permission.Resolve(s.cfg.Home, cwd, s.cfg.PermissionMode, s.cfg.Allow, s.cfg.Deny)
}
