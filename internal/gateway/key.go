package gateway

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hermes-agent/hermes/internal/fsutil"
)

// KeyPrefix marks gateway keys so secret.Mask recognises them.
const KeyPrefix = "hgw_"

// KeyFileName is the gateway key's file under HERMES_HOME.
const KeyFileName = "gateway.key"

// NewKey returns a fresh gateway key: 32 random bytes, base64url.
func NewKey() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate gateway key: %w", err)
	}
	return KeyPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// LoadOrCreateKey reads the key in path, or creates it (0600, atomically,
// under a lock so two gateways starting together agree on one key).
// created reports whether this call wrote it. The key file and its
// directory are trusted like auth.json (fsutil.ReadPrivateFile): a
// symlink, a file or directory another user owns or can write is refused
// and left alone, as is a key others can read.
func LoadOrCreateKey(path string) (key string, created bool, err error) {
	if key, err := readKey(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, false, err
	}
	lock, err := fsutil.LockFile(context.Background(), path+".lock")
	if err != nil {
		return "", false, err
	}
	defer lock.Unlock()
	if key, err := readKey(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, false, err
	}
	key, err = NewKey()
	if err != nil {
		return "", false, err
	}
	if err := fsutil.WritePrivateFile(filepath.Dir(path), path, []byte(key+"\n")); err != nil {
		return "", false, err
	}
	return key, true, nil
}

func readKey(path string) (string, error) {
	data, err := fsutil.ReadPrivateFile(path, 4096)
	if err != nil {
		return "", err
	}
	// A key others can read is a key others can use. (Checked after the
	// read, which refused a symlink: this Lstat sees the file read.)
	if info, err := os.Lstat(path); err != nil {
		return "", err
	} else if info.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("gateway key file %s is readable by other users (mode %v): run chmod 600 %s", path, info.Mode().Perm(), filepath.Clean(path))
	}
	key := strings.TrimSpace(string(data))
	if len(key) < 16 || strings.ContainsAny(key, " \t\r\n") {
		return "", fmt.Errorf("gateway key file %s does not hold a usable key (one line, at least 16 characters); delete it to have a new one generated", path)
	}
	return key, nil
}
