package tui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/chatcore"
)

// keysHelp is the first part of /help; chatcore adds the commands. Its
// rows and the commands share one layout: the key in 19 columns, then the
// description (TestHelpAligned).
const keysHelp = `Keys
  Enter               send
  Shift+Enter         new line (also Alt+Enter or Ctrl+J; a paste is always one message)
  Up / Down           previous / next prompt (history)
  Tab                 complete a /command
  Ctrl+C              clear the input; on an empty input quit; while answering cancel the answer
  Esc                 cancel the answer
  PgUp / PgDn         scroll the transcript
  Ctrl+D              quit on an empty input`

// backgroundTimeout bounds a model check or list run for /model.
const backgroundTimeout = 30 * time.Second

// runCommand runs a slash command from chatcore's table.
func (m *Model) runCommand(line string) tea.Cmd {
	chatcore.Run(m.ui(), line)
	m.layout()
	return m.takePending()
}

// takePending returns (and forgets) the commands asked for meanwhile.
func (m *Model) takePending() tea.Cmd {
	cmds := m.pending
	m.pending = nil
	return tea.Batch(cmds...)
}

// ui is the Model as chatcore.UI: what a slash command asks for becomes
// a transcript entry, a picker, or a command Update returns.
func (m *Model) ui() chatcore.UI { return modelUI{m} }

type modelUI struct{ m *Model }

func (u modelUI) Backend() chatcore.Backend { return u.m.cfg.Backend }
func (u modelUI) Now() time.Time            { return u.m.cfg.Now() }
func (u modelUI) Keys() string              { return keysHelp }
func (u modelUI) Note(text string)          { u.m.note(kindNote, text) }
func (u modelUI) Error(text string)         { u.m.note(kindError, text) }
func (u modelUI) Busy() bool                { return u.m.busy }

func (u modelUI) Models() chatcore.ModelHooks {
	h := chatcore.ModelHooks{Check: u.m.cfg.CheckModel, Notice: u.m.cfg.ModelNotice}
	if list := u.m.cfg.Models; list != nil {
		h.List = func(ctx context.Context) ([]chatcore.Choice, error) {
			ids, err := list(ctx)
			out := make([]chatcore.Choice, 0, len(ids))
			for _, id := range ids {
				out = append(out, chatcore.Choice{Label: id, Value: id})
			}
			return out, err
		}
	}
	return h
}

func (u modelUI) Clear() {
	u.m.entries = nil
	u.m.refresh()
}

func (u modelUI) ShowSession(replay bool) {
	u.m.entries = nil
	if replay {
		u.m.showTranscript()
	}
	u.m.refresh()
}

func (u modelUI) Choose(title string, items []chatcore.Choice, cursor int, then func(string)) {
	u.m.picker = &picker{title: title, items: items, cursor: max(cursor, 0), onPick: then}
}

func (u modelUI) Confirm(question, yes, no, _ string, then func(bool)) {
	items := []chatcore.Choice{{Label: yes, Value: "yes"}, {Label: no, Value: ""}}
	u.m.picker = &picker{title: question, items: items, onPick: func(v string) { then(v == "yes") }}
}

// Go runs work as a command under the program's context, bounded by
// backgroundTimeout; its continuation comes back as a thenMsg.
func (u modelUI) Go(work func(ctx context.Context) func()) {
	parent := u.m.ctx
	u.m.pending = append(u.m.pending, func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, backgroundTimeout)
		defer cancel()
		return thenMsg{work(ctx)}
	})
}

func (u modelUI) Stream(call func(ctx context.Context, on func(agent.Event)) (*agent.Result, error)) {
	u.m.pending = append(u.m.pending, u.m.start(call))
}

func (u modelUI) Ask(prompt string) { u.m.pending = append(u.m.pending, u.m.send(prompt)) }

func (u modelUI) Quit() { u.m.pending = append(u.m.pending, u.m.quit()) }
