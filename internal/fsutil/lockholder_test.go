package fsutil

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A waiter that gives up names the holder's PID and that it is running,
// and does not advise removing the lock file from under a live holder.
func TestLockWaiterNamesLiveHolder(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no PID liveness check on windows")
	}
	path := filepath.Join(t.TempDir(), "x.lock")
	l, err := LockFile(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	if got := strings.TrimSpace(readString(t, path)); got != strconv.Itoa(os.Getpid()) {
		t.Fatalf("lock file holds %q, want this process's PID %d", got, os.Getpid())
	}
	shortWait(t, 50*time.Millisecond)
	_, err = LockFile(context.Background(), path)
	var held *LockHeldError
	if !errors.As(err, &held) {
		t.Fatalf("LockFile while held: err = %v, want a LockHeldError", err)
	}
	msg := err.Error()
	pid := strconv.Itoa(os.Getpid())
	for _, want := range []string{"process " + pid, "still running", "kill " + pid} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg, "remove") {
		t.Errorf("error %q advises removing the lock file of a live holder", msg)
	}
}

// A holder that recorded a PID no longer running is reported as such.
func TestLockWaiterNamesDeadHolder(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no PID liveness check on windows")
	}
	path := filepath.Join(t.TempDir(), "x.lock")
	l, err := LockFile(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("cannot run true:", err)
	}
	dead := cmd.Process.Pid
	if err := os.WriteFile(path, []byte(strconv.Itoa(dead)+"\n"), FileMode); err != nil {
		t.Fatal(err)
	}
	shortWait(t, 50*time.Millisecond)
	_, err = LockFile(context.Background(), path)
	if err == nil || !strings.Contains(err.Error(), "process "+strconv.Itoa(dead)) || !strings.Contains(err.Error(), "no longer running") {
		t.Fatalf("err = %v, want it to name dead process %d", err, dead)
	}
}

// Unlock clears the PID, so a free lock never names a stale holder.
func TestUnlockClearsHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	l, ok, err := TryLockFile(path)
	if !ok || err != nil {
		t.Fatal(ok, err)
	}
	if LockHolderOf(path).PID != os.Getpid() {
		t.Fatalf("TryLockFile did not record the holder's PID")
	}
	l.Unlock()
	if h := LockHolderOf(path); h.PID != 0 {
		t.Fatalf("after Unlock the lock file still names PID %d", h.PID)
	}
}

// The wait covers an exchange or refresh that takes 90 s.
func TestLockTimeoutCoversSlowExchange(t *testing.T) {
	if LockTimeout < 2*time.Minute {
		t.Fatalf("LockTimeout %s is shorter than a bounded refresh (2 min)", LockTimeout)
	}
}

func shortWait(t *testing.T, d time.Duration) {
	old := lockWait
	lockWait = d
	t.Cleanup(func() { lockWait = old })
}

func readString(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
