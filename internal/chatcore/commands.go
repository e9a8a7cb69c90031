package chatcore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/models"
)

// UI is what a slash command asks of the front end it runs in. The
// full-screen UI answers with pickers, notes in its transcript and
// background commands; the line chat with printed lines and questions
// read from the next input line. Continuations (then) run on the front
// end's own loop.
type UI interface {
	Backend() Backend
	// Models are the model hooks; each may be nil.
	Models() ModelHooks
	Now() time.Time
	// Keys is the help's first part: the keys of this front end.
	Keys() string
	// Note shows a line of information, Error a problem.
	Note(text string)
	Error(text string)
	// Clear empties what is shown (the session is kept).
	Clear()
	// ShowSession says the current session changed (/new, /resume):
	// what was shown of the one before goes and, with replay, this one's
	// earlier turns are shown.
	ShowSession(replay bool)
	// Choose offers items (cursor on the current one, -1 for none); then
	// gets the value picked. Cancelling calls nothing.
	Choose(title string, items []Choice, cursor int, then func(value string))
	// Confirm asks a yes/no question (yes and no say what each does);
	// hint is how else to answer, for a front end that reads a line.
	Confirm(question, yes, no, hint string, then func(yes bool))
	// Go runs work away from the front end's loop (it may wait on the
	// network, under a context that ends with the front end), then the
	// function it returns on the loop.
	Go(work func(ctx context.Context) (then func()))
	// Stream runs a streamed call (/compact) as an answer is run: shown
	// as it arrives, cancellable, its end shown by AnswerDone.
	Stream(call func(ctx context.Context, onEvent func(agent.Event)) (*agent.Result, error))
	// Ask sends prompt as if the user had typed it.
	Ask(prompt string)
	// Busy reports whether an answer is being written.
	Busy() bool
	// Quit ends the chat.
	Quit()
}

// Choice is one item a UI offers.
type Choice struct{ Label, Value string }

// ModelHooks are what /model and the model offers ask beyond the Backend.
type ModelHooks struct {
	// List lists the models /model offers; nil offers only /model NAME.
	List func(ctx context.Context) ([]Choice, error)
	// Check asks the API about a model typed as /model NAME before the
	// switch: an error (the model refused) keeps the current model.
	Check func(ctx context.Context, name string) error
	// Notice is asked about the current model at start, after /resume
	// and after a switch: a non-empty notice (a deprecated or retired
	// model) is shown, and offer, when non-empty, is offered instead.
	Notice func(model string) (notice, offer string)
}

// Command is a slash command.
type Command struct {
	Name    string
	Aliases []string
	// Args is the argument, as /help shows it ("[NAME]"); "" for none.
	Args string
	Help string
	Run  func(ui UI, arg string)
}

// Usage is the command with its argument: "/model [NAME]".
func (c Command) Usage() string { return strings.TrimSpace(c.Name + " " + c.Args) }

// Commands is the table of slash commands every chat front end has, in the
// order /help and completion list them.
func Commands() []Command {
	return []Command{
		{Name: "/new", Help: "start a new session", Run: newSession},
		{Name: "/resume", Args: "[ID]", Help: "resume a saved session (picker)", Run: resume},
		{Name: "/sessions", Help: "list saved sessions", Run: sessions},
		{Name: "/model", Args: "[NAME]", Help: "switch models (picker, or /model NAME)", Run: model},
		{Name: "/status", Help: "credential, model, session, tokens, cost and instruction files", Run: status},
		{Name: "/compact", Args: "[FOCUS]", Help: "summarise older turns to free context (/compact FOCUS to steer it)", Run: compact},
		{Name: "/clear", Help: "clear the screen (the session is kept)", Run: func(ui UI, _ string) { ui.Clear() }},
		{Name: "/help", Help: "keys and commands", Run: help},
		{Name: "/exit", Aliases: []string{"/quit"}, Help: "quit (also Ctrl+D, or Ctrl+C on an empty input)", Run: func(ui UI, _ string) { ui.Quit() }},
	}
}

