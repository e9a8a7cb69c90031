package identity

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"time"
)

// commandSource runs a helper that prints a JWT on stdout, without a shell.
type commandSource struct {
	line    string
	argv    []string
	timeout time.Duration
	now     func() time.Time
}

func (s *commandSource) Describe() string { return DescribeCommand(s.line) }
func (s *commandSource) Mints() bool      { return true }

// maxStderr bounds what is kept of the helper's stderr for an error.
const maxStderr = 4 << 10

func (s *commandSource) Token(ctx context.Context) (string, error) {
	runCtx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	cmd := exec.CommandContext(runCtx, s.argv[0], s.argv[1:]...)
	stdout := &cappedBuffer{max: maxReadBytes}
	stderr := &cappedBuffer{max: maxStderr}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	killProcessGroup(cmd)
	// Backstop: a grandchild that keeps the pipes open must not hang us.
	cmd.WaitDelay = 2 * time.Second

	err := cmd.Run()
	fail := func(format string, args ...any) error {
		msg := fmt.Sprintf(format, args...)
		// stderr may echo the token it printed; mask it and anything JWT-shaped.
		if t := outsideText(stderr.String(), stdout.String()); t != "" {
			msg += "; stderr: " + t
		}
		return &SourceError{Source: s.Describe(), Err: errors.New(msg)}
	}
	switch {
	case err == nil && stdout.overflow:
		return "", fail("printed more than 1 MiB; it must print only the OIDC JWT")
	case err == nil:
		return accept(stdout.Bytes(), s.Describe(), s.now())
	case ctx.Err() != nil:
		return "", fmt.Errorf("identity token from %s: %w", s.Describe(), ctx.Err())
	case errors.Is(runCtx.Err(), context.DeadlineExceeded):
		return "", fail("timed out after %s and was stopped", s.timeout)
	case errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist):
		return "", fail("%q was not found: install it or give its full path", s.argv[0])
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return "", fail("exited with status %d", exit.ExitCode())
	}
	return "", fail("could not run: %s", outsideText(err.Error()))
}

// cappedBuffer keeps the first max bytes and notes whether more came; it
// never fails a write, so the child is not killed by EPIPE mid-output. It
// deliberately has no ReadFrom, which io.Copy would use to bypass the cap.
type cappedBuffer struct {
	buf      bytes.Buffer
	max      int
	overflow bool
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.buf.Len(); room < len(p) {
		b.overflow = true
		b.buf.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *cappedBuffer) Bytes() []byte  { return b.buf.Bytes() }
func (b *cappedBuffer) String() string { return b.buf.String() }
