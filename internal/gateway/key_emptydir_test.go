//go:build unix

package gateway

import (
	"os"
	"path/filepath"
	"testing"
)

// TestKeyInSharedVolume is the Kubernetes sidecar's layout: the key
// volume is an emptyDir, which the kubelet makes world-writable (0777), so
// the key goes into a directory of its own that hermes creates 0700
// inside it (deploy/kubernetes/sidecar: --key-file=/run/hermes/key/gateway.key).
// The shared directory itself is refused, as every directory others can
// write into is.
func TestKeyInSharedVolume(t *testing.T) {
	t.Parallel()
	vol := t.TempDir()
	if err := os.Chmod(vol, 0o777); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(vol, "key", "gateway.key")
	key, created, err := LoadOrCreateKey(path)
	if err != nil || !created || key == "" {
		t.Fatalf("LoadOrCreateKey in a private subdirectory of a shared volume: created=%v err=%v", created, err)
	}
	again, created, err := LoadOrCreateKey(path)
	if err != nil || created || again != key {
		t.Fatalf("second start: created=%v err=%v same=%v", created, err, again == key)
	}
	if st, err := os.Stat(filepath.Dir(path)); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("key directory: %v %v", st.Mode().Perm(), err)
	}
	if _, _, err := LoadOrCreateKey(filepath.Join(vol, "gateway.key")); err == nil {
		t.Fatal("a key directly in a world-writable directory was accepted")
	}
}
