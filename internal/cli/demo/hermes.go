package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/hermes-agent/hermes/internal/credential"
)

// stepTimeout bounds one hermes subprocess, so a hung step fails the demo
// instead of hanging it.
const stepTimeout = 30 * time.Second

// hermesCmd runs hermes steps as real subprocesses, the way a user's
// separate hermes invocations share HERMES_HOME and its token cache.
type hermesCmd struct {
	exe string
	env []string
	dir string

	mu         sync.Mutex
	transcript []output // every step's stdout and stderr, for the sentinel check
}

// output is what one subprocess wrote.
type output struct {
	name           string
	stdout, stderr string
}

// run executes `hermes args...` and returns its stdout. A non-zero exit is a
// step failure carrying the combined output.
func (h *hermesCmd) run(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, h.exe, args...)
	cmd.Env = h.env
	cmd.Dir = h.dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	h.record(output{name: "hermes " + strings.Join(args[:min(2, len(args))], " "), stdout: stdout.String(), stderr: stderr.String()})
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			err = fmt.Errorf("hermes %s exited with status %d", args[0], exit.ExitCode())
		}
		if ctx.Err() == context.DeadlineExceeded {
			err = fmt.Errorf("hermes %s did not finish within %s", args[0], stepTimeout)
		}
		return stdout.String(), &stepError{err: err, output: joinOutput(stdout.String(), stderr.String())}
	}
	return stdout.String(), nil
}

func (h *hermesCmd) record(o output) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.transcript = append(h.transcript, o)
}

func (h *hermesCmd) outputs() []output {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]output(nil), h.transcript...)
}

func joinOutput(stdout, stderr string) string {
	var b strings.Builder
	if s := strings.TrimSpace(stdout); s != "" {
		b.WriteString(s + "\n")
	}
	if s := strings.TrimSpace(stderr); s != "" {
		b.WriteString(s + "\n")
	}
	return b.String()
}

// scrubbedPrefixes are the variables a step must not inherit: anything
// that could make hermes pick an ambient credential, a real identity
// provider or the user's own hermes home instead of the demo's.
var scrubbedPrefixes = []string{"ANTHROPIC_", "ACTIONS_ID_TOKEN_", "HERMES_"}

var scrubbedNames = []string{"GCE_METADATA_HOST"}

// cleanEnv is environ without ambient credentials, plus set (KEY=VALUE).
// HOME, PATH and the rest are kept.
func cleanEnv(environ []string, set ...string) []string {
	out := make([]string, 0, len(environ)+len(set))
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if scrubbed(name) {
			continue
		}
		out = append(out, kv)
	}
	return append(out, set...)
}

func scrubbed(name string) bool {
	if credential.CredentialEnv(name) {
		return true
	}
	upper := strings.ToUpper(name) // Windows names are case-insensitive
	for _, p := range scrubbedPrefixes {
		if strings.HasPrefix(upper, p) {
			return true
		}
	}
	for _, n := range scrubbedNames {
		if upper == n {
			return true
		}
	}
	return false
}

// lookupEnv turns an environment list into a Getenv function.
func lookupEnv(env []string) func(string) string {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return func(k string) string { return m[k] }
}
