package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/sandbox"
)

// NameBash is bash's name.
const NameBash = "bash"

// BashInput is bash's input.
type BashInput struct {
	Command   string `json:"command"`
	TimeoutMS int64  `json:"timeout_ms"`
}

type bash struct{}

// Bash runs a command in the sandbox.
var Bash Tool = bash{}

func (bash) Name() string { return NameBash }
func (bash) Kind() Kind   { return Execute }
func (bash) Definition() anthropic.ToolUnionParam {
	return def(NameBash,
		fmt.Sprintf("Run a command with bash -c in the working directory and return its exit code and output (stdout and stderr together; long output keeps its head and tail). Default timeout %v, at most %v. Background processes are stopped when the command ends.", DefaultBashTimeout, MaxBashTimeout),
		map[string]any{"command": str("the bash command line"), "timeout_ms": map[string]any{"type": "integer", "description": "timeout in milliseconds"}},
		"command")
}
func (bash) Summary(input json.RawMessage) string {
	var in BashInput
	json.Unmarshal(input, &in)
	if in.Command == "" {
		return string(input)
	}
	return in.Command
}
func (bash) Run(ctx context.Context, env *Env, c Call) (Result, error) {
	var in BashInput
	if r, ok := decode(c, &in); !ok {
		return r, nil
	}
	return env.bash(ctx, c, in)
}

// bash is bash's body: the policy decides the command (deny rules
// first, whatever the mode), then it runs inside the sandbox.
func (e *Env) bash(ctx context.Context, b Call, in BashInput) (Result, error) {
	command := in.Command
	if strings.TrimSpace(command) == "" {
		return Errorf("bash needs a command"), nil
	}
	timeout := DefaultBashTimeout
	if in.TimeoutMS < 0 {
		return Errorf("timeout_ms must not be negative"), nil
	}
	if in.TimeoutMS > 0 {
		timeout = min(time.Duration(in.TimeoutMS)*time.Millisecond, MaxBashTimeout)
	}
	req := ApprovalRequest{ToolID: b.ID, Tool: NameBash, Input: b.Input, Title: "bash: " + OneLineCut(strings.Join(strings.Fields(command), " "), 200), Command: command}
	if r, ok, err := e.policy().Permit(ctx, req); !ok || err != nil {
		return r, err
	}
	box := BashBox{Sandbox: e.Sandbox, Policy: e.SandboxPolicy, Protected: e.Protected}
	return RunBash(ctx, box, e.WorkDir, command, timeout, BashEnv(e.ProtectedEnv))
}

// Limits of the bash tool.
const (
	// bashOutputHead and bashOutputTail are what is kept of long output.
	bashOutputHead = 16 << 10
	bashOutputTail = 16 << 10
	// bashKillGrace is how long a process group has between SIGTERM and
	// SIGKILL.
	bashKillGrace = 2 * time.Second
	// bashPipeWait bounds waiting for output after the shell exited (a
	// background process may hold the pipe open).
	bashPipeWait = time.Second
)

// BashBox is the sandbox a command runs in: the sandbox policy, with the
// protected paths (the one list the file tools refuse too) hidden.
type BashBox struct {
	Sandbox   *sandbox.Sandbox // nil: the kernel's own
	Policy    sandbox.Policy
	Protected []string
}

