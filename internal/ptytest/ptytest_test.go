package ptytest_test

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/hermes-agent/hermes/internal/ptytest"
)

// Each Expect matches only after the previous one, and Done means every
// byte written is in Output.
func TestExpectMovesPastEachMatch(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c := ptytest.New(t, r)
	w.WriteString("a b a")
	c.Expect("a")
	c.Expect("b")
	c.Expect("a")
	w.WriteString(" end")
	w.Close()
	<-c.Done()
	if got := c.Output(); got != "a b a end" {
		t.Fatalf("Output() = %q", got)
	}
}

// failTB records a Fatalf and ends the goroutine, as testing.T does.
type failTB struct {
	testing.TB
	msg string
}

func (f *failTB) Helper() {}

func (f *failTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// Text already matched does not match again: once the terminal closes,
// Expect fails with what the terminal showed.
func TestExpectFailsWhenClosedWithoutText(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	tb := &failTB{TB: t}
	c := ptytest.New(tb, r)
	w.WriteString("once")
	w.Close()
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		c.Expect("once")
		c.Expect("once")
	}()
	<-finished
	if !strings.Contains(tb.msg, `terminal closed without showing "once"`) || !strings.HasSuffix(tb.msg, "\nonce") {
		t.Fatalf("Fatalf message = %q", tb.msg)
	}
}

// Through a real pty the terminal echoes what is typed, then the program
// answers: the same line shows up twice.
func TestStartSendsAndReads(t *testing.T) {
	cat, err := exec.LookPath("cat")
	if err != nil {
		t.Skip("no cat")
	}
	cmd := exec.Command(cat)
	c := ptytest.StartWithSize(t, cmd, 24, 80)
	c.Send("ping\n")
	c.Expect("ping")
	c.Expect("ping")
	c.Send("\x04") // EOF at the start of a line ends cat
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	<-c.Done()
	if n := strings.Count(c.Output(), "ping"); n != 2 {
		t.Fatalf("%d pings in %q, want 2", n, c.Output())
	}
}
