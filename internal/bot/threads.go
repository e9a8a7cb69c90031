package bot

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sync"

	"github.com/hermes-agent/hermes/internal/fsutil"
)

// Threads maps chat threads to their agent sessions, kept in
// HERMES_HOME/bot/threads.json so a restarted bot goes on with the same
// session.
type Threads struct {
	home string
	path string

	mu sync.Mutex
	m  map[string]string
}

// maxThreadsFile bounds threads.json.
const maxThreadsFile = 16 << 20

// StateDir is the bot's own directory under HERMES_HOME.
func StateDir(home string) string { return filepath.Join(home, "bot") }

// OpenThreads reads the map, empty when there is none yet.
func OpenThreads(home string) (*Threads, error) {
	t := &Threads{home: home, path: filepath.Join(StateDir(home), "threads.json"), m: map[string]string{}}
	data, err := fsutil.ReadPrivateFileUnder(home, t.path, maxThreadsFile)
	if errors.Is(err, fs.ErrNotExist) {
		return t, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &t.m); err != nil {
		return nil, fmt.Errorf("%s: %w (move it away to start every chat afresh)", t.path, err)
	}
	return t, nil
}

// Get is the thread's session id, "" when it has none.
func (t *Threads) Get(thread string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.m[thread]
}

// Set records the thread's session; id "" forgets it (/new).
func (t *Threads) Set(thread, id string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m[thread] == id {
		return nil
	}
	if id == "" {
		delete(t.m, thread)
	} else {
		t.m[thread] = id
	}
	data, err := json.MarshalIndent(t.m, "", "  ")
	if err != nil {
		return err
	}
	if err := fsutil.EnsureDir(StateDir(t.home)); err != nil {
		return err
	}
	return fsutil.WritePrivateFile(t.home, t.path, append(data, '\n'))
}
