package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/chatcore"
)

// statusLine is the line under the input.
func (m *Model) statusLine() string {
	s := m.cfg.Backend.Status()
	parts := []string{s.Model}
	cred := s.CredentialKind
	if !s.Expiry.IsZero() {
		if s.Expiry.After(m.cfg.Now()) {
			cred += " · expires in " + chatcore.Until(m.cfg.Now(), s.Expiry)
		} else {
			cred += " · renews on next request"
		}
	}
	parts = append(parts, cred, "session "+s.SessionID)
	if n := s.InputTokens + s.CacheWriteTokens + s.CacheReadTokens + s.OutputTokens; n > 0 {
		parts = append(parts, chatcore.HumanTokens(n)+" tokens")
	}
	if s.CostUSD != nil {
		parts = append(parts, agent.FormatUSD(*s.CostUSD))
	}
	return strings.Join(parts, " · ")
}

// layout sizes the input and the transcript to the window.
func (m *Model) layout() {
	m.input.SetWidth(max(m.width, 10))
	below := m.input.Height() + 2 // separator + status line
	if m.busy {
		below++
	}
	below += m.popupHeight()
	m.view.SetWidth(m.width)
	m.view.SetHeight(max(m.height-below, 1))
	m.refresh()
}

func (m *Model) popupHeight() int {
	switch {
	case m.dialog != nil:
		return len(m.dialogLines())
	case m.picker != nil:
		return m.pickerHeight()
	case len(m.completion) > 0:
		return len(m.completion)
	}
	return 0
}

// refresh re-renders the transcript into the viewport, following the
// bottom unless the user scrolled up.
func (m *Model) refresh() {
	follow := m.view.AtBottom() || m.busy
	parts := make([]string, 0, len(m.entries))
	for i := range m.entries {
		parts = append(parts, m.render(&m.entries[i]))
	}
	m.view.SetContent(strings.Join(parts, "\n\n"))
	if follow {
		m.view.GotoBottom()
	}
}

// render renders an entry at the current width, cached until the entry
// or the width changes.
func (m *Model) render(e *entry) string {
	if e.width == m.width && e.rendered != "" {
		return e.rendered
	}
	w := max(m.width, 20)
	var out string
	switch e.kind {
	case kindUser:
		out = st.user.Render("> " + strings.ReplaceAll(wrapPlain(e.text, w-2), "\n", "\n  "))
	case kindAssistant:
		out = renderMarkdown(e.text, w)
	case kindTool:
		mark := e.marker
		if mark == "" {
			mark = "…"
		}
		indent := strings.Repeat("  ", e.depth)
		line := truncate(e.text, w-4-2*e.depth) + " " + mark
		if room := w - 2 - 2*e.depth - textWidth(line) - 3; e.result != "" && !e.denied && room >= 8 {
			line += " · " + truncate(e.result, room)
		}
		out = indent + st.tool.Render("⏺ ") + line
		if e.denied && e.result != "" {
			// A denial is shown whole: it names the rule that would
			// allow the call.
			out += "\n" + indent + "  ⎿ " + strings.ReplaceAll(wrapPlain(e.result, max(w-4-2*e.depth, 10)), "\n", "\n"+indent+"    ")
		}
	case kindNote:
		out = st.note.Render(wrapPlain(e.text, w))
	case kindError:
		out = st.err.Render(wrapPlain(e.text, w))
	}
	e.rendered, e.width = out, m.width
	return out
}

// View draws the screen: transcript, spinner, popup, input, status.
func (m *Model) View() tea.View {
	if m.quitting {
		return tea.NewView("")
	}
	var b strings.Builder
	b.WriteString(m.view.View())
	b.WriteByte('\n')
	if m.busy {
		hint := "thinking… (Esc or Ctrl+C cancels)"
		if m.queued {
			hint = "thinking… (your next prompt is queued)"
		}
		b.WriteString(m.spin.View() + " " + st.dim.Render(hint) + "\n")
	}
	switch {
	case m.dialog != nil:
		for _, l := range m.dialogLines() {
			b.WriteString(l + "\n")
		}
	case m.picker != nil:
		m.pickerView(&b)
	case len(m.completion) > 0:
		for i, c := range m.completion {
			line := fmt.Sprintf("%-10s %s", c.Name, c.Help)
			if i == m.compIdx {
				line = st.sel.Render(line)
			}
			b.WriteString("  " + truncate(line, m.width-2) + "\n")
		}
	}
	b.WriteString(st.dim.Render(strings.Repeat("─", max(m.width, 1))) + "\n")
	above := strings.Count(b.String(), "\n")
	b.WriteString(m.input.View() + "\n")
	b.WriteString(st.status.Render(truncate(m.statusLine(), m.width)))
	v := tea.NewView(b.String())
	if c := m.input.Cursor(); c != nil && m.picker == nil && m.dialog == nil {
		c.Y += above
		v.Cursor = c
	}
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "hermes chat"
	return v
}
