// Package tui is the interactive `hermes chat` on a terminal: a
// bubbletea program with a transcript (word-wrapped, re-rendered Markdown,
// re-flowed on resize), a multi-line input (a paste is one message), a
// spinner while the model answers, slash commands with completion, prompt
// history and a status line. The chat itself (agent, sessions, credential)
// sits behind Backend, and the slash commands are chatcore's table, so
// Update is tested without a terminal or network.
//
// Files: tui.go (the model and Update), input.go (keys, history, submit),
// answer.go (a streamed answer and the transcript), commands.go (the
// slash commands through chatcore.UI), picker.go, approve.go (the
// permission dialog), view.go (layout and drawing).
package tui

import (
	"context"
	"sync"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/chatcore"
	"github.com/hermes-agent/hermes/internal/termtext"
)

// Backend is the chat behind the UI: one session at a time
// (chatcore.Session is the real one).
type Backend = chatcore.Backend

// Status is what the status line and /status show.
type Status = chatcore.Status

// Config is what New needs.
type Config struct {
	Backend Backend
	// Context is the program's: the UI's background work (answers,
	// model checks and lists) runs under it and stops when it ends. nil
	// means context.Background().
	Context context.Context
	// Models lists the models /model offers; nil offers only /model NAME.
	Models  func(context.Context) ([]string, error)
	History *History
	Now     func() time.Time
	// Approver, when set (and given to the agent), shows tool calls that
	// need permission as a dialog.
	Approver *Approver
	// CheckModel, when set, asks the API about a model typed as
	// /model NAME before switching: an error (the model refused) keeps
	// the current model and is shown.
	CheckModel func(ctx context.Context, name string) error
	// ModelNotice, when set, is asked about the current model at start,
	// after /resume and after a switch: a non-empty notice (a deprecated
	// or retired model) is shown, and offer, when non-empty, is offered
	// as the session's new model.
	ModelNotice func(model string) (notice, offer string)
	// Notices, when set, are lines from background work (an MCP server
	// that failed to start) shown as they arrive.
	Notices <-chan string
}

// entry kinds in the transcript.
const (
	kindUser = iota
	kindAssistant
	kindTool
	kindNote
	kindError
)

type entry struct {
	kind  int
	text  string
	depth int
	// tool calls
	toolID string
	tool   string
	marker string // "", "✓" or "✗"
	result string // the result in a few words (agent.ResultSummary)
	denied bool
	// rendered caches text rendered at width.
	rendered string
	width    int
}

// Messages from the answer being written (gen tells a cancelled answer's
// late messages from the current one's) and from background work.
type (
	streamMsg struct {
		gen int
		ev  agent.Event
	}
	doneMsg struct {
		gen int
		res *agent.Result
		err error
	}
	// thenMsg carries the continuation of work run by chatcore.UI.Go.
	thenMsg struct{ then func() }
	tickMsg struct{}
	// noticeMsg is a line from Config.Notices.
	noticeMsg string
)

// Model is the bubbletea model of the chat.
type Model struct {
	cfg     Config
	ctx     context.Context // the program's (Config.Context)
	input   textarea.Model
	view    viewport.Model
	spin    spinner.Model
	width   int
	height  int
	entries []entry

	busy    bool
	gen     int
	cancel  context.CancelFunc
	events  chan tea.Msg
	current int  // index of the streaming assistant entry, -1 none
	queued  bool // Enter was pressed while answering: send when done
	// lastPrompt is the prompt last sent, asked again after a refused
	// model is replaced.
	lastPrompt string
	// pending are the commands the chatcore.UI calls of the message
	// being handled asked for; Update returns them.
	pending []tea.Cmd

	histIdx    int    // len(history) when not walking it
	histDraft  string // the input before walking the history
	picker     *picker
	completion []chatcore.Command
	compIdx    int
	quitting   bool
	lastCtrlC  bool
	dialog     *dialog
}

// Styles, built when the first Model is (never at init).
type styles struct {
	user, note, err, status, dim, sel, tool lipgloss.Style
}

