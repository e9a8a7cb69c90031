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

// maxPromptDiffLines bounds the diff shown in a question.
const maxPromptDiffLines = 80

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
	switch {
	case req.Command != "":
		fmt.Fprintf(t.out, "hermes wants to run a command (bash runs as you):\n\n  %s\n\n", strings.ReplaceAll(secret.RedactShapes(req.Command), "\n", "\n  "))
	case req.Diff != "":
		fmt.Fprintf(t.out, "hermes wants to %s:\n\n%s\n", req.Title, clipLines(secret.RedactShapes(req.Diff), maxPromptDiffLines))
	default:
		fmt.Fprintf(t.out, "hermes wants to use %s: %s\n\n", req.Tool, oneLine(secret.RedactShapes(string(req.Input)), 200))
	}
	what := req.Tool
	if req.Command != "" {
		what = "similar commands"
	}
	choice, err := t.p.Select(ctx, "Allow it?", []string{answerYes, fmt.Sprintf(answerAlways, what), answerNo})
	if err != nil {
		return agent.Approval{}, err
	}
	switch choice {
	case 0:
		return agent.Approval{Allow: true}, nil
	case 1:
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

// clipLines keeps the first n lines of s.
func clipLines(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	if len(lines) <= n {
		return s
	}
	return strings.Join(lines[:n], "") + fmt.Sprintf("… %d more lines\n", len(lines)-n)
}
