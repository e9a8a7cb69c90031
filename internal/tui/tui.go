// Package tui is the interactive `hermes chat` on a terminal: a
// bubbletea program with a transcript (word-wrapped, re-rendered Markdown,
// re-flowed on resize), a multi-line input (a paste is one message), a
// spinner while the model answers, slash commands with completion, prompt
// history and a status line. The chat itself (agent, sessions, credential)
// sits behind Backend, so Update is tested without a terminal or network.
package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/hermes-agent/hermes/internal/agent"
)

// Backend is the chat behind the UI: one session at a time.
type Backend interface {
	// Send answers prompt in the current session, calling onEvent for
	// each streamed event (from another goroutine). Cancelling ctx stops
	// the answer and running tools and leaves the session as it was.
	Send(ctx context.Context, prompt string, onEvent func(agent.Event)) (*agent.Result, error)
	// NewSession starts a new session and makes it current.
	NewSession() error
	// Resume makes the saved session id current.
	Resume(id string) error
	// Sessions lists saved sessions, newest first.
	Sessions() ([]agent.SessionInfo, error)
	// Transcript is the current session's messages so far.
	Transcript() []agent.Message
	// SetModel switches the current session's model.
	SetModel(model string)
	// Status describes the session and credential now.
	Status() Status
	// Compact replaces the current session's older turns by a summary
	// (/compact [focus]), calling onEvent like Send.
	Compact(ctx context.Context, focus string, onEvent func(agent.Event)) (*agent.Result, error)
}

// Status is what the status line and /status show.
type Status struct {
	Model     string
	SessionID string
	// CredentialKind is short ("WIF", "API key", "OAuth", "bearer");
	// CredentialSource says which credential won, never a secret.
	CredentialKind   string
	CredentialSource string
	// Expiry of the credential's current token; zero when unknown or none.
	Expiry       time.Time
	InputTokens  int64 // plain input, neither read from nor written to the cache
	OutputTokens int64
	// CacheWriteTokens and CacheReadTokens are the prompt-cache input.
	CacheWriteTokens, CacheReadTokens int64
	// CostUSD is the session's cost in this process; nil when unknown.
	CostUSD *float64
	// Instructions are the project instruction files (AGENTS.md,
	// CLAUDE.md) in the system prompt.
	Instructions []string
}

// Config is what New needs.
type Config struct {
	Backend Backend
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
}

// command is a slash command.
type command struct{ name, help string }

var commands = []command{
	{"/new", "start a new session"},
	{"/resume", "resume a saved session (picker)"},
	{"/sessions", "list saved sessions"},
	{"/model", "switch models (picker, or /model NAME)"},
	{"/status", "credential, model, session, tokens, cost and instruction files"},
	{"/compact", "summarise older turns to free context (/compact FOCUS to steer it)"},
	{"/clear", "clear the screen (the session is kept)"},
	{"/help", "keys and commands"},
	{"/exit", "quit (also Ctrl+D, or Ctrl+C on an empty input)"},
}

// helpText's rows and the commands after it share one layout: the key
// in 19 columns, then the description (TestHelpAligned).
const helpText = `Keys
  Enter               send
  Shift+Enter         new line (also Alt+Enter or Ctrl+J; a paste is always one message)
  Up / Down           previous / next prompt (history)
  Tab                 complete a /command
  Ctrl+C              clear the input; on an empty input quit; while answering cancel the answer
  Esc                 cancel the answer
  PgUp / PgDn         scroll the transcript
  Ctrl+D              quit on an empty input
Commands`

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

// picker is a list the user chooses from with Up/Down/Enter/Esc.
type picker struct {
	title  string
	items  []pickItem
	cursor int
	onPick func(m *Model, value string) tea.Cmd
}

type pickItem struct{ label, value string }

// Messages from the answer being written (gen tells a cancelled answer's
// late messages from the current one's).
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
	modelsMsg struct {
		models []string
		err    error
	}
	modelCheckedMsg struct {
		name string
		err  error
	}
	tickMsg struct{}
)

// Model is the bubbletea model of the chat.
type Model struct {
	cfg     Config
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

	histIdx    int    // len(history) when not walking it
	histDraft  string // the input before walking the history
	picker     *picker
	completion []command
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
	m.modelNotice()
	m.layout()
	return m
}

