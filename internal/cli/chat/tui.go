package chat

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	tea "charm.land/bubbletea/v2"

	"github.com/hermes-agent/hermes/internal/models"
	"github.com/hermes-agent/hermes/internal/tui"
)

// runTUI runs the interactive chat as a full-screen terminal UI over the
// session controller; the UI's background work runs under ctx. notices
// (MCP servers skipped or failing to start) are shown as they come.
func (s *chatSession) runTUI(ctx context.Context, home string, notices <-chan string) error {
	ios := s.opts.IO
	list := s.opts.ListModels
	if list == nil {
		// /model offers what the API offers to this credential.
		rt := s.Runtime
		list = func(ctx context.Context) ([]string, error) { return models.IDs(ctx, rt) }
	}
	m := tui.New(tui.Config{
		Backend: s.Session,
		Context: ctx,
		Models:  list,
		History: tui.OpenHistory(filepath.Join(home, "history")),
		Now:     s.opts.Now,
		// nil unless tools can ask (s.approver is *tui.Approver).
		Approver:    s.approver,
		CheckModel:  s.CheckModel,
		ModelNotice: s.ModelNotice,
		Notices:     notices,
	})
	opts := []tea.ProgramOption{tea.WithInput(ios.In), tea.WithOutput(ios.Out), tea.WithContext(ctx)}
	_, err := tea.NewProgram(m, opts...).Run()
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		return fmt.Errorf("terminal UI: %w", err)
	}
	if conv := s.Conversation(); len(conv.Messages) > 0 {
		fmt.Fprintf(ios.Out, "Session %s saved; continue it with `hermes chat --session %s`.\n", conv.ID, conv.ID)
	}
	return nil
}
