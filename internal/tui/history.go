package tui

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hermes-agent/hermes/internal/fsutil"
	"github.com/hermes-agent/hermes/internal/secret"
)

// MaxHistory is how many prompts the history file keeps (the newest).
const MaxHistory = 500

// maxHistoryFile bounds what is read back, so a damaged file cannot
// exhaust memory.
const maxHistoryFile = 4 << 20

// History is the prompt history shared by interactive chats:
// $HERMES_HOME/history, one JSON string per line (prompts can span lines),
// 0600, the newest MaxHistory entries. A prompt the secret redaction would
// mask is never written: a key or JWT by its shape, and any value in play
// in this process by its value (the resolved credential, whatever its
// shape: see secret.Remember). Entries written earlier that hold a value
// now in play are dropped when the file is next written, and never
// recalled.
type History struct {
	path    string
	entries []string
}

// OpenHistory reads the history at path; a missing file is an empty
// history, and an unreadable one too (history is a convenience: it never
// stops a chat).
func OpenHistory(path string) *History {
	h := &History{path: path}
	data, err := fsutil.ReadFileLimited(path, maxHistoryFile)
	if err == nil {
		h.entries = withoutSecrets(parseHistory(data))
	}
	return h
}

func parseHistory(data []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), maxHistoryFile)
	for sc.Scan() {
		var s string
		if json.Unmarshal(sc.Bytes(), &s) == nil && s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Entries returns the prompts, oldest first.
func (h *History) Entries() []string { return h.entries }

// Add records a prompt in memory and on disk, unless it is blank, repeats
// the last one, or holds something the secret redaction would mask. It
// merges with what other chats wrote meanwhile, under a lock.
func (h *History) Add(prompt string) error {
	if strings.TrimSpace(prompt) == "" || Sensitive(prompt) {
		return nil
	}
	if n := len(h.entries); n > 0 && h.entries[n-1] == prompt {
		return nil
	}
	h.entries = capHistory(append(withoutSecrets(h.entries), prompt))
	if h.path == "" {
		return nil
	}
	if err := fsutil.EnsureDir(filepath.Dir(h.path)); err != nil {
		return err
	}
	lock, err := fsutil.LockFile(context.Background(), h.path+".lock")
	if err != nil {
		return err
	}
	defer lock.Unlock()
	var onDisk []string
	data, err := fsutil.ReadFileLimited(h.path, maxHistoryFile)
	switch {
	case err == nil:
		onDisk = parseHistory(data)
	case !errors.Is(err, fs.ErrNotExist):
		// Unreadable: start again rather than lose the new prompt.
	}
	// Redact by value before persisting: an older entry may hold a value
	// that is in play only now (a key typed before it was stored).
	onDisk = withoutSecrets(onDisk)
	if n := len(onDisk); n == 0 || onDisk[n-1] != prompt {
		onDisk = append(onDisk, prompt)
	}
	onDisk = capHistory(onDisk)
	var buf bytes.Buffer
	for _, e := range onDisk {
		b, _ := json.Marshal(e)
		buf.Write(b)
		buf.WriteByte('\n')
	}
	return fsutil.WriteFileAtomic(h.path, buf.Bytes(), 0o600)
}

func capHistory(e []string) []string {
	if len(e) > MaxHistory {
		e = append([]string(nil), e[len(e)-MaxHistory:]...)
	}
	return e
}

// Sensitive reports whether s holds text the secret redaction masks: a
// value in play (secret.Remember) or an Anthropic-key-, gateway-key- or
// JWT-shaped string. Such prompts stay out of the history file.
func Sensitive(s string) bool {
	return secret.RedactShapes(s) != s
}

// withoutSecrets returns the entries that are not Sensitive.
func withoutSecrets(entries []string) []string {
	return slices.DeleteFunc(slices.Clone(entries), Sensitive)
}
