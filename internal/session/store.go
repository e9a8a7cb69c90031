package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hermes-agent/hermes/internal/fsutil"
)

// maxSessionBytes bounds what Load reads: a session is text we wrote.
const maxSessionBytes = 64 << 20

// Store keeps conversations in one file per session, HERMES_HOME/sessions/<id>.json,
// each written atomically with mode 0600.
type Store struct{ Dir string }

// NewStore returns the session store under home (HERMES_HOME).
func NewStore(home string) *Store { return &Store{Dir: filepath.Join(home, "sessions")} }

// ErrNoSession is wrapped by Load when the session does not exist.
var ErrNoSession = errors.New("no such session")

var validID = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`) })

// CheckID refuses ids that are not plain file names, so an id from the
// command line can never address a file outside the sessions directory.
func CheckID(id string) error {
	if !validID().MatchString(id) || strings.Contains(id, "..") {
		return fmt.Errorf("invalid session id %q: use the id shown by `hermes chat --list-sessions`", id)
	}
	return nil
}

func (s *Store) path(id string) string { return filepath.Join(s.Dir, id+".json") }

// ErrSessionInUse is wrapped by Lock and Open when another process holds
// the session.
var ErrSessionInUse = errors.New("is open in another hermes process")

// Lock takes the session's lock, sessions/<id>.lock, without waiting: one
// process at a time uses a session, so two chats resuming it cannot
// overwrite each other's turns (the last save would win). Hold it for as
// long as the session is in use.
func (s *Store) Lock(id string) (*SessionLock, error) {
	if err := CheckID(id); err != nil {
		return nil, err
	}
	lk, ok, err := fsutil.TryLockFile(filepath.Join(s.Dir, id+".lock"))
	if err != nil {
		return nil, fmt.Errorf("lock session %s: %w", id, err)
	}
	if !ok {
		return nil, fmt.Errorf("session %s %w: finish that chat first, or start a new session", id, ErrSessionInUse)
	}
	return &SessionLock{lk: lk, store: s, id: id}, nil
}

// SessionLock is a held session lock.
type SessionLock struct {
	lk    *fsutil.Lock
	store *Store
	id    string
}

// Unlock releases the session. The lock file of a saved session stays:
// removing it would let two processes lock different files. A session
// that was never saved leaves nothing behind; no other process can be
// after its lock, since Open and List only find saved sessions.
func (l *SessionLock) Unlock() error {
	if _, err := os.Stat(l.store.path(l.id)); errors.Is(err, fs.ErrNotExist) {
		os.Remove(filepath.Join(l.store.Dir, l.id+".lock"))
	}
	return l.lk.Unlock()
}

// Open locks the session id and then loads it, so what it returns is the
// last save and nobody else will write it while the lock is held. The
// caller unlocks.
func (s *Store) Open(id string) (*Conversation, *SessionLock, error) {
	if err := CheckID(id); err != nil {
		return nil, nil, err
	}
	// A missing session is reported by Load without leaving a lock file behind.
	if _, err := os.Stat(s.path(id)); errors.Is(err, fs.ErrNotExist) {
		_, err := s.Load(id)
		return nil, nil, err
	}
	lk, err := s.Lock(id)
	if err != nil {
		return nil, nil, err
	}
	c, err := s.Load(id)
	if err != nil {
		lk.Unlock()
		return nil, nil, err
	}
	return c, lk, nil
}

// Save writes c atomically, stamping its Updated time with now.
func (s *Store) Save(c *Conversation, now time.Time) error {
	if err := CheckID(c.ID); err != nil {
		return err
	}
	c.Updated = now.UTC()
	if err := s.saveArchives(c); err != nil {
		return err
	}
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("encode session %s: %w", c.ID, err)
	}
	if err := fsutil.EnsureDir(s.Dir); err != nil {
		return err
	}
	return fsutil.WritePrivateFile(filepath.Dir(s.Dir), s.path(c.ID), append(data, '\n'))
}

// Load reads the session id. A corrupt file is reported with its path and
// left alone.
func (s *Store) Load(id string) (*Conversation, error) {
	if err := CheckID(id); err != nil {
		return nil, err
	}
	p := s.path(id)
	// HERMES_HOME, sessions/ and the file must be private (StrictModes):
	// a planted session would put words in the model's mouth.
	data, err := fsutil.ReadPrivateFileUnder(filepath.Dir(s.Dir), p, maxSessionBytes)
	if fsutil.IsNotPrivate(err) {
		return nil, err
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w %q in %s (list them with `hermes chat --list-sessions`)", ErrNoSession, id, s.Dir)
	}
	if err != nil {
		return nil, fmt.Errorf("read session: %w", err)
	}
	var c Conversation
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("session file %s is corrupt (%v); move it away to start over", p, err)
	}
	if c.ID != id {
		return nil, fmt.Errorf("session file %s holds session %q, not %q", p, c.ID, id)
	}
	return &c, nil
}

// SessionInfo is one row of List.
type SessionInfo struct {
	ID       string    `json:"id"`
	Model    string    `json:"model,omitempty"`
	Updated  time.Time `json:"updated"`
	Messages int       `json:"messages"`
	Title    string    `json:"title"`
	// Err is set when the file could not be read; it is listed, not hidden.
	Err string `json:"error,omitempty"`
}

// List returns every session, most recently updated first.
func (s *Store) List() ([]SessionInfo, error) {
	if err := fsutil.CheckPrivateTree(filepath.Dir(s.Dir), s.Dir); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(s.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	var out []SessionInfo
	for _, e := range entries {
		name := e.Name()
		id, ok := strings.CutSuffix(name, ".json")
		if !ok || e.IsDir() || strings.HasPrefix(name, ".") || CheckID(id) != nil {
			continue
		}
		c, err := s.Load(id)
		if err != nil {
			info, _ := e.Info()
			si := SessionInfo{ID: id, Err: err.Error()}
			if info != nil {
				si.Updated = info.ModTime()
			}
			out = append(out, si)
			continue
		}
		out = append(out, SessionInfo{ID: c.ID, Model: c.Model, Updated: c.Updated, Messages: len(c.Messages), Title: c.Title()})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Updated.After(out[j].Updated) })
	return out, nil
}

// saveArchives writes the messages compactions replaced since the last
// save to side files, one JSON message per line, named in the session's
// Compactions: nothing the user saw is lost.
func (s *Store) saveArchives(c *Conversation) error {
	if len(c.Archived) == 0 {
		return nil
	}
	if err := fsutil.EnsureDir(s.Dir); err != nil {
		return err
	}
	first := len(c.Compactions) - len(c.Archived)
	for i, msgs := range c.Archived {
		n := first + i
		if n < 0 {
			continue
		}
		name := fmt.Sprintf("%s.compacted-%d.jsonl", c.ID, n+1)
		var b []byte
		for _, m := range msgs {
			line, err := json.Marshal(m)
			if err != nil {
				return fmt.Errorf("encode compacted turns of session %s: %w", c.ID, err)
			}
			b = append(append(b, line...), '\n')
		}
		if err := fsutil.WritePrivateFile(filepath.Dir(s.Dir), filepath.Join(s.Dir, name), b); err != nil {
			return err
		}
		c.Compactions[n].Archive = name
	}
	c.Archived = nil
	return nil
}
