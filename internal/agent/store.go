package agent

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

var validID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// CheckID refuses ids that are not plain file names, so an id from the
// command line can never address a file outside the sessions directory.
func CheckID(id string) error {
	if !validID.MatchString(id) || strings.Contains(id, "..") {
		return fmt.Errorf("invalid session id %q: use the id shown by `hermes chat --list-sessions`", id)
	}
	return nil
}

func (s *Store) path(id string) string { return filepath.Join(s.Dir, id+".json") }

// Save writes c atomically, stamping its Updated time with now.
func (s *Store) Save(c *Conversation, now time.Time) error {
	if err := CheckID(c.ID); err != nil {
		return err
	}
	c.Updated = now.UTC()
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("encode session %s: %w", c.ID, err)
	}
	if err := fsutil.EnsureDir(s.Dir); err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(s.path(c.ID), append(data, '\n'), fsutil.FileMode)
}

// Load reads the session id. A corrupt file is reported with its path and
// left alone.
func (s *Store) Load(id string) (*Conversation, error) {
	if err := CheckID(id); err != nil {
		return nil, err
	}
	p := s.path(id)
	data, err := fsutil.ReadFileLimited(p, maxSessionBytes)
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
