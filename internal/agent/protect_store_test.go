//go:build unix

package agent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/fsutil"
)

// Issue 11 items 7, 8: sessions are trusted files. A HERMES_HOME or
// sessions/ others can write, a session file others can write, and a
// symlinked session file are refused with the fix; nothing is rewritten.
func TestSessionStoreStrictModes(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	st := NewStore(home)
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := NewConversation(t0)
	if err := st.Save(c, t0); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(st.Dir, c.ID+".json") // the session file
	before, _ := os.ReadFile(p)
	for _, d := range []string{home, st.Dir} {
		os.Chmod(d, 0o777)
		if _, err := st.Load(c.ID); !fsutil.IsNotPrivate(err) || !strings.Contains(err.Error(), "chmod go-w "+d) {
			t.Errorf("world-writable %s: Load err = %v", d, err)
		}
		if _, err := st.List(); !fsutil.IsNotPrivate(err) {
			t.Errorf("world-writable %s: List err = %v", d, err)
		}
		if err := st.Save(c, t0.Add(time.Hour)); !fsutil.IsNotPrivate(err) {
			t.Errorf("world-writable %s: Save err = %v", d, err)
		}
		os.Chmod(d, 0o700)
	}
	os.Chmod(p, 0o622)
	if _, err := st.Load(c.ID); !fsutil.IsNotPrivate(err) || !strings.Contains(err.Error(), "chmod go-w "+p) {
		t.Errorf("group-writable session: Load err = %v", err)
	}
	if err := st.Save(c, t0.Add(time.Hour)); !fsutil.IsNotPrivate(err) {
		t.Errorf("group-writable session: Save err = %v", err)
	}
	os.Chmod(p, 0o600)
	if after, _ := os.ReadFile(p); string(after) != string(before) {
		t.Fatal("a refused session was rewritten")
	}

	elsewhere := filepath.Join(t.TempDir(), "s.json")
	os.Rename(p, elsewhere)
	os.Symlink(elsewhere, p)
	if _, err := st.Load(c.ID); !fsutil.IsNotPrivate(err) || !strings.Contains(err.Error(), "symlink") {
		t.Errorf("symlinked session: Load err = %v", err)
	}
	if err := st.Save(c, t0.Add(time.Hour)); !fsutil.IsNotPrivate(err) {
		t.Errorf("symlinked session: Save err = %v", err)
	}
	if fi, _ := os.Lstat(p); fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the symlink was replaced")
	}
}
