package fsutil

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestWriteFileAtomicModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "home", "sub")
	path := filepath.Join(dir, "f.json")
	if err := WriteFileAtomic(path, []byte("one"), FileMode); err != nil {
		t.Fatal(err)
	}
	assertMode(t, path, FileMode)
	assertMode(t, dir, DirMode)
	if err := WriteFileAtomic(path, []byte("two"), FileMode); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "two" {
		t.Fatalf("content = %q, want two", b)
	}
	assertNoTemp(t, dir)
}

func TestWriteFileAtomicCrashBeforeRenameKeepsOldFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "auth.json")
	if err := WriteFileAtomic(path, []byte("old"), FileMode); err != nil {
		t.Fatal(err)
	}
	crash := errors.New("simulated crash")
	crashing := &Writer{BeforeRename: func(string) error { return crash }}
	err := crashing.WriteFileAtomic(path, []byte("new"), FileMode)
	if !errors.Is(err, crash) {
		t.Fatalf("err = %v, want the simulated crash", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Fatalf("content = %q, want the old file intact", b)
	}
	assertNoTemp(t, dir)
}

func TestReadFileLimited(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big")
	os.WriteFile(path, []byte(strings.Repeat("x", 11)), 0o600)
	if _, err := ReadFileLimited(path, 10); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v, want a size error naming the path", err)
	}
	if b, err := ReadFileLimited(path, 11); err != nil || len(b) != 11 {
		t.Fatalf("ReadFileLimited at the limit = %d bytes, %v", len(b), err)
	}
}

func TestLockIsExclusive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	l, err := LockFile(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	assertMode(t, path, FileMode)
	if _, ok, err := TryLockFile(path); ok || err != nil {
		t.Fatalf("second lock taken (ok=%v, err=%v) while the first is held", ok, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := LockFile(ctx, path); err == nil {
		t.Fatal("LockFile with a done context succeeded while the lock is held")
	}
	l.Unlock()
	l2, ok, err := TryLockFile(path)
	if !ok || err != nil {
		t.Fatalf("lock not free after Unlock (ok=%v, err=%v)", ok, err)
	}
	l2.Unlock()
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s mode = %o, want %o", path, got, want)
	}
}

func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temp file left behind: %s", e.Name())
		}
	}
}

// Issue 11 item 15: a FIFO is refused before any blocking read.
func TestReadFileLimitedRefusesFIFO(t *testing.T) {
	p := filepath.Join(t.TempDir(), "token")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skip(err)
	}
	done := make(chan error, 1)
	go func() { _, err := ReadFileLimited(p, 1024); done <- err }()
	if err := <-done; !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "FIFO") {
		t.Fatalf("got %v", err)
	}
}

// TestWriteSweepsStaleTemps (issue 23 item 9): a temp file left by a
// writer killed mid-write (it may be a full copy of auth.json) is removed
// by the next write once it is over a minute old; a fresh one (a live
// writer's) is left alone.
func TestWriteSweepsStaleTemps(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "auth.json")
	stale := filepath.Join(dir, ".auth.json.tmp-111")
	fresh := filepath.Join(dir, ".auth.json.tmp-222")
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte(`{"secret":"x"}`), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * time.Minute)
	os.Chtimes(stale, old, old)
	if err := WriteFileAtomic(path, []byte("{}"), FileMode); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale temp file left: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("a live writer's temp file was removed: %v", err)
	}
}