// st is set by New from stylesOnce (models may be built concurrently).
var st styles

var stylesOnce = sync.OnceValue(func() styles {
	return styles{
		user:   lipgloss.NewStyle().Bold(true),
		note:   lipgloss.NewStyle().Faint(true),
		err:    lipgloss.NewStyle().Foreground(lipgloss.Red),
		status: lipgloss.NewStyle().Faint(true),
		dim:    lipgloss.NewStyle().Faint(true),
		sel:    lipgloss.NewStyle().Reverse(true),
		tool:   lipgloss.NewStyle().Foreground(lipgloss.Cyan),
	}
})

// stylesOnceSet sets st once, before any model renders.
var stylesOnceSet = sync.OnceFunc(func() { st = stylesOnce() })

// New returns the chat model; the earlier turns of the current session
// are shown at once.
func New(cfg Config) *Model {
	stylesOnceSet()
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.History == nil {
		cfg.History = &History{}
	}
	if cfg.Context == nil {
		cfg.Context = context.Background()
	}
	in := textarea.New()
	in.Prompt = "> "
	in.ShowLineNumbers = false
	in.Placeholder = "Ask anything · /help for commands"
	in.DynamicHeight = true
	in.MinHeight = 1
	in.MaxHeight = 10
	in.SetHeight(1)
	in.KeyMap.InsertNewline = key.NewBinding(key.WithKeys("shift+enter", "alt+enter", "ctrl+j"))
	// Up/Down walk the history at the first/last line; the textarea keeps
	// them for moving between lines of a multi-line input.
	// The terminal's own cursor, not a blinking drawn one: no timer
	// messages, and the terminal puts it where the input is.
	in.SetVirtualCursor(false)
	in.Focus()
	m := &Model{
		cfg:     cfg,
		ctx:     cfg.Context,
		input:   in,
		view:    viewport.New(),
		spin:    spinner.New(spinner.WithSpinner(spinner.MiniDot)),
		width:   80,
		height:  24,
		current: -1,
	}
	m.view.KeyMap = viewport.KeyMap{
		PageUp:   key.NewBinding(key.WithKeys("pgup")),
		PageDown: key.NewBinding(key.WithKeys("pgdown")),
	}
	m.histIdx = len(cfg.History.Entries())
	m.showTranscript()
	chatcore.ShowModelNotice(m.ui())
	m.layout()
	return m
}

// Init starts the status line's clock.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{tick(), m.waitNotice()}
	if m.cfg.Approver != nil {
		cmds = append(cmds, m.cfg.Approver.wait())
	}
	return tea.Batch(cmds...)
}

// waitNotice delivers the next line of Config.Notices (nil: none).
func (m *Model) waitNotice() tea.Cmd {
	ch := m.cfg.Notices
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		line, ok := <-ch
		if !ok {
			return nil
		}
		return noticeMsg(line)
	}
}

func tick() tea.Cmd {
	return tea.Tick(15*time.Second, func(time.Time) tea.Msg { return tickMsg{} })
}

// Update handles one message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return m, nil
	case tickMsg:
		return m, tick()
	case noticeMsg:
		m.note(kindNote, termtext.Clean(string(msg)))
		m.layout()
		return m, m.waitNotice()
	case spinner.TickMsg:
		if !m.busy {
			return m, nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case streamMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		m.onEvent(msg.ev)
		return m, m.waitEvent()
	case doneMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		return m, m.onDone(msg)
	case thenMsg:
		msg.then()
		m.layout()
		return m, m.takePending()
	case approvalMsg:
		return m, m.onApproval(msg)
	case tea.PasteMsg:
		// A paste is text in the input, never a send, however many lines.
		m.lastCtrlC = false
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg)
		m.afterInput()
		return m, cmd
	case tea.KeyPressMsg:
		return m, m.onKey(msg)
	case tea.MouseWheelMsg:
		var cmd tea.Cmd
		m.view, cmd = m.view.Update(msg)
		return m, cmd
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return m, cmd
}

// Quitting reports whether the user asked to quit (tests).
func (m *Model) Quitting() bool { return m.quitting }
