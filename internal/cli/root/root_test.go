package root

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/cli/factory"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/iostreams"
)

// testFactory is a process with HERMES_HOME in a temporary directory and
// an API key whose API is unreachable; resolve, when set, replaces the
// credential resolution.
func testFactory(t *testing.T, resolve func(context.Context) (*credential.Runtime, error)) (*cmdutil.Factory, func() (string, string)) {
	ios, _, out, errOut := iostreams.Test()
	env := map[string]string{
		"HERMES_HOME":        t.TempDir(),
		"HOME":               t.TempDir(),
		"ANTHROPIC_API_KEY":  "sk-ant-api03-unused-unused-unused",
		"ANTHROPIC_BASE_URL": "http://127.0.0.1:1",
	}
	f := &cmdutil.Factory{
		IO:      ios,
		Getenv:  func(k string) string { return env[k] },
		Environ: func() []string { return nil },
		Now:     time.Now,
		Sources: credential.NewSources(),
	}
	factory.Wire(f)
	if resolve != nil {
		f.Resolve = resolve
	}
	return f, func() (string, string) { return out.String(), errOut.String() }
}

// An interrupted command says "interrupted" (exit 130), never Go's
// "context canceled", however deep in its error the cancellation was.
func TestInterruptedSaysInterrupted(t *testing.T) {
	t.Parallel()
	// What an interrupted WIF exchange returns from deep in the resolver.
	exchangeInterrupted := func(ctx context.Context) (*credential.Runtime, error) {
		return nil, fmt.Errorf("anthropic-wif (configured WIF): exchange: Post %q: %w", "http://127.0.0.1:1/v1/oauth/token", ctx.Err())
	}
	for _, tc := range []struct {
		name    string
		args    []string
		resolve func(context.Context) (*credential.Runtime, error)
		setup   []string // run first, not interrupted
	}{
		{name: "chat -q", args: []string{"chat", "-q", "hi"}},
		{name: "chat -q resolving", args: []string{"chat", "-q", "hi"}, resolve: exchangeInterrupted},
		{name: "exec", args: []string{"exec", "--", "true"}, resolve: exchangeInterrupted},
		{name: "auth status --check", args: []string{"auth", "status", "--check"}},
		{name: "auth token", args: []string{"auth", "token"}, resolve: exchangeInterrupted},
		{name: "gateway", args: []string{"gateway", "--listen", "127.0.0.1:0"}, resolve: exchangeInterrupted},
		{name: "cron run", args: []string{"cron", "run", "nightly"},
			setup: []string{"cron", "add", "nightly", "--schedule", "@daily", "--prompt", "hi"}},
		{name: "cron run resolving", args: []string{"cron", "run", "nightly"}, resolve: exchangeInterrupted,
			setup: []string{"cron", "add", "nightly", "--schedule", "@daily", "--prompt", "hi"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, output := testFactory(t, tc.resolve)
			if tc.setup != nil {
				if code := Run(context.Background(), f, tc.setup); code != 0 {
					_, stderr := output()
					t.Fatalf("%q: exit %d\n%s", tc.setup, code, stderr)
				}
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel() // Ctrl-C
			code := Run(ctx, f, tc.args)
			stdout, stderr := output()
			if code != 130 || !strings.HasSuffix(stderr, "hermes: interrupted\n") {
				t.Errorf("exit %d, stderr %q; want 130 and hermes: interrupted", code, stderr)
			}
			if strings.Contains(stdout+stderr, "context canceled") {
				t.Errorf("output says context canceled:\nstdout %s\nstderr %s", stdout, stderr)
			}
		})
	}
}

func TestInterruptedKeepsOtherFailures(t *testing.T) {
	t.Parallel()
	err := interrupted(fmt.Errorf("save run record: disk full"))
	if got := err.Error(); got != "interrupted: save run record: disk full" || cmdutil.ExitCode(err) != 130 {
		t.Errorf("interrupted(other) = %q (exit %d)", got, cmdutil.ExitCode(err))
	}
	if err := interrupted(fmt.Errorf("stop: %w", cmdutil.ErrCancel)); err.Error() != "stop: interrupted" {
		t.Errorf("an ErrCancel is kept as it is: %q", err)
	}
}

// Usage messages say what is missing.
func TestExecWithoutCommand(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"exec"}, {"exec", "--"}, {"exec", "--direct"}} {
		f, output := testFactory(t, nil)
		code := Run(context.Background(), f, args)
		if _, stderr := output(); code != 2 || stderr != "hermes: exec needs a command: hermes exec -- CMD ARGS\n" {
			t.Errorf("%q: exit %d, stderr %q", args, code, stderr)
		}
	}
}