// Lookup finds a command by its name or an alias.
func Lookup(name string) (Command, bool) {
	for _, c := range Commands() {
		if c.Name == name {
			return c, true
		}
		for _, a := range c.Aliases {
			if a == name {
				return c, true
			}
		}
	}
	return Command{}, false
}

// Complete lists the commands a partial name (/st) may complete to.
func Complete(prefix string) []Command {
	var out []Command
	for _, c := range Commands() {
		if strings.HasPrefix(c.Name, prefix) && c.Name != prefix {
			out = append(out, c)
		}
	}
	return out
}

// IsCommand reports whether an input line is a slash command rather than
// a prompt: it starts with / and its first word is no path (/usr/bin/x).
func IsCommand(line string) bool {
	f := strings.Fields(line)
	return len(f) > 0 && strings.HasPrefix(f[0], "/") && !strings.Contains(f[0][1:], "/")
}

// Run runs the slash command line on ui.
func Run(ui UI, line string) {
	name, arg, _ := strings.Cut(strings.TrimSpace(line), " ")
	c, ok := Lookup(name)
	if !ok {
		ui.Error("Unknown command " + name + ". /help lists the commands.")
		return
	}
	c.Run(ui, strings.TrimSpace(arg))
}

// HelpText is /help: the front end's keys, then every command.
func HelpText(keys string) string {
	var b strings.Builder
	b.WriteString(keys)
	b.WriteString("\nCommands")
	for _, c := range Commands() {
		fmt.Fprintf(&b, "\n  %-19s %s", c.Usage(), c.Help)
	}
	return b.String()
}

func help(ui UI, _ string) { ui.Note(HelpText(ui.Keys())) }

func newSession(ui UI, _ string) {
	if err := ui.Backend().NewSession(); err != nil {
		ui.Error("Could not start a new session: " + err.Error())
		return
	}
	ui.ShowSession(false)
	ui.Note("New session " + ui.Backend().Status().SessionID + ".")
}

func status(ui UI, _ string) { ui.Note(ui.Backend().Status().Report(ui.Now())) }

func sessions(ui UI, _ string) {
	list, err := ui.Backend().Sessions()
	if err != nil {
		ui.Error(err.Error())
		return
	}
	if len(list) == 0 {
		ui.Note("No saved sessions.")
		return
	}
	var b strings.Builder
	b.WriteString("Saved sessions (resume one with /resume):")
	for _, s := range list {
		fmt.Fprintf(&b, "\n  %s  %-8s %s", s.ID, Age(ui.Now(), s.Updated), SessionTitle(s))
	}
	ui.Note(b.String())
}

func resume(ui UI, arg string) {
	if arg != "" {
		resumeID(ui, arg)
		return
	}
	b := ui.Backend()
	list, err := b.Sessions()
	if err != nil {
		ui.Error(err.Error())
		return
	}
	cur := b.Status().SessionID
	var items []Choice
	for _, s := range list {
		if s.Err != "" || s.ID == cur {
			continue
		}
		items = append(items, Choice{Label: fmt.Sprintf("%-8s %s", Age(ui.Now(), s.Updated), SessionTitle(s)), Value: s.ID})
	}
	if len(items) == 0 {
		ui.Note("No other saved session to resume.")
		return
	}
	ui.Choose("Resume a session", items, -1, func(id string) { resumeID(ui, id) })
}

func resumeID(ui UI, id string) {
	if err := ui.Backend().Resume(id); err != nil {
		ui.Error("Could not resume " + id + ": " + err.Error())
		return
	}
	ui.ShowSession(true)
	ui.Note("Resumed session " + id + ".")
	ShowModelNotice(ui)
}

