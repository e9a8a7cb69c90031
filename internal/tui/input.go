package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/hermes-agent/hermes/internal/chatcore"
)

func (m *Model) onKey(k tea.KeyPressMsg) tea.Cmd {
	ks := k.String()
	if ks != "ctrl+c" {
		m.lastCtrlC = false
	}
	if m.dialog != nil {
		return m.onDialogKey(k)
	}
	if m.picker != nil {
		return m.onPickerKey(ks)
	}
	switch ks {
	case "ctrl+c":
		switch {
		case m.busy:
			m.cancelAnswer()
		case m.input.Value() != "":
			m.input.Reset()
			m.afterInput()
		default:
			return m.quit()
		}
		m.lastCtrlC = true
		return nil
	case "esc":
		if m.busy {
			m.cancelAnswer()
		}
		m.completion = nil
		return nil
	case "ctrl+d":
		if m.input.Value() == "" && !m.busy {
			return m.quit()
		}
	case "enter":
		return m.submit()
	case "tab":
		if len(m.completion) > 0 {
			m.input.SetValue(m.completion[m.compIdx].Name + " ")
			m.afterInput()
			return nil
		}
	case "up":
		if len(m.completion) > 0 {
			m.compIdx = (m.compIdx + len(m.completion) - 1) % len(m.completion)
			return nil
		}
		if m.input.Line() == 0 {
			m.walkHistory(-1)
			return nil
		}
	case "down":
		if len(m.completion) > 0 {
			m.compIdx = (m.compIdx + 1) % len(m.completion)
			return nil
		}
		if m.input.Line() == m.input.LineCount()-1 {
			m.walkHistory(+1)
			return nil
		}
	case "pgup", "pgdown":
		var cmd tea.Cmd
		m.view, cmd = m.view.Update(k)
		return cmd
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(k)
	m.afterInput()
	return cmd
}

func (m *Model) quit() tea.Cmd {
	m.quitting = true
	if m.cancel != nil {
		m.cancel()
	}
	return tea.Quit
}

// afterInput refreshes what depends on the input: completion and layout.
func (m *Model) afterInput() {
	v := m.input.Value()
	m.completion = nil
	if strings.HasPrefix(v, "/") && !strings.ContainsAny(v, " \n") {
		m.completion = chatcore.Complete(v)
	}
	if m.compIdx >= len(m.completion) {
		m.compIdx = 0
	}
	m.layout()
}

func (m *Model) walkHistory(dir int) {
	h := m.cfg.History.Entries()
	if len(h) == 0 {
		return
	}
	if m.histIdx > len(h) {
		m.histIdx = len(h)
	}
	if m.histIdx == len(h) && dir < 0 {
		m.histDraft = m.input.Value()
	}
	i := m.histIdx + dir
	if i < 0 || i > len(h) {
		return
	}
	m.histIdx = i
	if i == len(h) {
		m.input.SetValue(m.histDraft)
	} else {
		m.input.SetValue(h[i])
	}
	m.afterInput()
}

// submit sends the input, runs a command, or queues the input while an
// answer is being written.
func (m *Model) submit() tea.Cmd {
	text := strings.TrimSpace(m.input.Value())
	if text == "" {
		return nil
	}
	if len(m.completion) > 0 && !strings.ContainsAny(text, " \n") {
		// Enter on a partial command picks the highlighted completion.
		text = m.completion[m.compIdx].Name
	}
	if m.busy {
		m.queued = true
		return nil
	}
	m.input.Reset()
	m.completion = nil
	m.cfg.History.Add(text)
	m.histIdx = len(m.cfg.History.Entries())
	m.histDraft = ""
	defer m.layout()
	if chatcore.IsCommand(text) {
		return m.runCommand(text)
	}
	return m.send(text)
}
