package fsutil

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// When neither the file nor its recovery path can be replaced, the data
// that reached the temp file (a rotated refresh token, say) is kept there
// and named, never removed.
func TestCommitKeepsTheTempFileWhenBothRenamesFail(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "auth.json")
	// A non-empty directory at the recovery path: renaming onto it fails.
	if err := os.MkdirAll(filepath.Join(RecoveryPath(path), "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	w := &Writer{BeforeRename: func(string) error { return errors.New("injected: rename refused") }}
	r, err := w.Reserve(path, 64, FileMode)
	if err != nil {
		t.Fatal(err)
	}
	err = r.Commit([]byte(`{"rotated":"pair"}`))
	var rec *RecoveredError
	if !errors.As(err, &rec) {
		t.Fatalf("Commit = %v, want a *RecoveredError", err)
	}
	data, rerr := os.ReadFile(rec.Recovered)
	if rerr != nil || string(data) != `{"rotated":"pair"}` {
		t.Fatalf("kept %s: %q, %v; want the new contents", rec.Recovered, data, rerr)
	}
	if !strings.Contains(err.Error(), rec.Recovered) {
		t.Errorf("error %q does not say where the contents are", err)
	}
}
