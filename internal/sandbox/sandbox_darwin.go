//go:build darwin

package sandbox

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// On macOS a run is sandbox-exec with a profile generated here: writes
// only below the allowed trees, no reading or writing of the protected
// paths, no network unless allowed. Untested in hermes's CI (Linux);
// see docs/DESIGN.md.
func (s *Sandbox) command(p Policy, req Request) (*Run, error) {
	if _, err := exec.LookPath("/usr/bin/sandbox-exec"); err != nil {
		return nil, &UnavailableError{Mode: p.Mode, Feature: "sandbox-exec (Seatbelt)", Detail: err.Error()}
	}
	root, err := os.MkdirTemp("", "hermes-bash-")
	if err != nil {
		return nil, fmt.Errorf("sandbox: private temporary dir: %w", err)
	}
	tmp := filepath.Join(root, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	cmd := exec.Command("/usr/bin/sandbox-exec", "-p", seatbeltProfile(p, req, realOr(tmp)), "bash", "-c", req.Command)
	cmd.Dir = req.WorkDir
	cmd.Env = withEnv(req.Env, "TMPDIR", tmp)
	setpgid(cmd)
	return &Run{Cmd: cmd, tempDir: root, policy: p}, nil
}

// realOr is p with symlinks resolved (/var is /private/var on macOS,
// and Seatbelt matches resolved paths).
func realOr(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}

// quote is a Scheme string literal.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func seatbeltProfile(p Policy, req Request, tmp string) string {
	var b strings.Builder
	b.WriteString("(version 1)\n(allow default)\n")
	if !p.Network {
		b.WriteString("(deny network*)\n(allow network* (remote unix-socket))\n")
	}
	b.WriteString("(deny file-write* (require-all (require-not (subpath " + quote(tmp) + "))")
	if p.Mode == WorkspaceWrite {
		b.WriteString(" (require-not (subpath " + quote(realOr(req.WorkDir)) + "))")
	}
	for _, d := range []string{"/dev/null", "/dev/zero", "/dev/tty", "/dev/random", "/dev/urandom"} {
		b.WriteString(" (require-not (literal " + quote(d) + "))")
	}
	b.WriteString("))\n")
	if p.Mode == WorkspaceWrite {
		b.WriteString("(deny file-write* (subpath " + quote(filepath.Join(realOr(req.WorkDir), ".git")) + "))\n")
	}
	for _, pp := range absPaths(req.Protected) {
		for _, v := range []string{pp, realOr(pp)} {
			b.WriteString("(deny file-read* file-write* (subpath " + quote(v) + "))\n")
		}
	}
	return b.String()
}

// absPaths cleans paths; a relative one is taken from the current dir.
func absPaths(in []string) []string {
	var out []string
	for _, p := range in {
		if a, err := filepath.Abs(p); p != "" && err == nil {
			out = append(out, a)
		}
	}
	return out
}

// Start starts the run.
func (r *Run) Start() error { return r.Cmd.Start() }

// SetupError is nil: sandbox-exec reports its own failures on stderr.
func (r *Run) SetupError() error { return nil }

// Helper is Linux's; hermes never starts it elsewhere.
func Helper([]string) int {
	fmt.Fprintln(os.Stderr, "hermes: __sandbox is hermes's own helper, on Linux only")
	return 2
}
