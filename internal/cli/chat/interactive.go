package chat

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"github.com/hermes-agent/hermes/internal/agent"
	"io"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/models"
)

// lineReader reads the user's next line; io.EOF ends the chat.
type lineReader interface {
	ReadLine() (string, error)
}

const promptText = "> "

// interactive runs the chat on the terminal: term.Terminal gives line
// editing and history while a line is typed (in raw mode); the answer is
// written with the terminal back in normal mode, so Ctrl-C then is a
// SIGINT, which cancels the answer and not the chat.
func (s *chatSession) interactive(ctx context.Context) error {
	ios := s.opts.IO
	var lr lineReader
	// Raw-mode editing only when the output is the terminal too: with
	// stdout piped (`hermes chat | cat`), raw mode would also turn off
	// the terminal's \n→\r\n for what the pipe's reader prints, and the
	// banner and answers would come out staircased.
	if fd := s.opts.StdinFd; fd >= 0 && term.IsTerminal(fd) && ios.IsStdoutTTY() {
		t := term.NewTerminal(struct {
			io.Reader
			io.Writer
		}{ios.In, ios.Out}, promptText)
		lr = &rawLineReader{fd: fd, t: t}
	} else {
		lr = newPlainLineReader(ios.In, ios.Out)
	}
	sigs, stop := s.opts.Interrupts()
	defer stop()
	interrupts := make(chan struct{})
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case <-sigs:
				select {
				case interrupts <- struct{}{}:
				default: // no answer running: nothing to cancel
				}
			case <-done:
				return
			}
		}
	}()
	// The root's context is cancelled by the first Ctrl-C; here Ctrl-C
	// only cancels the answer being written, so the chat outlives it.
	return s.loop(context.WithoutCancel(ctx), lr, interrupts)
}

// loop is the interactive chat over any line reader; tests drive it
// without a terminal. interrupts cancels the answer being written.
func (s *chatSession) loop(ctx context.Context, lr lineReader, interrupts <-chan struct{}) error {
	out := s.opts.IO.Out
	tty := s.opts.IO.IsStdoutTTY()
	fmt.Fprintf(out, "hermes chat · model %s · session %s · credential %s\n", s.model(), s.conv.ID, s.rt.Source)
	fmt.Fprintln(out, "Type /help for commands; /exit or Ctrl-D quits; Ctrl-C cancels an answer.")
	if s.resumed() {
		if r, ok := models.Retirement(s.model()); ok && r.Past(s.opts.Now()) {
			fmt.Fprintf(out, "This session's model %s reached end-of-life on %s.\n", r.Model, r.Date())
			if quit := s.offerModel(lr, s.suggestedModel(r.Model)); quit {
				return nil
			}
		}
	}
	for {
		line, err := lr.ReadLine()
		if errors.Is(err, io.EOF) {
			fmt.Fprintln(out)
			return nil
		}
		if err != nil {
			return fmt.Errorf("read input: %w", err)
		}
		line = strings.TrimSpace(line)
		switch {
		case line == "":
			continue
		case strings.HasPrefix(line, "/"):
			if quit := s.command(ctx, line); quit {
				return nil
			}
			continue
		}
		var ue *models.UnavailableError
		if err := s.ask(ctx, line, tty, interrupts); errors.As(err, &ue) && ue.Suggestion() != "" {
			// The model was refused (retired?): offer the default and,
			// when taken, ask the same question again.
			if quit := s.offerModel(lr, ue.Suggestion()); quit {
				return nil
			}
			if s.model() == ue.Suggestion() {
				s.ask(ctx, line, tty, interrupts)
			}
		}
	}
}

// resumed reports whether the chat continues a stored session.
func (s *chatSession) resumed() bool { return len(s.conv.Messages) > 0 }

// suggestedModel is the model to offer instead of a retired one:
// HERMES_MODEL or the default, unless that is the retired model itself.
func (s *chatSession) suggestedModel(retired string) string {
	return (&models.UnavailableError{Model: retired, Default: models.Pick(s.opts.Getenv("HERMES_MODEL"))}).Suggestion()
}

// offerModel asks whether to switch the session to model; Enter or "y"
// switches. It reports whether the input ended (the chat quits).
func (s *chatSession) offerModel(lr lineReader, model string) (quit bool) {
	out := s.opts.IO.Out
	fmt.Fprintf(out, "Switch this session to %s? [Y/n] (or /model NAME)\n", model)
	answer, err := lr.ReadLine()
	if err != nil {
		fmt.Fprintln(out)
		return true
	}
	answer = strings.TrimSpace(answer)
	switch {
	case strings.HasPrefix(answer, "/"):
		return s.command(context.Background(), answer)
	case answer == "" || strings.EqualFold(answer, "y") || strings.EqualFold(answer, "yes"):
		s.conv.Model = model
		fmt.Fprintf(out, "Model: %s\n", model)
	default:
		fmt.Fprintf(out, "Model stays %s; /model NAME changes it.\n", s.model())
	}
	return false
}

