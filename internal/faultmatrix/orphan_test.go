package faultmatrix

import (
	"bufio"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// orphanArg runs the test binary as a `hermes exec` child that says
// "ready", then waits for SIGTERM and records it in a file.
const orphanArg = "faultmatrix-orphan"

func orphanMain(marker string) int {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM)
	fmt.Println("ready")
	select {
	case <-c:
		os.WriteFile(marker, []byte("SIGTERM\n"), 0o600)
		return 0
	case <-time.After(2 * time.Minute):
		return 1
	}
}

// TestExecChildToldWhenHermesKilled (issue 23 item 12): kill -9 of
// `hermes exec` tells the child (SIGTERM), whose gateway URL is dead; on
// main the child ran on, unaware.
func TestExecChildToldWhenHermesKilled(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the parent-death signal is Linux's")
	}
	t.Parallel()
	w := newWorld(t, worldOptions{})
	marker := filepath.Join(t.TempDir(), "told")
	cmd := w.command("exec", "--", os.Args[0], orphanArg, marker)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		cmd.Process.Kill()
		t.Fatalf("child said %q", line)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	for i := 0; i < 600; i++ { // a guard of a minute, not a bound under test
		if b, err := os.ReadFile(marker); err == nil && strings.Contains(string(b), "SIGTERM") {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Error("the child of a killed hermes exec was never told (no SIGTERM within a minute)")
}