// Init starts the status line's clock.
func (m *Model) Init() tea.Cmd {
	if m.cfg.Approver != nil {
		return tea.Batch(tick(), m.cfg.Approver.wait())
	}
	return tick()
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
	case modelsMsg:
		return m, m.onModels(msg)
	case modelCheckedMsg:
		if msg.err != nil {
			m.note(kindError, "error: "+msg.err.Error()+"\nModel stays "+m.cfg.Backend.Status().Model+".")
			return m, nil
		}
		m.setModel(msg.name)
		m.layout()
		return m, nil
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
			m.input.SetValue(m.completion[m.compIdx].name + " ")
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
		for _, c := range commands {
			if strings.HasPrefix(c.name, v) && c.name != v {
				m.completion = append(m.completion, c)
			}
		}
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
		text = m.completion[m.compIdx].name
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
	if strings.HasPrefix(text, "/") && !strings.Contains(strings.Fields(text)[0][1:], "/") {
		return m.runCommand(text)
	}
	return m.send(text)
}

func (m *Model) send(prompt string) tea.Cmd {
	m.lastPrompt = prompt
	m.addEntry(entry{kind: kindUser, text: prompt})
	return m.start(func(ctx context.Context, on func(agent.Event)) (*agent.Result, error) {
		return m.cfg.Backend.Send(ctx, prompt, on)
	})
}

// start runs call (an answer, or /compact) in the background, streaming
// its events; Esc and Ctrl+C cancel it.
func (m *Model) start(call func(ctx context.Context, on func(agent.Event)) (*agent.Result, error)) tea.Cmd {
	m.gen++
	gen := m.gen
	ctx, cancel := context.WithCancel(context.Background())
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
	switch {
	case d.err == nil:
	case errors.Is(d.err, context.Canceled):
		m.addEntry(entry{kind: kindNote, text: "(cancelled)"})
	default:
		m.addEntry(entry{kind: kindError, text: "error: " + d.err.Error()})
		m.offerInstead(d.err)
	}
	m.refresh()
	if m.queued {
		m.queued = false
		return m.submit()
	}
	return nil
}

// runCommand runs a slash command.
func (m *Model) runCommand(line string) tea.Cmd {
	name, arg, _ := strings.Cut(line, " ")
	arg = strings.TrimSpace(arg)
	switch name {
	case "/exit", "/quit":
		return m.quit()
	case "/new":
		if err := m.cfg.Backend.NewSession(); err != nil {
			m.note(kindError, "Could not start a new session: "+err.Error())
			break
		}
		m.entries = nil
		m.note(kindNote, "New session "+m.cfg.Backend.Status().SessionID+".")
	case "/compact":
		if m.busy {
			m.note(kindError, "Wait for the answer to finish (or Esc) before /compact.")
			break
		}
		m.note(kindNote, "Compacting the session…")
		return m.start(func(ctx context.Context, on func(agent.Event)) (*agent.Result, error) {
			return m.cfg.Backend.Compact(ctx, arg, on)
		})
	case "/clear":
		m.entries = nil
		m.refresh()
	case "/help":
		var b strings.Builder
		b.WriteString(helpText)
		for _, c := range commands {
			fmt.Fprintf(&b, "\n  %-19s %s", c.name, c.help)
		}
		m.note(kindNote, b.String())
	case "/status":
		m.note(kindNote, m.statusReport())
	case "/sessions":
		list, err := m.cfg.Backend.Sessions()
		if err != nil {
			m.note(kindError, err.Error())
			break
		}
		if len(list) == 0 {
			m.note(kindNote, "No saved sessions.")
			break
		}
		var b strings.Builder
		b.WriteString("Saved sessions (resume one with /resume):")
		for _, s := range list {
			fmt.Fprintf(&b, "\n  %s  %-8s %s", s.ID, age(m.cfg.Now(), s.Updated), sessionTitle(s))
		}
		m.note(kindNote, b.String())
	case "/resume":
		if arg != "" {
			m.resume(arg)
			break
		}
		list, err := m.cfg.Backend.Sessions()
		if err != nil {
			m.note(kindError, err.Error())
			break
		}
		cur := m.cfg.Backend.Status().SessionID
		var items []pickItem
		for _, s := range list {
			if s.Err != "" || s.ID == cur {
				continue
			}
			items = append(items, pickItem{label: fmt.Sprintf("%-8s %s", age(m.cfg.Now(), s.Updated), sessionTitle(s)), value: s.ID})
		}
		if len(items) == 0 {
			m.note(kindNote, "No other saved session to resume.")
			break
		}
		m.picker = &picker{title: "Resume a session", items: items, onPick: func(m *Model, id string) tea.Cmd { m.resume(id); return nil }}
	case "/model":
		if arg != "" && m.cfg.CheckModel != nil {
			m.note(kindNote, "Checking "+arg+"…")
			check := m.cfg.CheckModel
			return func() tea.Msg {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				return modelCheckedMsg{name: arg, err: check(ctx, arg)}
			}
		}
		if arg != "" {
			m.setModel(arg)
			break
		}
		if m.cfg.Models == nil {
			m.note(kindNote, "Model: "+m.cfg.Backend.Status().Model+" (change it with /model NAME)")
			break
		}
		m.note(kindNote, "Fetching the models…")
		f := m.cfg.Models
		return func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			list, err := f(ctx)
			return modelsMsg{models: list, err: err}
		}
	default:
		m.note(kindError, "Unknown command "+name+". /help lists the commands.")
	}
	m.layout()
	return nil
}

