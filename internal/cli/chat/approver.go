package chat

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/prompt"
	"github.com/hermes-agent/hermes/internal/secret"
)

// TerminalApprover asks the user on a terminal before a tool call that
// needs permission: it shows the tool and its input (the diff of an edit,
// the command for bash) and offers yes / yes, don't ask again this
// session / no, and tell the model why. Calls run in parallel are asked
// one at a time.
type TerminalApprover struct {
	p   prompt.Prompter
	out io.Writer
	mu  sync.Mutex
}

// NewTerminalApprover asks through p, showing the details on out (stderr).
func NewTerminalApprover(p prompt.Prompter, out io.Writer) *TerminalApprover {
	return &TerminalApprover{p: p, out: out}
}

// Answers of the question, in order.
const (
	answerYes    = "Yes"
	answerAlways = "Yes, and don't ask again for %s this session"
	answerNo     = "No, and tell the model why"
)

// Approve implements agent.Approver.
func (t *TerminalApprover) Approve(ctx context.Context, req agent.ApprovalRequest) (agent.Approval, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintln(t.out)
	// The whole command or diff, never clipped (the terminal scrolls),
	// control characters escaped: what the user reads is what runs.
	switch {
	case req.Command != "":
		fmt.Fprintf(t.out, "hermes wants to run a command (bash runs as you):\n\n  %s\n\n", strings.ReplaceAll(show(req.Command), "\n", "\n  "))
	case req.Diff != "":
		fmt.Fprintf(t.out, "hermes wants to %s:\n\n%s\n", show(req.Title), show(req.Diff))
	default:
		fmt.Fprintf(t.out, "hermes wants to use %s: %s\n\n", req.Tool, show(string(req.Input)))
	}
	answers := []string{answerYes, answerNo}
	if len(req.AlwaysRules) > 0 {
		answers = []string{answerYes, fmt.Sprintf(answerAlways, strings.Join(req.AlwaysRules, " ")), answerNo}
	}
	if len(req.Unruled) > 0 {
		fmt.Fprintf(t.out, "No rule can allow %s: it is asked about each time.\n\n", show(strings.Join(req.Unruled, "; ")))
	}
	choice, err := t.p.Select(ctx, "Allow it?", answers)
	if err != nil {
		return agent.Approval{}, err
	}
	switch answers[choice] {
	case answerYes:
		return agent.Approval{Allow: true}, nil
	case answerNo:
	default:
		return agent.Approval{Allow: true, Always: true}, nil
	}
	reason, err := t.p.Input(ctx, "What should the model do instead? (Enter to just refuse): ")
	if err != nil {
		return agent.Approval{}, err
	}
	msg := "the user refused " + req.Title
	if reason != "" {
		msg += "; they said: " + reason
	}
	return agent.Approval{Reason: msg}, nil
}

// show is text for the question: secrets masked, control characters
// escaped.
func show(s string) string { return agent.ShowText(secret.RedactShapes(s)) }
