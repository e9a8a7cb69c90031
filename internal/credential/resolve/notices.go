package resolve

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/hermes-agent/hermes/internal/fsutil"
)

// noticesFile, under HERMES_HOME, remembers which shadowed-variable notices
// were already given: one SHA-256 (hex) per line of the notice and the
// shadowed values, never a value itself.
const noticesFile = "notices"

// maxNotices caps the file: the oldest hashes go first.
const maxNotices = 256

// shadowFingerprint hashes the notice with the values that make it: a new
// value in the same variable (a rotated key, another rule) is news again.
func shadowFingerprint(line string, shadowed []*candidate) string {
	h := sha256.New()
	h.Write([]byte(line))
	for _, c := range shadowed {
		h.Write([]byte{0})
		h.Write([]byte(c.name))
		h.Write([]byte{0})
		h.Write([]byte(c.secret))
		if c.wif != nil {
			h.Write([]byte{0})
			h.Write([]byte(c.wif.Key()))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// noticeSeen reports whether the notice with this fingerprint was given
// before under HERMES_HOME, and records it if not. No HERMES_HOME, or a file
// hermes cannot read or write: treat it as news (saying it twice is better
// than never).
func (r *Resolver) noticeSeen(fp string) bool {
	if r.Home == "" {
		return false
	}
	path := filepath.Join(r.Home, noticesFile)
	data, err := fsutil.ReadFileLimited(path, 64*1024)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false
	}
	var lines []string
	for _, l := range strings.Split(string(bytes.TrimSpace(data)), "\n") {
		if l == fp {
			return true
		}
		if l != "" {
			lines = append(lines, l)
		}
	}
	lines = append(lines, fp)
	if len(lines) > maxNotices {
		lines = lines[len(lines)-maxNotices:]
	}
	if fsutil.EnsureDir(r.Home) == nil {
		_ = fsutil.WriteFileAtomic(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600)
	}
	return false
}
