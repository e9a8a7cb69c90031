package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hermes-agent/hermes/internal/secret"
)

// stepFunc does one step of the demo. Its detail lines are printed under
// the step's ✓; on failure the error (and any *stepError output) under ✗.
type stepFunc func(ctx context.Context) (detail []string, err error)

// stepError is a failed step with the output that explains it (a
// subprocess's stdout and stderr). The output is redacted before printing.
type stepError struct {
	err    error
	output string
}

func (e *stepError) Error() string { return e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

// failf builds a step failure with the output that shows why.
func failf(output, format string, args ...any) error {
	return &stepError{err: fmt.Errorf(format, args...), output: output}
}

// steps prints each step as it happens: "✓ title (12 ms)" and its detail,
// or "✗ title (12 ms)" with the reason. The first failure stops the demo.
type steps struct {
	out     io.Writer
	color   bool
	now     func() time.Time
	secrets func() []string // redacted from everything printed

	passed int
	failed string // title of the failed step
}

const (
	green = "\x1b[32m"
	red   = "\x1b[31m"
	dim   = "\x1b[2m"
	reset = "\x1b[0m"
)

func (s *steps) paint(code, text string) string {
	if !s.color {
		return text
	}
	return code + text + reset
}

// do runs one step unless an earlier one failed, and reports it.
func (s *steps) do(ctx context.Context, title string, fn stepFunc) error {
	if s.failed != "" {
		return errors.New("an earlier step failed")
	}
	start := s.now()
	detail, err := fn(ctx)
	took := s.paint(dim, "("+formatDuration(s.now().Sub(start))+")")
	if err != nil {
		s.failed = title
		fmt.Fprintf(s.out, "%s %s %s\n", s.paint(red, "✗"), title, took)
		s.indent(err.Error())
		var se *stepError
		if errors.As(err, &se) && strings.TrimSpace(se.output) != "" {
			s.indent(se.output)
		}
		return err
	}
	s.passed++
	fmt.Fprintf(s.out, "%s %s %s\n", s.paint(green, "✓"), title, took)
	for _, d := range detail {
		s.indent(d)
	}
	return nil
}

// indent prints text, redacted, four spaces in.
func (s *steps) indent(text string) {
	text = secret.Redact(strings.TrimRight(text, "\n"), s.secrets()...)
	for _, line := range strings.Split(text, "\n") {
		fmt.Fprintf(s.out, "    %s\n", line)
	}
}

// summary prints the final line.
func (s *steps) summary(total time.Duration) {
	took := formatDuration(total)
	if s.failed != "" {
		fmt.Fprintf(s.out, "\n%s demo failed at %q after %d step(s) passed (%s)\n", s.paint(red, "✗"), s.failed, s.passed, took)
		return
	}
	fmt.Fprintf(s.out, "\n%s demo passed: %d steps in %s, no network used\n", s.paint(green, "✓"), s.passed, took)
}

// formatDuration is "12 ms" below a second, else "1.25 s".
func formatDuration(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}
