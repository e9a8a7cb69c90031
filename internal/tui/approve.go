package tui

import (
	"context"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/secret"
)

// Approver is the agent.Approver of the terminal UI: a tool call that
// needs permission arrives on a channel, the UI shows it as a dialog (yes /
// yes, don't ask again / no, and tell the model why) and answers. Calls
// run in parallel are asked one at a time.
type Approver struct {
	asks chan approvalMsg
}

type approvalMsg struct {
	req   agent.ApprovalRequest
	reply chan agent.Approval
}

// NewApprover returns an Approver to put in agent.Config and in Config.
func NewApprover() *Approver { return &Approver{asks: make(chan approvalMsg)} }

// Approve implements agent.Approver: it waits for the user's answer or
// for ctx (a cancelled answer).
func (a *Approver) Approve(ctx context.Context, req agent.ApprovalRequest) (agent.Approval, error) {
	reply := make(chan agent.Approval, 1)
	select {
	case a.asks <- approvalMsg{req: req, reply: reply}:
	case <-ctx.Done():
		return agent.Approval{}, ctx.Err()
	}
	select {
	case ap := <-reply:
		return ap, nil
	case <-ctx.Done():
		return agent.Approval{}, ctx.Err()
	}
}

// wait delivers the next request to the UI.
func (a *Approver) wait() tea.Cmd {
	return func() tea.Msg { return <-a.asks }
}

// dialog is a pending approval on screen.
type dialog struct {
	approvalMsg
	choice   int
	asking   bool // typing the reason for a "no"
	reason   []rune
	answered bool
}

var dialogChoices = []string{"Yes", "Yes, and don't ask again for %s this session", "No, and tell the model why"}

func (m *Model) onApproval(a approvalMsg) tea.Cmd {
	m.dialog = &dialog{approvalMsg: a}
	m.layout()
	return nil
}

func (m *Model) answer(ap agent.Approval) tea.Cmd {
	d := m.dialog
	m.dialog = nil
	d.reply <- ap
	what := "allowed"
	if !ap.Allow {
		what = "denied"
	}
	m.note(kindNote, what+": "+d.req.Title)
	m.layout()
	return m.cfg.Approver.wait()
}

func (m *Model) onDialogKey(k tea.KeyPressMsg) tea.Cmd {
	d := m.dialog
	ks := k.String()
	if d.asking {
		switch ks {
		case "enter":
			reason := "the user refused " + d.req.Title
			if r := strings.TrimSpace(string(d.reason)); r != "" {
				reason += "; they said: " + r
			}
			return m.answer(agent.Approval{Reason: reason})
		case "esc":
			d.asking = false
		case "backspace":
			if len(d.reason) > 0 {
				d.reason = d.reason[:len(d.reason)-1]
			}
		case "ctrl+c":
			m.cancelAnswer()
			return m.answer(agent.Approval{Reason: "the user cancelled"})
		default:
			d.reason = append(d.reason, []rune(k.Text)...)
		}
		return nil
	}
	switch ks {
	case "up", "k":
		d.choice = (d.choice + 2) % 3
	case "down", "j", "tab":
		d.choice = (d.choice + 1) % 3
	case "1", "y":
		return m.answer(agent.Approval{Allow: true})
	case "2", "a":
		return m.answer(agent.Approval{Allow: true, Always: true})
	case "3", "n":
		d.choice, d.asking = 2, true
	case "enter":
		switch d.choice {
		case 0:
			return m.answer(agent.Approval{Allow: true})
		case 1:
			return m.answer(agent.Approval{Allow: true, Always: true})
		}
		d.asking = true
	case "esc":
		return m.answer(agent.Approval{Reason: "the user refused " + d.req.Title})
	case "ctrl+c":
		m.cancelAnswer()
		return m.answer(agent.Approval{Reason: "the user cancelled"})
	}
	return nil
}

// dialogLines is the dialog as drawn above the input.
func (m *Model) dialogLines() []string {
	d := m.dialog
	r := d.req
	lines := []string{st.user.Render("hermes wants to " + oneLine(secret.RedactShapes(r.Title), m.width-20))}
	var body string
	switch {
	case r.Command != "":
		body = r.Command
	case r.Diff != "":
		body = r.Diff
	default:
		body = oneLine(string(r.Input), 400)
	}
	body = secret.RedactShapes(body)
	bl := strings.Split(body, "\n")
	if len(bl) > 12 {
		bl = append(bl[:12], fmt.Sprintf("… %d more lines", len(bl)-12))
	}
	for _, l := range bl {
		lines = append(lines, "  "+truncate(l, m.width-4))
	}
	what := r.Tool
	if r.Command != "" {
		what = "similar commands"
	}
	for i, c := range dialogChoices {
		if strings.Contains(c, "%s") {
			c = fmt.Sprintf(c, what)
		}
		c = fmt.Sprintf("%d) %s", i+1, c)
		if i == d.choice {
			c = st.sel.Render(c)
		}
		lines = append(lines, "  "+c)
	}
	if d.asking {
		lines = append(lines, "  Why (Enter sends, Enter alone just refuses): "+string(d.reason)+"▏")
	}
	return lines
}