func (m *Model) onModels(msg modelsMsg) tea.Cmd {
	if msg.err != nil {
		m.note(kindError, "Could not list the models: "+msg.err.Error()+" (use /model NAME)")
		return nil
	}
	if len(msg.models) == 0 {
		m.note(kindNote, "No models listed; use /model NAME.")
		return nil
	}
	cur := m.cfg.Backend.Status().Model
	p := &picker{title: "Switch model (current: " + cur + ")", onPick: func(m *Model, v string) tea.Cmd { m.setModel(v); return nil }}
	for i, id := range msg.models {
		p.items = append(p.items, pickItem{label: id, value: id})
		if id == cur {
			p.cursor = i
		}
	}
	m.picker = p
	m.layout()
	return nil
}

func (m *Model) setModel(name string) {
	m.cfg.Backend.SetModel(name)
	m.note(kindNote, "Model: "+name)
	m.modelNotice()
}

// modelNotice shows what ModelNotice says about the current model and
// offers its replacement (a resumed session on a retired model).
func (m *Model) modelNotice() {
	if m.cfg.ModelNotice == nil {
		return
	}
	cur := m.cfg.Backend.Status().Model
	notice, offer := m.cfg.ModelNotice(cur)
	if notice == "" {
		return
	}
	m.note(kindError, notice)
	if offer != "" && offer != cur {
		m.offerModel("Switch this session to "+offer+"?", offer, "")
	}
}

// offerInstead offers the model to use instead after the API refused the
// session's model (the error says which: Suggestion, as
// models.UnavailableError has it); taking it asks the same prompt again.
func (m *Model) offerInstead(err error) {
	var refused interface{ Suggestion() string }
	if !errors.As(err, &refused) {
		return
	}
	offer := refused.Suggestion()
	if offer == "" || offer == m.cfg.Backend.Status().Model {
		return
	}
	m.offerModel("Switch this session to "+offer+" and ask again?", offer, m.lastPrompt)
}

// offerModel opens a two-item picker: switch to offer (then send again,
// when resend is set), or keep the current model.
func (m *Model) offerModel(title, offer, resend string) {
	cur := m.cfg.Backend.Status().Model
	m.picker = &picker{title: title, items: []pickItem{{label: "Switch to " + offer, value: offer}, {label: "Keep " + cur, value: ""}},
		onPick: func(m *Model, v string) tea.Cmd {
			if v == "" {
				m.note(kindNote, "Model stays "+m.cfg.Backend.Status().Model+"; /model NAME changes it.")
				return nil
			}
			m.setModel(v)
			if resend != "" {
				return m.send(resend)
			}
			return nil
		}}
}

func (m *Model) resume(id string) {
	if err := m.cfg.Backend.Resume(id); err != nil {
		m.note(kindError, "Could not resume "+id+": "+err.Error())
		return
	}
	m.entries = nil
	m.showTranscript()
	m.note(kindNote, "Resumed session "+id+".")
	m.modelNotice()
}