// command runs a slash command and reports whether the chat should end.
func (s *chatSession) command(ctx context.Context, line string) (quit bool) {
	out := s.opts.IO.Out
	name, arg, _ := strings.Cut(line, " ")
	arg = strings.TrimSpace(arg)
	switch name {
	case "/exit", "/quit":
		return true
	case "/new":
		conv, lock, err := newConversation(s.store, s.opts.Now())
		if err != nil {
			fmt.Fprintf(s.opts.IO.ErrOut, "Could not start a new session: %v\n", err)
			break
		}
		conv.Model, conv.System = s.conv.Model, s.conv.System
		s.release()
		s.conv, s.lock = conv, lock
		fmt.Fprintf(out, "New session %s.\n", conv.ID)
	case "/model":
		if arg == "" {
			s.listModels(ctx)
			break
		}
		s.switchModel(ctx, arg)
	case "/compact":
		res, err := s.compact(ctx, arg, func(e agent.Event) {
			if e.Type == "compact" && e.Depth == 0 {
				fmt.Fprintf(out, "(%s; the original turns are kept in the session's side file)\n", e.Text)
			}
		})
		if err != nil {
			fmt.Fprintf(s.opts.IO.ErrOut, "Could not compact the session: %v\n", err)
			break
		}
		fmt.Fprintf(out, "Session %s compacted (%s).\n", s.conv.ID, agent.UsageSummary(res.Usage))
	case "/help":
		fmt.Fprint(out, lineHelp)
	default:
		fmt.Fprintf(out, "Unknown command %s. Commands: /new, /model NAME, /compact [FOCUS], /exit, /help\n", name)
	}
	return false
}

// listModels prints the models the API offers (GET /v1/models), the one
// in use and the default marked.
func (s *chatSession) listModels(ctx context.Context) {
	out := s.opts.IO.Out
	current := s.model()
	fmt.Fprintf(out, "Model: %s (change it with /model NAME)\n", current)
	list, err := models.List(ctx, s.rt, s.opts.Getenv("HERMES_MODEL"))
	if err != nil {
		fmt.Fprintf(out, "Could not list the models: %v\n", err)
		return
	}
	for _, m := range list {
		mark := "  "
		if models.Matches(m.ID, current) {
			mark = "* "
		}
		line := mark + m.ID
		if m.Default {
			line += " (default)"
		}
		if m.Lifecycle == "deprecated" {
			line += " (deprecated)"
		}
		fmt.Fprintln(out, line)
	}
}

// switchModel checks name with the API (GET /v1/models/NAME) and switches
// the session to it. A refused model keeps the current one and says why;
// when the API cannot be asked, the switch happens and the first answer
// will tell.
func (s *chatSession) switchModel(ctx context.Context, name string) {
	out := s.opts.IO.Out
	_, err := models.Check(ctx, s.rt, name)
	var ue *models.UnavailableError
	if errors.As(err, &ue) {
		if env := s.opts.Getenv("HERMES_MODEL"); env != "" && env != name {
			ue.Default = env
		}
		fmt.Fprintf(out, "error: %v\nModel stays %s.\n", err, s.model())
		return
	}
	s.conv.Model = name
	fmt.Fprintf(out, "Model: %s\n", name)
	if err != nil {
		fmt.Fprintf(out, "(could not check it with the API: %v)\n", err)
	}
	models.WarnDeprecated(s.opts.IO.ErrOut, name, s.opts.Now())
}

// model is the model the next answer will use.
func (s *chatSession) model() string {
	for _, m := range []string{s.conv.Model, s.opts.agentConfig().Model} {
		if m != "" {
			return m
		}
	}
	return models.DefaultModel
}

// ask answers one prompt, streaming, until done or interrupted. Errors are
// shown (and returned) and the chat goes on.
func (s *chatSession) ask(ctx context.Context, prompt string, tty bool, interrupts <-chan struct{}) error {
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	finished := make(chan struct{})
	defer close(finished)
	go func() {
		select {
		case <-interrupts:
			cancel()
		case <-finished:
		}
	}()

	out := s.opts.IO.Out
	tw := s.newTextWriter(out, tty)
	if tty {
		tw.before = startSpinner(out)
	}
	_, err := s.send(actx, prompt, tw.event)
	tw.finish()
	switch {
	case err == nil:
	case errors.Is(err, cmdutil.ErrCancel):
		fmt.Fprintln(out, "(cancelled)")
	default:
		fmt.Fprintf(out, "error: %v\n", err)
	}
	return err
}

// startSpinner animates until the returned stop is called (first token).
func startSpinner(w io.Writer) (stop func()) {
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		frames := []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			fmt.Fprintf(w, "\r%s thinking…", frames[i%len(frames)])
			select {
			case <-quit:
				fmt.Fprint(w, "\r\x1b[K")
				return
			case <-tick.C:
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(quit); wg.Wait() }) }
}

// rawLineReader reads a line with term.Terminal's editing and history,
// with the terminal in raw mode only while the line is typed.
type rawLineReader struct {
	fd int
	t  *term.Terminal
}

func (r *rawLineReader) ReadLine() (string, error) {
	st, err := term.MakeRaw(r.fd)
	if err != nil {
		return "", fmt.Errorf("terminal raw mode: %w", err)
	}
	defer term.Restore(r.fd, st)
	return r.t.ReadLine()
}

// plainLineReader reads lines from a non-terminal stream (tests, and a
// stdin that is a terminal without a usable fd) and prints the prompt.
type plainLineReader struct {
	in  *bufio.Reader
	out io.Writer
}

func newPlainLineReader(in io.Reader, out io.Writer) *plainLineReader {
	return &plainLineReader{in: bufio.NewReader(in), out: out}
}

func (p *plainLineReader) ReadLine() (string, error) {
	fmt.Fprint(p.out, promptText)
	line, err := p.in.ReadString('\n')
	if err == io.EOF && line != "" {
		err = nil // a last line without a newline still counts
	}
	return strings.TrimRight(line, "\r\n"), err
}

// lineHelp is /help of the line-mode chat: one column for the commands,
// wide enough for the longest.
const lineHelp = `/new              start a new session
/model            list the models your credential can use
/model NAME       switch models for this session
/compact [FOCUS]  summarise older turns to free context
/exit             quit (also Ctrl-D)
Ctrl-C cancels the answer being written.
`