// RunBash runs command with bash -c in dir inside box's sandbox, in its
// own process group, with env scrubbed of credentials. Sandboxed, bash is
// the init of its own PID namespace: when it exits or is killed, the
// kernel kills everything the command started, setsid or double-forked
// away or not. On timeout or cancellation the whole group gets SIGTERM,
// then SIGKILL after a grace period, so a child that ignores SIGTERM dies
// too; whatever the command left running in the background is killed
// when the shell exits. A kernel that cannot build the sandbox refuses
// the command: it never runs unsandboxed.
func RunBash(ctx context.Context, box BashBox, dir, command string, timeout time.Duration, env []string) (Result, error) {
	out := &headTail{}
	if box.Sandbox == nil {
		box.Sandbox = &sandbox.Sandbox{}
	}
	run, err := box.Sandbox.Command(box.Policy, sandbox.Request{WorkDir: dir, Protected: box.Protected, Command: command, Env: scrubEnv(env)})
	if err != nil {
		return Errorf("%v", err), nil
	}
	defer run.Close()
	cmd := run.Cmd
	cmd.Stdin = nil
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = bashPipeWait
	if err := run.Start(); err != nil {
		var ue *sandbox.UnavailableError
		if errors.As(err, &ue) {
			return Errorf("%v", err), nil
		}
		return Errorf("could not start bash: %v", err), nil
	}
	pgid := cmd.Process.Pid
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var werr error
	var why string
	select {
	case werr = <-done:
	case <-timer.C:
		why = fmt.Sprintf("timed out after %v", timeout)
		werr = killGroup(pgid, done)
	case <-ctx.Done():
		why = "canceled"
		werr = killGroup(pgid, done)
	}
	// Background processes must not outlive the call.
	syscall.Kill(-pgid, syscall.SIGKILL)
	if ctx.Err() != nil {
		return Result{}, ctx.Err()
	}
	if err := run.SetupError(); err != nil {
		return Errorf("%v", err), nil
	}

	text := out.String()
	code := cmd.ProcessState.ExitCode()
	var status string
	switch {
	case why != "":
		status = "killed: " + why
	case code >= 0:
		status = fmt.Sprintf("exit code %d", code)
	default:
		status = "killed by " + cmd.ProcessState.String()
	}
	var ee *exec.ExitError
	if werr != nil && !errors.As(werr, &ee) && !errors.Is(werr, exec.ErrWaitDelay) {
		status += fmt.Sprintf(" (%v)", werr)
	}
	if text == "" {
		text = "(no output)\n"
	} else if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	return Result{Content: text + "[" + status + "]", IsError: why != "" || code != 0}, nil
}

// killGroup ends the process group: SIGTERM, then SIGKILL when the
// shell has not exited after bashKillGrace.
func killGroup(pgid int, done <-chan error) error {
	syscall.Kill(-pgid, syscall.SIGTERM)
	grace := time.NewTimer(bashKillGrace)
	defer grace.Stop()
	select {
	case err := <-done:
		syscall.Kill(-pgid, syscall.SIGKILL)
		return err
	case <-grace.C:
		syscall.Kill(-pgid, syscall.SIGKILL)
		return <-done
	}
}

// headTail keeps the first and last bytes of a command's output.
type headTail struct {
	mu      sync.Mutex
	head    []byte
	tail    []byte // ring of the last bashOutputTail bytes past head
	dropped int64
}

func (h *headTail) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := len(p)
	if room := bashOutputHead - len(h.head); room > 0 {
		k := min(room, len(p))
		h.head = append(h.head, p[:k]...)
		p = p[k:]
	}
	if len(p) == 0 {
		return n, nil
	}
	h.tail = append(h.tail, p...)
	if over := len(h.tail) - bashOutputTail; over > 0 {
		h.dropped += int64(over)
		h.tail = append(h.tail[:0], h.tail[over:]...)
	}
	return n, nil
}

func (h *headTail) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.dropped == 0 {
		return string(h.head) + string(h.tail)
	}
	return fmt.Sprintf("%s\n… [%d bytes of output left out] …\n%s", h.head, h.dropped, h.tail)
}

// scrubEnv removes every variable that can yield an Anthropic credential,
// and HERMES_HOME, from env: a command the model runs must not be able to
// reach the credential hermes runs with. The credential layer's list
// (credential.ScrubEnv) comes first; the prefix rules below are stricter
// still, for variables of tools that list does not know.
func scrubEnv(env []string) []string {
	env = credential.ScrubEnv(env)
	out := make([]string, 0, len(env))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !credentialEnv(name) {
			out = append(out, kv)
		}
	}
	return out
}

func credentialEnv(name string) bool {
	n := strings.ToUpper(name)
	switch {
	case strings.HasPrefix(n, "ANTHROPIC_"), strings.HasPrefix(n, "HERMES_"),
		strings.HasPrefix(n, "CLAUDE_CODE_"), strings.HasPrefix(n, "ACTIONS_ID_TOKEN_REQUEST_"):
		return true
	case n == "CLAUDE_API_KEY", n == "ACTIONS_RUNTIME_TOKEN":
		return true
	}
	return false
}

// BashEnv is hermes's environment without what a command the model runs
// must not read: every Anthropic credential variable, the chat platforms'
// secrets (a bot's tokens; chat and cron --deliver read them too) and the
// configuration's own (protected).
func BashEnv(protected []string) []string {
	return credential.ScrubEnv(os.Environ(), append(slices.Clip(protected), credential.PlatformSecretVars()...)...)
}
