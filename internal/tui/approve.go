package tui

import (
	"context"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/secret"
	"github.com/hermes-agent/hermes/internal/termtext"
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
	choice int
	asking bool // typing the reason for a "no"
	reason []rune
	scroll int // first body line shown
}

// choices are the dialog's answers: "don't ask again" only when there
// are rules to add, and it names them (bash(go test:*)).
func (d *dialog) choices() []string {
	if len(d.req.AlwaysRules) == 0 {
		return []string{"Yes", "No, and tell the model why"}
	}
	return []string{"Yes", "Yes, and don't ask again for " + strings.Join(d.req.AlwaysRules, " ") + " this session", "No, and tell the model why"}
}

// pick answers with choice i of choices().
func (m *Model) pick(i int) tea.Cmd {
	d := m.dialog
	n := len(d.choices())
	switch {
	case i == 0:
		return m.answer(agent.Approval{Allow: true})
	case i == n-1:
		d.choice, d.asking = n-1, true
		return nil
	}
	return m.answer(agent.Approval{Allow: true, Always: true})
}

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
	n := len(d.choices())
	body, h := m.dialogBody(), m.bodyHeight()
	switch ks {
	case "up", "k":
		d.choice = (d.choice + n - 1) % n
	case "down", "j", "tab":
		d.choice = (d.choice + 1) % n
	case "pgdown", "space", "ctrl+d":
		d.scroll = min(d.scroll+h, max(len(body)-h, 0))
	case "pgup", "ctrl+u":
		d.scroll = max(d.scroll-h, 0)
	case "home":
		d.scroll = 0
	case "end":
		d.scroll = max(len(body)-h, 0)
	case "1", "y":
		return m.pick(0)
	case "2", "a":
		if n == 3 || ks == "2" {
			return m.pick(1)
		}
	case "3", "n":
		if ks == "n" || n == 3 {
			d.choice, d.asking = n-1, true
		}
	case "enter":
		return m.pick(d.choice)
	case "esc":
		return m.answer(agent.Approval{Reason: "the user refused " + d.req.Title})
	case "ctrl+c":
		m.cancelAnswer()
		return m.answer(agent.Approval{Reason: "the user cancelled"})
	}
	return nil
}

// dialogBody is the whole command, diff or input, secrets masked,
// control characters escaped, wrapped to the window: never clipped, the
// dialog scrolls through it.
func (m *Model) dialogBody() []string {
	r := m.dialog.req
	body := string(r.Input)
	switch {
	case r.Command != "":
		body = r.Command
	case r.Diff != "":
		body = r.Diff
	}
	body = strings.ReplaceAll(agent.ShowText(secret.RedactShapes(body)), "\t", "    ")
	var out []string
	for _, l := range strings.Split(strings.TrimSuffix(body, "\n"), "\n") {
		out = append(out, strings.Split(ansi.Hardwrap(l, max(m.width-4, 10), true), "\n")...)
	}
	return out
}

// bodyHeight is how many body lines the dialog shows at once: the rest
// of the screen is the transcript's.
func (m *Model) bodyHeight() int { return max(3, m.height/2-4) }

// dialogLines is the dialog as drawn above the input.
func (m *Model) dialogLines() []string {
	d := m.dialog
	r := d.req
	lines := []string{st.user.Render("hermes wants to " + termtext.OneLine(agent.ShowText(secret.RedactShapes(r.Title)), m.width-20))}
	body, h := m.dialogBody(), m.bodyHeight()
	d.scroll = max(min(d.scroll, len(body)-h), 0)
	end := min(d.scroll+h, len(body))
	for _, l := range body[d.scroll:end] {
		lines = append(lines, "  "+l)
	}
	if len(body) > h {
		lines = append(lines, st.dim.Render(fmt.Sprintf("  lines %d-%d of %d · PgUp/PgDn/Space scroll", d.scroll+1, end, len(body))))
	}
	if len(r.Unruled) > 0 {
		lines = append(lines, st.dim.Render("  no rule can allow "+termtext.OneLine(agent.ShowText(strings.Join(r.Unruled, "; ")), max(m.width-40, 20))+": asked each time"))
	}
	for i, c := range d.choices() {
		// Wrapped, not cut: the rules named must be read in full.
		for j, l := range strings.Split(ansi.Wordwrap(fmt.Sprintf("%d) %s", i+1, c), max(m.width-4, 20), " "), "\n") {
			if j > 0 {
				l = "   " + l
			}
			if i == d.choice {
				l = st.sel.Render(l)
			}
			lines = append(lines, "  "+l)
		}
	}
	if d.asking {
		lines = append(lines, "  Why (Enter sends, Enter alone just refuses): "+string(d.reason)+"▏")
	}
	return lines
}
