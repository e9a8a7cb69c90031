//go:build unix

package authstore_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hermes-agent/hermes/internal/authstore"
	"github.com/hermes-agent/hermes/internal/fsutil"
)

func putKey(home, key string) error {
	return authstore.Open(home).Update(context.Background(), func(f *authstore.File) error {
		_, err := f.AddEntry(authstore.Entry{AuthType: authstore.AuthTypeAPIKey, APIKey: key, Source: "flag"})
		return err
	})
}

// Issue 11 item 8: auth.json as a symlink is refused by Load and Update;
// the link and its target stay exactly as they were.
func TestSymlinkedAuthJSONIsRefusedAndKept(t *testing.T) {
	t.Parallel()
	home, elsewhere := t.TempDir(), t.TempDir()
	if err := putKey(elsewhere, "sk-ant-api03-ELSEWHEREelsewhereELSEWHERE"); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(elsewhere, authstore.FileName)
	before, _ := os.ReadFile(target)
	link := filepath.Join(home, authstore.FileName)
	os.Symlink(target, link)
	s := authstore.Open(home)
	if _, err := s.Load(); !fsutil.IsNotPrivate(err) || !strings.Contains(err.Error(), "symlink") || !strings.Contains(err.Error(), link) {
		t.Fatalf("Load: err = %v", err)
	}
	if err := putKey(home, "sk-ant-api03-NEWnewNEWnewNEWnewNEWnewNEW"); !fsutil.IsNotPrivate(err) {
		t.Fatalf("Update: err = %v", err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced (%v)", err)
	}
	if after, _ := os.ReadFile(target); string(after) != string(before) {
		t.Fatalf("the target changed:\n%s", after)
	}
}

// Issue 11 item 8: an auth.json.lock symlink is refused and its target is
// not created.
func TestSymlinkedLockIsRefused(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	target := filepath.Join(t.TempDir(), "planted")
	os.Symlink(target, filepath.Join(home, authstore.FileName+".lock"))
	if err := putKey(home, "sk-ant-api03-NEWnewNEWnewNEWnewNEWnewNEW"); !fsutil.IsNotPrivate(err) || !strings.Contains(err.Error(), "symlink") {
		t.Fatalf("Update: err = %v", err)
	}
	if _, err := os.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the lock's target was created (%v)", err)
	}
	if _, err := os.Stat(filepath.Join(home, authstore.FileName)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("auth.json was written without the lock")
	}
}

// Issue 11 item 7: a HERMES_HOME or auth.json others can write is refused,
// with the chmod that fixes it, and nothing is written.
func TestWritableByOthersIsRefused(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	if err := putKey(home, "sk-ant-api03-OLDoldOLDoldOLDoldOLDoldOLD"); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(home, authstore.FileName)
	before, _ := os.ReadFile(p)
	for _, c := range []struct {
		path string
		mode os.FileMode
	}{{home, 0o777}, {home, 0o770}, {p, 0o620}, {p, 0o606}} {
		os.Chmod(c.path, c.mode)
		if _, err := authstore.Open(home).Load(); !fsutil.IsNotPrivate(err) || !strings.Contains(err.Error(), "chmod go-w "+c.path) {
			t.Errorf("%s mode %o: Load err = %v", c.path, c.mode, err)
		}
		if err := putKey(home, "sk-ant-api03-NEWnewNEWnewNEWnewNEWnewNEW"); !fsutil.IsNotPrivate(err) {
			t.Errorf("%s mode %o: Update err = %v", c.path, c.mode, err)
		}
		os.Chmod(home, 0o700)
		os.Chmod(p, 0o600)
	}
	if after, _ := os.ReadFile(p); string(after) != string(before) {
		t.Fatal("a refused auth.json was rewritten")
	}
	if _, err := authstore.Open(home).Load(); err != nil {
		t.Fatalf("after the chmod: %v", err)
	}
}

// The warning about a readable auth.json names the file and the fix.
func TestReadableWarning(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	s := authstore.Open(home)
	if w := s.ReadableWarning(); w != "" {
		t.Fatalf("missing file: %q", w)
	}
	if err := putKey(home, "sk-ant-api03-OLDoldOLDoldOLDoldOLDoldOLD"); err != nil {
		t.Fatal(err)
	}
	if w := s.ReadableWarning(); w != "" {
		t.Fatalf("0600: %q", w)
	}
	os.Chmod(s.Path(), 0o644)
	if w := s.ReadableWarning(); !strings.Contains(w, "0644") || !strings.Contains(w, "chmod 600 "+s.Path()) || strings.Contains(w, "\n") {
		t.Fatalf("0644: %q", w)
	}
}
