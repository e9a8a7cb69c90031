//go:build unix

package fsutil_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hermes-agent/hermes/internal/fsutil"
)

// Issue 11 items 7 and 8: a file others can write, or a symlink, is refused
// with an error naming the path and the fix.
func TestReadPrivateFileStrictModes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ok := filepath.Join(dir, "ok.json")
	os.WriteFile(ok, []byte("{}"), 0o600)
	if _, err := fsutil.ReadPrivateFile(ok, 1024); err != nil {
		t.Fatalf("private file: %v", err)
	}
	open := filepath.Join(dir, "open.json")
	os.WriteFile(open, []byte("{}"), 0o600)
	os.Chmod(open, 0o666)
	if _, err := fsutil.ReadPrivateFile(open, 1024); err == nil || !strings.Contains(err.Error(), "chmod go-w "+open) {
		t.Fatalf("world-writable: err = %v", err)
	}
	link := filepath.Join(dir, "link.json")
	os.Symlink(ok, link)
	if _, err := fsutil.ReadPrivateFile(link, 1024); err == nil || !strings.Contains(err.Error(), "symlink") {
		t.Fatalf("symlink: err = %v", err)
	}
	shared := filepath.Join(dir, "shared")
	os.Mkdir(shared, 0o700)
	os.Chmod(shared, 0o777)
	if err := fsutil.CheckPrivateDir(shared); err == nil || !strings.Contains(err.Error(), "chmod go-w "+shared) {
		t.Fatalf("world-writable dir: err = %v", err)
	}
	if err := fsutil.CheckPrivateDir(dir); err != nil {
		t.Fatalf("private dir: %v", err)
	}
}

// Issue 11 item 8: a symlinked lock file is refused and its target is
// never created.
func TestLockFileRefusesSymlink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target := filepath.Join(dir, "elsewhere", "created-by-hermes")
	os.Mkdir(filepath.Dir(target), 0o700)
	lock := filepath.Join(dir, "auth.json.lock")
	if err := os.Symlink(target, lock); err != nil {
		t.Fatal(err)
	}
	_, err := fsutil.LockFile(context.Background(), lock)
	if !fsutil.IsNotPrivate(err) || !strings.Contains(err.Error(), "symlink") || !strings.Contains(err.Error(), lock) {
		t.Fatalf("LockFile on a symlink: err = %v", err)
	}
	if _, _, err := fsutil.TryLockFile(lock); !fsutil.IsNotPrivate(err) {
		t.Fatalf("TryLockFile on a symlink: err = %v", err)
	}
	if _, err := os.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the symlink's target was created (%v)", err)
	}
}

// Issue 11 item 7: a lock file others can write is refused; a private one
// is used.
func TestLockFileRefusesWritableByOthers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	lock := filepath.Join(dir, "x.lock")
	os.WriteFile(lock, nil, 0o600)
	os.Chmod(lock, 0o666)
	if _, err := fsutil.LockFile(context.Background(), lock); !fsutil.IsNotPrivate(err) || !strings.Contains(err.Error(), "chmod go-w "+lock) {
		t.Fatalf("err = %v", err)
	}
	os.Chmod(lock, 0o600)
	l, err := fsutil.LockFile(context.Background(), lock)
	if err != nil {
		t.Fatal(err)
	}
	l.Unlock()
}

// Issue 11 item 7: every directory from the root down to the file is
// checked, also when the file does not exist yet.
func TestReadPrivateFileUnderChecksTheTree(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	wif := filepath.Join(home, "cache", "wif")
	os.MkdirAll(wif, 0o700)
	entry := filepath.Join(wif, "k.json")
	os.WriteFile(entry, []byte("{}"), 0o600)
	if _, err := fsutil.ReadPrivateFileUnder(home, entry, 1024); err != nil {
		t.Fatalf("private tree: %v", err)
	}
	for _, d := range []string{home, filepath.Join(home, "cache"), wif} {
		os.Chmod(d, 0o770)
		_, err := fsutil.ReadPrivateFileUnder(home, entry, 1024)
		if !fsutil.IsNotPrivate(err) || !strings.Contains(err.Error(), "chmod go-w "+d) || !strings.Contains(err.Error(), "group") {
			t.Errorf("group-writable %s: err = %v", d, err)
		}
		_, err = fsutil.ReadPrivateFileUnder(home, filepath.Join(wif, "missing.json"), 1024)
		if !fsutil.IsNotPrivate(err) {
			t.Errorf("group-writable %s, missing file: err = %v, want the refusal", d, err)
		}
		os.Chmod(d, 0o700)
	}
	if _, err := fsutil.ReadPrivateFileUnder(home, filepath.Join(wif, "missing.json"), 1024); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file in a private tree: err = %v", err)
	}
}

// Issue 11 items 7, 8: WritePrivateFile never replaces a symlink or a file
// it would refuse to read; both are left exactly as they were.
func TestWritePrivateFileRefusesAndKeeps(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	target := filepath.Join(t.TempDir(), "real.json")
	os.WriteFile(target, []byte("precious"), 0o600)
	link := filepath.Join(home, "auth.json")
	os.Symlink(target, link)
	err := fsutil.WritePrivateFile(home, link, []byte("new"))
	if !fsutil.IsNotPrivate(err) || !strings.Contains(err.Error(), "mv "+target+" "+link) {
		t.Fatalf("symlink: err = %v", err)
	}
	if st, _ := os.Lstat(link); st.Mode()&os.ModeSymlink == 0 {
		t.Error("the symlink was replaced")
	}
	if b, _ := os.ReadFile(target); string(b) != "precious" {
		t.Errorf("target = %q", b)
	}
	open := filepath.Join(home, "open.json")
	os.WriteFile(open, []byte("precious"), 0o600)
	os.Chmod(open, 0o646)
	if err := fsutil.WritePrivateFile(home, open, []byte("new")); !fsutil.IsNotPrivate(err) {
		t.Fatalf("world-writable: err = %v", err)
	}
	if b, _ := os.ReadFile(open); string(b) != "precious" {
		t.Errorf("refused file rewritten: %q", b)
	}
	ok := filepath.Join(home, "sub", "ok.json")
	if err := fsutil.WritePrivateFile(home, ok, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if b, err := fsutil.ReadPrivateFileUnder(home, ok, 100); string(b) != "new" || err != nil {
		t.Fatalf("read back %q, %v", b, err)
	}
}
