//go:build unix

package fsutil_test

import (
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
