//go:build unix

package permission

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 11 items 7, 8: the user's settings.json can allow commands, so it
// is trusted like auth.json: not through a symlink, not in a HERMES_HOME
// others can write.
func TestUserSettingsStrictModes(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	elsewhere := filepath.Join(t.TempDir(), "s.json")
	os.WriteFile(elsewhere, []byte(`{"permissions":{"allow":["bash"]}}`), 0o600)
	path := UserSettingsPath(home)
	os.Symlink(elsewhere, path)
	if _, err := LoadSettings(path, true); err == nil || !strings.Contains(err.Error(), "symlink") {
		t.Fatalf("symlinked settings: err = %v", err)
	}
	os.Remove(path)
	os.WriteFile(path, []byte(`{"permissions":{"allow":["bash"]}}`), 0o600)
	os.Chmod(home, 0o777)
	defer os.Chmod(home, 0o700)
	if _, err := LoadSettings(path, true); err == nil || !strings.Contains(err.Error(), "chmod go-w "+home) {
		t.Fatalf("world-writable HERMES_HOME: err = %v", err)
	}
	os.Chmod(home, 0o700)
	if s, err := LoadSettings(path, true); err != nil || len(s.Permissions.Allow) != 1 {
		t.Fatalf("private settings: %+v, %v", s, err)
	}
}
