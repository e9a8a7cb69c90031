package tui

import (
	"context"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/chatcore"
)

func (m *Model) send(prompt string) tea.Cmd {
	m.lastPrompt = prompt
	m.addEntry(entry{kind: kindUser, text: prompt})
	b := m.cfg.Backend
	return m.start(func(ctx context.Context, on func(agent.Event)) (*agent.Result, error) {
		return b.Send(ctx, prompt, on)
	})
}

// start runs call (an answer, or /compact) in the background under the
// program's context, streaming its events; Esc and Ctrl+C cancel it, and
// so does the end of the program's context.
func (m *Model) start(call func(ctx context.Context, on func(agent.Event)) (*agent.Result, error)) tea.Cmd {
	m.gen++
	gen := m.gen
	ctx, cancel := context.WithCancel(m.ctx)
	m.cancel = cancel
	m.busy = true
	m.current = -1
	events := make(chan tea.Msg, 64)
	m.events = events
	go func() {
		res, err := call(ctx, func(e agent.Event) { events <- streamMsg{gen: gen, ev: e} })
		events <- doneMsg{gen: gen, res: res, err: err}
		close(events)
	}()
	m.spin = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	return tea.Batch(m.waitEvent(), m.spin.Tick)
}

// waitEvent delivers the next message of the answer being written.
func (m *Model) waitEvent() tea.Cmd {
	ch := m.events
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return nil
		}
		return msg
	}
}

func (m *Model) cancelAnswer() {
	if m.cancel != nil {
		m.cancel()
	}
}

func (m *Model) onEvent(e agent.Event) {
	switch {
	case e.Type == "compact" && e.Depth == 0:
		m.addEntry(entry{kind: kindNote, text: "(" + e.Text + "; the original turns are kept in the session's side file)"})
		m.current = -1
	case e.Type == "text" && e.Depth == 0:
		if m.current < 0 {
			m.addEntry(entry{kind: kindAssistant})
			m.current = len(m.entries) - 1
		}
		m.entries[m.current].text += e.Text
		m.entries[m.current].width = 0
	case e.Type == "tool_use":
		m.addEntry(entry{kind: kindTool, text: e.Tool + " " + agent.ToolSummary(e.Tool, e.Input), depth: e.Depth, toolID: e.ToolID, tool: e.Tool})
		m.current = -1 // text after a tool call is a new paragraph
	case e.Type == "tool_result":
		for i := len(m.entries) - 1; i >= 0; i-- {
			if m.entries[i].kind == kindTool && m.entries[i].toolID == e.ToolID {
				m.entries[i].marker = "✓"
				if e.IsError || e.Denied {
					m.entries[i].marker = "✗"
				}
				if e.Tool == "" {
					e.Tool = m.entries[i].tool // a replayed transcript
				}
				m.entries[i].result, m.entries[i].denied = agent.ResultSummary(e), e.Denied
				m.entries[i].width = 0
				break
			}
		}
	}
	m.refresh()
}

func (m *Model) onDone(d doneMsg) tea.Cmd {
	m.busy = false
	m.cancel = nil
	m.current = -1
	chatcore.AnswerDone(m.ui(), d.err, m.lastPrompt)
	m.refresh()
	if m.queued {
		m.queued = false
		m.pending = append(m.pending, m.submit())
	}
	return m.takePending()
}

// showTranscript adds the current session's earlier turns.
func (m *Model) showTranscript() {
	for _, msg := range m.cfg.Backend.Transcript() {
		for _, b := range msg.Content {
			switch {
			case b.Type == "text" && msg.Role == "user":
				m.addEntry(entry{kind: kindUser, text: b.Text})
			case b.Type == "text":
				m.addEntry(entry{kind: kindAssistant, text: b.Text})
			case b.Type == "tool_use":
				m.addEntry(entry{kind: kindTool, text: b.Name + " " + agent.ToolSummary(b.Name, b.Input), toolID: b.ID, tool: b.Name})
			case b.Type == "tool_result":
				m.onEvent(agent.Event{Type: "tool_result", ToolID: b.ToolUseID, IsError: b.IsError, Output: b.Content})
			}
		}
	}
	m.refresh()
}

func (m *Model) note(kind int, text string) {
	m.addEntry(entry{kind: kind, text: text})
	m.refresh()
}

func (m *Model) addEntry(e entry) { m.entries = append(m.entries, e) }
