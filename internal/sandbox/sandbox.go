// Package sandbox runs the agent's bash commands inside an OS sandbox.
//
// The permission rules decide whether a command runs; the sandbox bounds
// what a run can do. Three modes, Codex's names and meanings:
//
//   - workspace-write (the default): writes only in the work dir and a
//     private temporary dir (TMPDIR), .git/ read-only, no network unless
//     Policy.Network;
//   - read-only: writes only in the private temporary dir, no network
//     unless Policy.Network;
//   - danger-full-access: no sandbox (hermes warns on stderr).
//
// In every mode but danger-full-access the protected paths (credential
// stores, ~/.ssh: the list the file tools refuse) cannot be read.
//
// On Linux a run is `hermes __sandbox SPEC` re-executed in new user, mount,
// PID and (without network) network namespaces: the helper hides the
// protected paths, makes .git read-only, restricts itself with Landlock
// and execs bash, which becomes the namespace's init, so the kernel kills
// everything the command started when it exits or is killed. Where the
// kernel cannot enforce the mode, Start fails with an *UnavailableError:
// never an unsandboxed run. On macOS the command runs under sandbox-exec
// with a generated profile; elsewhere only danger-full-access runs.
package sandbox

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
)

// Mode is how much a command may do.
type Mode string

// The modes.
const (
	ReadOnly         Mode = "read-only"
	WorkspaceWrite   Mode = "workspace-write"
	DangerFullAccess Mode = "danger-full-access"
)

// modes lists the modes.
var modes = []Mode{ReadOnly, WorkspaceWrite, DangerFullAccess}

// ParseMode checks s; "" is workspace-write.
func ParseMode(s string) (Mode, error) {
	if s == "" {
		return WorkspaceWrite, nil
	}
	if m := Mode(s); slices.Contains(modes, m) {
		return m, nil
	}
	return "", fmt.Errorf("unknown sandbox mode %q: use read-only, workspace-write or danger-full-access", s)
}

// Policy is a mode plus whether the network is reachable.
type Policy struct {
	Mode Mode
	// Network lets a sandboxed command use the network (--sandbox-network).
	Network bool
}

// Warning is the one line printed on stderr when a run uses
// danger-full-access, "" otherwise.
func (p Policy) Warning() string {
	if p.Mode != DangerFullAccess {
		return ""
	}
	return "hermes: warning: --sandbox danger-full-access: bash commands run without a sandbox and can read and change anything you can"
}

// HelperArg is the first argument of hermes re-executed as the sandbox
// helper. hermes's main (root.Main) and every test binary that stands in
// for hermes hand such a run to Helper before anything else.
const HelperArg = "__sandbox"

// Request is one command to run.
type Request struct {
	// WorkDir is the command's working directory and, in
	// workspace-write, the tree it may write.
	WorkDir string
	// Protected are files and directories never readable inside.
	Protected []string
	// Command is bash's script (bash -c COMMAND).
	Command string
	// Env is the command's whole environment (already scrubbed of
	// credentials); TMPDIR is replaced by the private temporary dir.
	Env []string
}

// Sandbox prepares runs. The zero value probes the kernel itself.
type Sandbox struct {
	// LandlockABI reports the kernel's Landlock ABI version (0 or an
	// error: none); nil asks the kernel. Tests inject a kernel without it.
	LandlockABI func() (int, error)
}

// Run is one prepared command: Cmd is ready for its stdout, stderr and
// Start. After Wait, SetupError says whether the helper failed to build
// the sandbox (then the command never ran); Close removes the private
// temporary dir.
type Run struct {
	Cmd     *exec.Cmd
	setup   *os.File // read end of the helper's setup-error pipe
	setupW  *os.File // its write end, closed once the helper started
	tempDir string
	policy  Policy
}

// UnavailableError is the refusal when the kernel (or the OS) cannot
// enforce the mode.
type UnavailableError struct {
	Mode    Mode
	Feature string // what is missing, named so a user can search for it
	Detail  string // the system's own words, if any
}

func (e *UnavailableError) Error() string {
	msg := fmt.Sprintf("bash is refused: the %s sandbox needs %s, which this system does not provide", e.Mode, e.Feature)
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg + "; to run bash commands without a sandbox, start hermes with --sandbox danger-full-access"
}

// Command prepares req under p.
func (s *Sandbox) Command(p Policy, req Request) (*Run, error) {
	if p.Mode == "" {
		p.Mode = WorkspaceWrite
	}
	if _, err := ParseMode(string(p.Mode)); err != nil {
		return nil, err
	}
	if p.Mode == DangerFullAccess {
		cmd := exec.Command("bash", "-c", req.Command)
		cmd.Dir = req.WorkDir
		cmd.Env = req.Env
		setpgid(cmd)
		return &Run{Cmd: cmd, policy: p}, nil
	}
	return s.command(p, req)
}

// Close removes what the run left in its private temporary dir.
func (r *Run) Close() {
	for _, f := range []*os.File{r.setup, r.setupW} {
		if f != nil {
			f.Close()
		}
	}
	if r.tempDir != "" {
		os.RemoveAll(r.tempDir)
	}
}

// withEnv is env with name set to value (replacing any earlier one).
func withEnv(env []string, name, value string) []string {
	out := slices.DeleteFunc(slices.Clone(env), func(kv string) bool {
		return strings.HasPrefix(kv, name+"=")
	})
	return append(out, name+"="+value)
}

// Probe runs `true` in a workspace-write sandbox and reports why it
// could not, if it could not: for tests that need a real sandbox (and
// skip, saying why, on a kernel without one).
func (s *Sandbox) Probe() error {
	dir, err := os.MkdirTemp("", "hermes-sandbox-probe-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	r, err := s.Command(Policy{Mode: WorkspaceWrite}, Request{WorkDir: dir, Command: "true", Env: []string{"PATH=" + os.Getenv("PATH")}})
	if err != nil {
		return err
	}
	defer r.Close()
	if err := r.Start(); err != nil {
		return err
	}
	werr := r.Cmd.Wait()
	if err := r.SetupError(); err != nil {
		return err
	}
	return werr
}
