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
// created reports whether this call wrote it.
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
	if err := fsutil.WriteFileAtomic(path, []byte(key+"\n"), fsutil.FileMode); err != nil {
		return "", false, err
	}
	return key, true, nil
}

func readKey(path string) (string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	// A key others can read is a key others can use.
	if info.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("gateway key file %s is readable by other users (mode %v): run chmod 600 %s", path, info.Mode().Perm(), filepath.Clean(path))
	}
	data, err := fsutil.ReadFileLimited(path, 4096)
	if err != nil {
		return "", err
	}
	key := strings.TrimSpace(string(data))
	if len(key) < 16 || strings.ContainsAny(key, " \t\r\n") {
		return "", fmt.Errorf("gateway key file %s does not hold a usable key (one line, at least 16 characters); delete it to have a new one generated", path)
	}
	return key, nil
}