func compact(ui UI, focus string) {
	if ui.Busy() {
		ui.Error("Wait for the answer to finish (or Esc) before /compact.")
		return
	}
	ui.Note("Compacting the session…")
	b := ui.Backend()
	ui.Stream(func(ctx context.Context, on func(agent.Event)) (*agent.Result, error) {
		return b.Compact(ctx, focus, on)
	})
}

func model(ui UI, name string) {
	hooks, b := ui.Models(), ui.Backend()
	switch {
	case name != "" && hooks.Check != nil:
		ui.Note("Checking " + name + "…")
		ui.Go(func(ctx context.Context) func() {
			err := hooks.Check(ctx, name)
			return func() {
				if err != nil {
					ui.Error("error: " + err.Error() + "\nModel stays " + b.Status().Model + ".")
					return
				}
				SetModel(ui, name)
			}
		})
	case name != "":
		SetModel(ui, name)
	case hooks.List == nil:
		ui.Note("Model: " + b.Status().Model + " (change it with /model NAME)")
	default:
		ui.Note("Fetching the models…")
		ui.Go(func(ctx context.Context) func() {
			list, err := hooks.List(ctx)
			return func() { offerModels(ui, list, err) }
		})
	}
}

func offerModels(ui UI, list []Choice, err error) {
	if err != nil {
		ui.Error("Could not list the models: " + err.Error() + " (use /model NAME)")
		return
	}
	if len(list) == 0 {
		ui.Note("No models listed; use /model NAME.")
		return
	}
	cur := ui.Backend().Status().Model
	cursor := -1 // the current model may not be listed
	for i, c := range list {
		if models.Matches(c.Value, cur) {
			cursor = i
		}
	}
	ui.Choose("Switch model (current: "+cur+")", list, cursor, func(v string) { SetModel(ui, v) })
}

// SetModel switches the session to name, says so, and shows what Notice
// says about it.
func SetModel(ui UI, name string) {
	ui.Backend().SetModel(name)
	ui.Note("Model: " + name)
	ShowModelNotice(ui)
}

// ShowModelNotice shows what the Notice hook says about the current model
// and offers its replacement (a resumed session on a retired model).
func ShowModelNotice(ui UI) {
	notice := ui.Models().Notice
	if notice == nil {
		return
	}
	cur := ui.Backend().Status().Model
	text, offer := notice(cur)
	if text == "" {
		return
	}
	ui.Error(text)
	if offer != "" && offer != cur {
		OfferModel(ui, "Switch this session to "+offer+"?", offer, "")
	}
}

// OfferModel asks whether to switch to offer (then to send resend again,
// when set) or keep the current model.
func OfferModel(ui UI, question, offer, resend string) {
	cur := ui.Backend().Status().Model
	ui.Confirm(question, "Switch to "+offer, "Keep "+cur, "/model NAME", func(yes bool) {
		if !yes {
			ui.Note("Model stays " + ui.Backend().Status().Model + "; /model NAME changes it.")
			return
		}
		SetModel(ui, offer)
		if resend != "" {
			ui.Ask(resend)
		}
	})
}

// Canceled reports whether err ends an answer the user cancelled.
func Canceled(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, cmdutil.ErrCancel)
}

// AnswerDone shows how an answer (or /compact) ended: "(cancelled)", or
// the error and, when the API refused the session's model (the error has
// Suggestion, as models.UnavailableError), an offer of the model to use
// instead that asks prompt again when taken.
func AnswerDone(ui UI, err error, prompt string) {
	switch {
	case err == nil:
	case Canceled(err):
		ui.Note("(cancelled)")
	default:
		ui.Error("error: " + err.Error())
		offerInstead(ui, err, prompt)
	}
}

func offerInstead(ui UI, err error, prompt string) {
	var refused interface{ Suggestion() string }
	if !errors.As(err, &refused) {
		return
	}
	offer := refused.Suggestion()
	if offer == "" || offer == ui.Backend().Status().Model {
		return
	}
	OfferModel(ui, "Switch this session to "+offer+" and ask again?", offer, prompt)
}
