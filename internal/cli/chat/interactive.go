package chat

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/hermes-agent/hermes/internal/agent"
	"github.com/hermes-agent/hermes/internal/chatcore"
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
	fmt.Fprintf(out, "hermes chat · model %s · session %s · credential %s\n", s.Model(), s.Conversation().ID, s.Runtime.Source)
	fmt.Fprintln(out, "Type /help for commands; /exit or Ctrl-D quits; Ctrl-C cancels an answer.")
	ui := &lineUI{s: s, ctx: ctx, lr: lr, interrupts: interrupts}
	// A session on a retired model: say so and offer the default.
	chatcore.ShowModelNotice(ui)
	for !ui.quit {
		line, err := ui.readLine()
		if errors.Is(err, io.EOF) {
			fmt.Fprintln(out)
			return nil
		}
		if err != nil {
			return fmt.Errorf("read input: %w", err)
		}
		switch line = strings.TrimSpace(line); {
		case line == "":
		case chatcore.IsCommand(line):
			chatcore.Run(ui, line)
		default:
			ui.Ask(line)
		}
	}
	return nil
}

// lineUI is the line chat as chatcore.UI: notes and errors are lines on
// stdout, a choice or a question reads the next input line, and work runs
// where it is asked for (the chat waits for it).
type lineUI struct {
	s          *chatSession
	ctx        context.Context
	lr         lineReader
	interrupts <-chan struct{}
	quit       bool
	// unread is a line read as the answer to a choice that was none
	// (the next prompt): the loop takes it next.
	unread *string
}

// lineKeys is the first part of the line chat's /help.
const lineKeys = `Keys
  Enter               send
  Ctrl-C              cancel the answer being written
  Ctrl-D              quit`

// backgroundTimeout bounds a model check or list run for /model.
const backgroundTimeout = 30 * time.Second

func (u *lineUI) readLine() (string, error) {
	if l := u.unread; l != nil {
		u.unread = nil
		return *l, nil
	}
	return u.lr.ReadLine()
}

func (u *lineUI) Backend() chatcore.Backend   { return u.s.Session }
func (u *lineUI) Models() chatcore.ModelHooks { return u.s.Hooks() }
func (u *lineUI) Now() time.Time              { return u.s.opts.Now() }
func (u *lineUI) Keys() string                { return lineKeys }
func (u *lineUI) Note(text string)            { fmt.Fprintln(u.s.opts.IO.Out, text) }
func (u *lineUI) Error(text string)           { fmt.Fprintln(u.s.opts.IO.Out, text) }
func (u *lineUI) Busy() bool                  { return false }
func (u *lineUI) Quit()                       { u.quit = true }
func (u *lineUI) ShowSession(bool)            {}

// Clear clears a terminal's screen and scrollback; a stream that is no
// terminal has nothing to clear.
func (u *lineUI) Clear() {
	if u.s.opts.IO.IsStdoutTTY() {
		fmt.Fprint(u.s.opts.IO.Out, "\x1b[H\x1b[2J\x1b[3J")
	}
}

// Choose prints the items numbered, the current one marked *, and reads
// the number of the one picked. Enter (or a number not listed) picks
// none, a /command runs, and anything else is the next prompt.
func (u *lineUI) Choose(title string, items []chatcore.Choice, cursor int, then func(string)) {
	out := u.s.opts.IO.Out
	fmt.Fprintln(out, title+":")
	for i, c := range items {
		mark := "  "
		if i == cursor {
			mark = "* "
		}
		fmt.Fprintf(out, "%3d %s%s\n", i+1, mark, c.Label)
	}
	fmt.Fprintf(out, "Type a number to pick one (Enter: none).\n")
	answer, ok := u.answer()
	if !ok {
		return
	}
	if n, err := strconv.Atoi(answer); err == nil {
		if n < 1 || n > len(items) {
			u.Error(fmt.Sprintf("There is no %d here; nothing picked.", n))
			return
		}
		then(items[n-1].Value)
		return
	}
	if answer != "" {
		u.unread = &answer
	}
}

// Confirm asks question [Y/n]; Enter or y says yes, a /command runs.
func (u *lineUI) Confirm(question, _, _, hint string, then func(bool)) {
	fmt.Fprintf(u.s.opts.IO.Out, "%s [Y/n] (or %s)\n", question, hint)
	answer, ok := u.answer()
	if !ok {
		return
	}
	then(answer == "" || strings.EqualFold(answer, "y") || strings.EqualFold(answer, "yes"))
}

// answer reads the answer to a question: ok is false when the input
// ended (the chat quits) or the answer was a /command, which has run.
func (u *lineUI) answer() (string, bool) {
	answer, err := u.readLine()
	if err != nil {
		fmt.Fprintln(u.s.opts.IO.Out)
		u.quit = true
		return "", false
	}
	answer = strings.TrimSpace(answer)
	if chatcore.IsCommand(answer) {
		chatcore.Run(u, answer)
		return "", false
	}
	return answer, true
}

func (u *lineUI) Go(work func(ctx context.Context) func()) {
	ctx, cancel := context.WithTimeout(u.ctx, backgroundTimeout)
	then := work(ctx)
	cancel()
	then()
}

func (u *lineUI) Ask(prompt string) {
	_, err := u.stream(func(ctx context.Context, on func(agent.Event)) (*agent.Result, error) {
		return u.s.Send(ctx, prompt, on)
	})
	chatcore.AnswerDone(u, err, prompt)
}

func (u *lineUI) Stream(call func(ctx context.Context, on func(agent.Event)) (*agent.Result, error)) {
	_, err := u.stream(call)
	chatcore.AnswerDone(u, err, "")
}

// stream runs call, printing its events as they arrive, until done or
// interrupted.
func (u *lineUI) stream(call func(ctx context.Context, on func(agent.Event)) (*agent.Result, error)) (*agent.Result, error) {
	actx, cancel := context.WithCancel(u.ctx)
	defer cancel()
	finished := make(chan struct{})
	defer close(finished)
	go func() {
		select {
		case <-u.interrupts:
			cancel()
		case <-finished:
		}
	}()

	out := u.s.opts.IO.Out
	tty := u.s.opts.IO.IsStdoutTTY()
	tw := u.s.newTextWriter(out, tty)
	if tty {
		tw.before = startSpinner(out)
	}
	res, err := call(actx, func(e agent.Event) {
		if e.Type == "compact" && e.Depth == 0 {
			// /compact: in the transcript, as the full-screen UI says it.
			tw.started()
			tw.endLine()
			fmt.Fprintf(out, "(%s; the original turns are kept in the session's side file)\n", e.Text)
			return
		}
		tw.event(e)
	})
	tw.finish()
	return res, err
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
