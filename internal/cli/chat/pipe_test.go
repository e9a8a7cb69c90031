package chat_test

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/hermestest"
	"github.com/hermes-agent/hermes/internal/ptytest"
)

// `hermes chat | cat` on a terminal: stdin is the terminal, stdout a pipe.
// While hermes waits for a line the terminal must stay in its normal
// (cooked, output-processed) mode: in raw mode what cat prints to the
// terminal loses \n→\r\n and staircases.
func TestChatPipedStdoutKeepsTerminalCooked(t *testing.T) {
	s := anthropictest.New(t, anthropictest.Config{Rules: []anthropictest.Rule{{ID: anthropictest.DefaultRuleID, Issuer: "https://unused.example"}}, APIKeys: []string{testKey}})
	home := t.TempDir()
	cmd := exec.Command(hermestest.Binary(t), "chat", "--base-url", s.URL)
	cmd.Env = append(baseEnv(home), "ANTHROPIC_API_KEY="+testKey)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	cmd.Stdout = pw
	con := ptytest.Start(t, cmd)
	pw.Close()
	// The terminal's modes are the slave side's: open it by number.
	n, err := unix.IoctlGetInt(int(con.File().Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Skip("cannot name the pty:", err)
	}
	slave, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skip("cannot open the pty:", err)
	}
	defer slave.Close()

	// The banner reaches the pipe; then hermes waits for a line.
	got := make(chan string, 1)
	go func() {
		buf := make([]byte, 4096)
		var all strings.Builder
		for !strings.Contains(all.String(), "> ") {
			n, err := pr.Read(buf)
			all.Write(buf[:n])
			if err != nil {
				break
			}
		}
		got <- all.String()
	}()
	select {
	case out := <-got:
		if !strings.Contains(out, "hermes chat · model") {
			t.Fatalf("stdout: %q", out)
		}
	case <-time.After(time.Minute):
		t.Fatal("no prompt on stdout")
	}
	// The prompt is written once the line reader runs (after any raw-mode
	// switch): look at the terminal's modes now.
	tio, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if tio.Lflag&unix.ICANON == 0 || tio.Oflag&unix.OPOST == 0 {
		t.Fatalf("terminal in raw mode while stdout is a pipe (lflag %#x, oflag %#x)", tio.Lflag, tio.Oflag)
	}
	con.Send("/exit\n")
}
