// Package ptytest drives a command through a real pseudo-terminal in tests:
// a goroutine copies everything the command writes into a buffer, and
// Expect waits for text to show up in it, so a test can answer prompts the
// way a user at a terminal would.
package ptytest

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/vt"
	"github.com/creack/pty"
)

// guard only keeps a broken build from hanging the test run; no test
// depends on timing.
const guard = 30 * time.Second

// Console is the controlling side of a pseudo-terminal.
type Console struct {
	t    testing.TB
	f    *os.File
	mu   sync.Mutex
	buf  bytes.Buffer
	seen int           // offset past the last match
	more chan struct{} // signalled after each read
	done chan struct{} // closed once a read fails (EOF or the pty closed)
	// screen, when set, emulates the terminal: full-screen programs redraw
	// only the cells that changed, so their text is asserted on the screen,
	// not in the byte stream.
	screen *vt.Emulator
}

// Start starts cmd on a new pseudo-terminal with the pty's default size.
// At cleanup the process is killed and the pty closed.
func Start(t testing.TB, cmd *exec.Cmd) *Console {
	t.Helper()
	return start(t, cmd, nil)
}

// StartWithSize is Start with a terminal of rows×cols, for programs that
// lay out their screen by the window size.
func StartWithSize(t testing.TB, cmd *exec.Cmd, rows, cols uint16) *Console {
	t.Helper()
	return start(t, cmd, &pty.Winsize{Rows: rows, Cols: cols})
}

func start(t testing.TB, cmd *exec.Cmd, size *pty.Winsize) *Console {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("no pty")
	}
	ptmx, err := pty.StartWithSize(cmd, size)
	if err != nil {
		t.Fatal(err)
	}
	// Cleanups run last-in first-out, so the child goes before anything the
	// test set up earlier (a stand-in server whose Close waits for open
	// requests, say). Kill after Wait is harmless.
	t.Cleanup(func() {
		cmd.Process.Kill()
		ptmx.Close()
	})
	return New(t, ptmx)
}

// New reads an already-open pty; closing f stays with the caller.
func New(t testing.TB, f *os.File) *Console {
	c := &Console{t: t, f: f, more: make(chan struct{}, 1), done: make(chan struct{})}
	go c.copy()
	return c
}

func (c *Console) copy() {
	defer close(c.done)
	b := make([]byte, 4096)
	for {
		n, err := c.f.Read(b)
		c.mu.Lock()
		c.buf.Write(b[:n])
		if c.screen != nil {
			c.screen.Write(b[:n])
		}
		c.mu.Unlock()
		select {
		case c.more <- struct{}{}:
		default:
		}
		if err != nil {
			return
		}
	}
}

// Output is everything read from the terminal so far.
func (c *Console) Output() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

// Done is closed once the terminal has nothing more to read: after the
// command exits, everything it wrote is in Output.
func (c *Console) Done() <-chan struct{} { return c.done }

// Expect waits until s appears after the previous match, and fails the test
// with the screen so far if the terminal closes first or the guard deadline
// passes.
func (c *Console) Expect(s string) {
	c.t.Helper()
	deadline := time.After(guard)
	for {
		if c.match(s) {
			return
		}
		select {
		case <-c.more:
		case <-c.done:
			if !c.match(s) {
				c.t.Fatalf("terminal closed without showing %q; it shows:\n%s", s, c.Output())
			}
			return
		case <-deadline:
			c.t.Fatalf("no %q on the terminal after %v; it shows:\n%s", s, guard, c.Output())
		}
	}
}

// match reports whether s is past the previous match, and moves past it.
func (c *Console) match(s string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	i := strings.Index(c.buf.String()[c.seen:], s)
	if i < 0 {
		return false
	}
	c.seen += i + len(s)
	return true
}

// Send types s on the terminal.
func (c *Console) Send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.f, s); err != nil {
		c.t.Fatal(err)
	}
}

// StartScreen is StartWithSize with a terminal emulator behind the pty, for
// full-screen programs: ExpectScreen then asserts on what a user would see.
// The emulator answers the program's terminal queries, as a terminal does.
func StartScreen(t testing.TB, cmd *exec.Cmd, rows, cols uint16) *Console {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("no pty")
	}
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: rows, Cols: cols})
	if err != nil {
		t.Fatal(err)
	}
	c := &Console{t: t, f: ptmx, more: make(chan struct{}, 1), done: make(chan struct{}), screen: vt.NewEmulator(int(cols), int(rows))}
	t.Cleanup(func() {
		cmd.Process.Kill()
		ptmx.Close()
		<-c.done // copy has stopped writing to the screen
		// The emulator is not closed: vt v0.1.0's Close and a blocked
		// Read race on an unsynchronised flag. The goroutine copying its
		// replies stays blocked in Read until the test binary exits.
	})
	go func() { io.Copy(ptmx, c.screen) }() // the terminal's replies
	go c.copy()
	return c
}

// Screen is the emulated screen's text now.
func (c *Console) Screen() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.screen == nil {
		return ""
	}
	return c.screen.String()
}

// ExpectScreen waits until the emulated screen shows s.
func (c *Console) ExpectScreen(s string) {
	c.t.Helper()
	c.WaitScreen("a screen showing "+strconv.Quote(s), func(screen string) bool { return strings.Contains(screen, s) })
}

// WaitScreen waits until ok(screen) holds; what names the wait in the
// failure message.
func (c *Console) WaitScreen(what string, ok func(screen string) bool) {
	c.t.Helper()
	deadline := time.After(guard)
	for {
		if ok(c.Screen()) {
			return
		}
		select {
		case <-c.more:
		case <-c.done:
			if !ok(c.Screen()) {
				c.t.Fatalf("terminal closed before %s; the screen shows:\n%s", what, c.Screen())
			}
			return
		case <-deadline:
			c.t.Fatalf("no %s after %v; the screen shows:\n%s", what, guard, c.Screen())
		}
	}
}

// Resize changes the terminal's size (the program gets SIGWINCH).
func (c *Console) Resize(rows, cols uint16) {
	c.t.Helper()
	c.mu.Lock()
	if c.screen != nil {
		c.screen.Resize(int(cols), int(rows))
	}
	c.mu.Unlock()
	if err := pty.Setsize(c.f, &pty.Winsize{Rows: rows, Cols: cols}); err != nil {
		c.t.Fatal(err)
	}
}

// File is the pty's controlling side, for tests that look at the
// terminal's modes.
func (c *Console) File() *os.File { return c.f }
