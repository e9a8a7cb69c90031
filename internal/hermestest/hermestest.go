// Package hermestest is the one way tests run the real hermes command as a
// process: the test binary itself, linked (or copied) under the name
// "hermes" into a temporary directory at the front of PATH, re-executed.
// The testscript suite in cmd/hermes, the process tests of internal/cli/*
// and the Action's test all use it, so:
//
//   - no test runs `go build` (a build under `go test -race` compiled the
//     whole tree a second time, without the race detector, and linked a
//     23 MB binary per package);
//   - the hermes processes are built exactly like the test (with -race
//     under `go test -race`, so races across real processes are still
//     found: a race makes the process exit 66);
//   - a package whose tests run hermes imports this package from its
//     external test package (package x_test), and layering stays: no
//     package below cmd/hermes builds cmd/hermes.
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { hermestest.Main(m) }
//
// and start processes with exec.Command(hermestest.Binary(t), ...) and
// cmd.Env = hermestest.Env(...).
package hermestest

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hermes-agent/hermes/internal/cli/root"
	"github.com/hermes-agent/hermes/internal/mcpstandin"
)

// Name is the command name the copy is installed under: TestMain runs
// hermes instead of the tests when os.Args[0] has this base name. (Not an
// environment variable: tests start hermes with environments of their
// own, and os.Executable, which `hermes demo` re-runs, resolves the link
// to this name too.)
const Name = "hermes"

// binary is the installed copy, set by Main before the tests run.
var binary string

// Main is the TestMain of a package whose tests run hermes: started as
// hermes it runs the command and exits with its code; otherwise it
// installs the copy, runs the tests and removes it.
func Main(m *testing.M) {
	if filepath.Base(os.Args[0]) == Name {
		os.Exit(root.Main(os.Args[1:]))
	}
	if filepath.Base(os.Args[0]) == mcpstandin.Name {
		os.Exit(mcpstandin.Main())
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "hermestest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "hermestest:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	defer func() {
		if shipped.dir != "" {
			os.RemoveAll(shipped.dir)
		}
	}()
	if err := install(filepath.Join(dir, Name)); err != nil {
		fmt.Fprintln(os.Stderr, "hermestest: install hermes:", err)
		return 1
	}
	binary = filepath.Join(dir, Name)
	// The MCP stand-in server, for scripts' .mcp.json files.
	if err := os.Link(binary, filepath.Join(dir, mcpstandin.Name)); err != nil {
		fmt.Fprintln(os.Stderr, "hermestest: install mcp-standin:", err)
		return 1
	}
	// For scripts and children that find hermes on PATH (testscript's
	// `exec hermes`, the Action's shell steps).
	os.Setenv("PATH", dir+string(filepath.ListSeparator)+os.Getenv("PATH"))
	// Inherited by every child started with os.Environ().
	os.Setenv("GORACE", raceOptions())
	return m.Run()
}

// install hard-links the running test binary to path, or copies it
// where a link is not possible (another file system).
func install(path string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if os.Link(self, path) == nil {
		return nil
	}
	src, err := os.Open(self)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

// Binary is the path of hermes for exec.Command. The test fails when the
// package's TestMain does not call Main.
func Binary(tb testing.TB) string {
	tb.Helper()
	if binary == "" {
		tb.Fatal("hermestest.Binary: the package's TestMain must call hermestest.Main")
	}
	return binary
}

// Dir is the directory holding hermes, for a PATH of a test's own.
func Dir(tb testing.TB) string {
	return filepath.Dir(Binary(tb))
}

// Env returns env plus what every hermes process a test starts needs from
// the test's own environment: GORACE (see raceOptions) and GOCOVERDIR
// (coverage of the processes under `go test -cover`).
func Env(env ...string) []string {
	out := append([]string(nil), env...)
	out = append(out, "GORACE="+raceOptions())
	if v := os.Getenv("GOCOVERDIR"); v != "" {
		out = append(out, "GOCOVERDIR="+v)
	}
	return out
}

// raceOptions is GORACE with atexit_sleep_ms=0 added: a race-enabled
// program that exits with status 0 otherwise sleeps a whole second first
// (the race runtime's default, meant for goroutines still running at
// exit), and the end-to-end suite alone runs hermes over 300 times. A race
// found before exit still makes the process exit 66, which the tests see.
// No effect on a binary built without -race.
func raceOptions() string {
	v := os.Getenv("GORACE")
	if strings.Contains(v, "atexit_sleep_ms=") {
		return v
	}
	return strings.TrimSpace("atexit_sleep_ms=0 " + v)
}

// Command is exec.Command for hermes with env (plus Env's additions) as
// its whole environment.
func Command(tb testing.TB, env []string, args ...string) *exec.Cmd {
	tb.Helper()
	cmd := exec.Command(Binary(tb), args...)
	cmd.Env = Env(env...)
	return cmd
}

var shipped struct {
	sync.Once
	dir, path string
	err       error
	out       []byte
}

// Shipped builds cmd/hermes as it is shipped (no test code, no race
// detector), once per test process, for benchmarks of start-up time and
// memory; tests use Binary. Main removes it after the run.
func Shipped(b *testing.B) string {
	b.Helper()
	shipped.Do(func() {
		if shipped.dir, shipped.err = os.MkdirTemp("", "hermestest-shipped-"); shipped.err != nil {
			return
		}
		shipped.path = filepath.Join(shipped.dir, Name)
		cmd := exec.Command("go", "build", "-o", shipped.path, "github.com/hermes-agent/hermes/cmd/hermes")
		shipped.out, shipped.err = cmd.CombinedOutput()
	})
	if shipped.err != nil {
		b.Fatalf("go build: %v\n%s", shipped.err, shipped.out)
	}
	return shipped.path
}
