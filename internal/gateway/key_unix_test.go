//go:build unix

package gateway

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hermes-agent/hermes/internal/fsutil"
)

// Issue 11 items 7, 8: gateway.key as a symlink (to any 0600 file), or in
// a directory others can write, is refused and nothing is written.
func TestKeyFileStrictModes(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	target := filepath.Join(t.TempDir(), "some-0600-file")
	os.WriteFile(target, []byte("hgw_someoneELSESkeyXXXXXXXXXXXXXXXX\n"), 0o600)
	path := filepath.Join(home, KeyFileName)
	os.Symlink(target, path)
	if _, _, err := LoadOrCreateKey(path); !fsutil.IsNotPrivate(err) || !strings.Contains(err.Error(), "symlink") {
		t.Fatalf("symlinked key: err = %v", err)
	}
	if st, _ := os.Lstat(path); st.Mode()&os.ModeSymlink == 0 {
		t.Fatal("the symlink was replaced")
	}
	os.Remove(path)

	shared := filepath.Join(t.TempDir(), "shared")
	os.Mkdir(shared, 0o700)
	os.Chmod(shared, 0o777)
	path = filepath.Join(shared, KeyFileName)
	if _, _, err := LoadOrCreateKey(path); !fsutil.IsNotPrivate(err) || !strings.Contains(err.Error(), "chmod go-w "+shared) {
		t.Fatalf("world-writable directory: err = %v", err)
	}
	if _, err := os.Lstat(path); err == nil {
		t.Fatal("a key was created in a world-writable directory")
	}
}
