// Package prompt asks the user questions on a terminal: menus, plain
// input and hidden input (for API keys). Commands hold a Prompter so that
// tests can answer for the user without a terminal.
package prompt

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/term"

	"github.com/hermes-agent/hermes/internal/iostreams"
)

// Prompter asks questions. Callers ask only when the streams can prompt
// (iostreams.CanPrompt); an interrupted prompt returns ctx's error.
type Prompter interface {
	// Select shows options numbered from 1 and returns the chosen index (0-based).
	Select(ctx context.Context, question string, options []string) (int, error)
	// Input reads one line, trimmed.
	Input(ctx context.Context, question string) (string, error)
	// Password reads one line without echoing it, trimmed.
	Password(ctx context.Context, question string) (string, error)
}

// ErrNoInput means input ended (Ctrl-D or a closed stdin) before an answer.
var ErrNoInput = errors.New("no answer: input ended")

// maxAttempts bounds how often Select asks again after an invalid answer.
const maxAttempts = 3

// maxLine bounds one answer; nothing hermes asks for is longer.
const maxLine = 64 << 10

// Terminal is the Prompter of a real (or pseudo-) terminal: questions go
// to stderr, answers come from stdin.
type Terminal struct {
	r   *bufio.Reader
	out io.Writer
	fd  int // stdin's terminal fd for hidden input, or -1
}

// New returns a Terminal prompter on ios.
func New(ios *iostreams.IOStreams) *Terminal {
	return &Terminal{r: bufio.NewReader(ios.In), out: ios.ErrOut, fd: ios.StdinFd()}
}

// Select implements Prompter.
func (t *Terminal) Select(ctx context.Context, question string, options []string) (int, error) {
	fmt.Fprintln(t.out, question)
	for i, o := range options {
		fmt.Fprintf(t.out, "  %d) %s\n", i+1, o)
	}
	for range maxAttempts {
		fmt.Fprintf(t.out, "Choose 1-%d: ", len(options))
		line, err := t.readLine(ctx)
		if err != nil {
			return 0, err
		}
		if n, err := strconv.Atoi(line); err == nil && n >= 1 && n <= len(options) {
			return n - 1, nil
		}
		fmt.Fprintf(t.out, "%q is not one of the choices: type a number from 1 to %d.\n", line, len(options))
	}
	return 0, fmt.Errorf("no valid choice after %d attempts", maxAttempts)
}

// Input implements Prompter.
func (t *Terminal) Input(ctx context.Context, question string) (string, error) {
	fmt.Fprint(t.out, question)
	return t.readLine(ctx)
}

// Password implements Prompter. On a terminal echo is turned off before
// the question is shown and restored afterwards, also when the user
// interrupts; without a terminal (tests) it reads a plain line.
func (t *Terminal) Password(ctx context.Context, question string) (string, error) {
	if t.fd < 0 {
		fmt.Fprint(t.out, question)
		return t.readLine(ctx)
	}
	restore, err := noEcho(t.fd)
	if errors.Is(err, errors.ErrUnsupported) {
		fmt.Fprint(t.out, question)
		b, err := term.ReadPassword(t.fd)
		fmt.Fprintln(t.out)
		return strings.TrimSpace(string(b)), err
	}
	if err != nil {
		return "", fmt.Errorf("hidden input: %w", err)
	}
	defer restore()
	fmt.Fprint(t.out, question)
	line, err := t.readLine(ctx)
	if err == nil {
		fmt.Fprintln(t.out) // the user's Enter was not echoed
	}
	return line, err
}

// readLine reads one line, giving up when ctx is done (the blocked read
// is abandoned; the process is about to exit).
func (t *Terminal) readLine(ctx context.Context) (string, error) {
	type result struct {
		s   string
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := readLimitedLine(t.r)
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		return r.s, r.err
	case <-ctx.Done():
		fmt.Fprintln(t.out)
		return "", ctx.Err()
	}
}

// ReadLineContext is ReadLine that gives up when ctx is done (Ctrl-C):
// a pipe whose writer never writes or closes must not hang a command. The
// blocked read is abandoned (the process is about to exit).
func ReadLineContext(ctx context.Context, r io.Reader) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	type result struct {
		s   string
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := ReadLine(r)
		done <- result{s, err}
	}()
	select {
	case res := <-done:
		return res.s, res.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// ReadLine reads one line of at most 64 KiB from r, without its line
// ending and trimmed of spaces. A last line without a newline counts; no
// line at all is ErrNoInput.
func ReadLine(r io.Reader) (string, error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReader(r)
	}
	return readLimitedLine(br)
}

func readLimitedLine(r *bufio.Reader) (string, error) {
	var b []byte
	for {
		chunk, err := r.ReadSlice('\n')
		b = append(b, chunk...)
		if len(b) > maxLine {
			return "", fmt.Errorf("input line longer than %d bytes", maxLine)
		}
		switch {
		case err == nil:
			return strings.TrimSpace(string(b)), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if len(b) == 0 {
				return "", ErrNoInput
			}
			return strings.TrimSpace(string(b)), nil
		default:
			return "", err
		}
	}
}