func (m *Model) onPickerKey(ks string) tea.Cmd {
	p := m.picker
	switch ks {
	case "up", "ctrl+p":
		p.cursor = (p.cursor + len(p.items) - 1) % len(p.items)
	case "down", "ctrl+n", "tab":
		p.cursor = (p.cursor + 1) % len(p.items)
	case "enter":
		m.picker = nil
		cmd := p.onPick(m, p.items[p.cursor].value)
		m.layout()
		return cmd
	case "esc", "ctrl+c":
		m.picker = nil
		m.layout()
	}
	return nil
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

// statusReport is /status.
func (m *Model) statusReport() string {
	s := m.cfg.Backend.Status()
	var b strings.Builder
	fmt.Fprintf(&b, "Credential: %s · %s\n", s.CredentialKind, s.CredentialSource)
	if s.Expiry.IsZero() {
		b.WriteString("Token:      no expiry (a static credential)\n")
	} else {
		fmt.Fprintf(&b, "Token:      expires in %s (%s)\n", until(m.cfg.Now(), s.Expiry), s.Expiry.Local().Format("15:04:05"))
	}
	fmt.Fprintf(&b, "Model:      %s\nSession:    %s\nTokens:     %d in · %d out", s.Model, s.SessionID, s.InputTokens, s.OutputTokens)
	if s.CacheWriteTokens+s.CacheReadTokens > 0 {
		fmt.Fprintf(&b, " · %d cache write · %d cache read", s.CacheWriteTokens, s.CacheReadTokens)
		if all := s.InputTokens + s.CacheWriteTokens + s.CacheReadTokens; all > 0 {
			fmt.Fprintf(&b, " (%d%% of input from the cache)", s.CacheReadTokens*100/all)
		}
	}
	switch {
	case s.CostUSD != nil:
		fmt.Fprintf(&b, "\nCost:       %s (list price, this run)", agent.FormatUSD(*s.CostUSD))
	case s.InputTokens+s.OutputTokens > 0:
		b.WriteString("\nCost:       unknown (no price for this model)")
	}
	if len(s.Instructions) == 0 {
		b.WriteString("\nInstructions: none")
	}
	for i, f := range s.Instructions {
		label := "\n              "
		if i == 0 {
			label = "\nInstructions: "
		}
		b.WriteString(label + f)
	}
	return b.String()
}

// statusLine is the line under the input.
func (m *Model) statusLine() string {
	s := m.cfg.Backend.Status()
	parts := []string{s.Model}
	cred := s.CredentialKind
	if !s.Expiry.IsZero() {
		if s.Expiry.After(m.cfg.Now()) {
			cred += " · expires in " + until(m.cfg.Now(), s.Expiry)
		} else {
			cred += " · renews on next request"
		}
	}
	parts = append(parts, cred, "session "+s.SessionID)
	if n := s.InputTokens + s.CacheWriteTokens + s.CacheReadTokens + s.OutputTokens; n > 0 {
		parts = append(parts, humanTokens(n)+" tokens")
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
		return min(len(m.picker.items), 10) + 1
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
		b.WriteString(st.dim.Render(m.picker.title+" (↑/↓, Enter, Esc)") + "\n")
		start := max(0, min(m.picker.cursor-9, len(m.picker.items)-10))
		for i := start; i < len(m.picker.items) && i < start+10; i++ {
			line := truncate(m.picker.items[i].label, m.width-2)
			if i == m.picker.cursor {
				line = st.sel.Render(line)
			}
			b.WriteString("  " + line + "\n")
		}
	case len(m.completion) > 0:
		for i, c := range m.completion {
			line := fmt.Sprintf("%-10s %s", c.name, c.help)
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

// Quitting reports whether the user asked to quit (tests).
func (m *Model) Quitting() bool { return m.quitting }

func sessionTitle(s agent.SessionInfo) string {
	if s.Title == "" {
		return "(no prompt yet)"
	}
	return oneLine(s.Title, 70)
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return s
}

func age(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	default:
		return fmt.Sprintf("%dd ago", int(d.Hours()/24))
	}
}

func until(now, t time.Time) string {
	d := t.Sub(now)
	switch {
	case d <= 0:
		return "0s"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	default:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
}

func humanTokens(n int64) string {
	if n < 1000 {
		return fmt.Sprint(n)
	}
	return fmt.Sprintf("%.1fk", float64(n)/1000)
}
