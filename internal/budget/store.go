package budget

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/hermes-agent/hermes/internal/fsutil"
)

// Spend is what a client spent in one window.
type Spend struct {
	Tokens  int64 `json:"tokens"`
	NanoUSD int64 `json:"nano_usd"`
}

// USD is the spend in dollars.
func (s Spend) USD() float64 { return float64(s.NanoUSD) / 1e9 }

// Key names one counter: a client in one window of a period.
type Key struct {
	Client string
	Period Period
	Start  time.Time // the window's start (UTC)
}

func (k Key) end() time.Time { _, end := k.Period.Window(k.Start); return end }

// Store keeps the counters. Add must be atomic per key: replicas add
// concurrently.
type Store interface {
	// Get returns the spend under each key (zero when none).
	Get(ctx context.Context, keys []Key) ([]Spend, error)
	// Add adds s under every key; a key lives until its window ends.
	Add(ctx context.Context, keys []Key, s Spend) error
	// List returns every client's spend in the window of period starting at start.
	List(ctx context.Context, period Period, start time.Time) (map[string]Spend, error)
	// Ping says whether the store is reachable now.
	Ping(ctx context.Context) error
	// Describe names the store for messages, never with a password.
	Describe() string
	Close() error
}

// FileStore keeps counters in memory and writes them, after each change,
// to a 0600 file under HERMES_HOME, so a restarted gateway keeps the
// window's spend. It serves one process: replicas share a RedisStore.
type FileStore struct {
	home, path string
	now        func() time.Time

	mu sync.Mutex
	m  map[string]fileEntry
}

type fileEntry struct {
	Client string    `json:"client"`
	Period Period    `json:"period"`
	Start  time.Time `json:"start"`
	Spend
}

func fileKey(k Key) string {
	return string(k.Period) + "\x00" + strconv.FormatInt(k.Start.Unix(), 10) + "\x00" + k.Client
}

// FileName is the file under HERMES_HOME a FileStore uses.
const FileName = "gateway-budget.json"

// maxStateFile bounds the state file read at start.
const maxStateFile = 64 << 20

// OpenFileStore loads HOME/gateway-budget.json (a missing file is an empty
// store; one hermes does not trust is an error naming it).
func OpenFileStore(home string, now func() time.Time) (*FileStore, error) {
	if now == nil {
		now = time.Now
	}
	s := &FileStore{home: home, path: home + string(os.PathSeparator) + FileName, now: now, m: map[string]fileEntry{}}
	data, err := fsutil.ReadPrivateFileUnder(home, s.path, maxStateFile)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return s, nil
	case err != nil:
		return nil, fmt.Errorf("budget state: %w", err)
	}
	var entries []fileEntry
	if err := json.Unmarshal(data, &entries); err != nil {
		return nil, fmt.Errorf("budget state %s is not valid JSON (%v): move it away to start the windows from zero", s.path, err)
	}
	for _, e := range entries {
		s.m[fileKey(Key{Client: e.Client, Period: e.Period, Start: e.Start})] = e
	}
	return s, nil
}

func (s *FileStore) Get(_ context.Context, keys []Key) ([]Spend, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Spend, len(keys))
	for i, k := range keys {
		out[i] = s.m[fileKey(k)].Spend
	}
	return out, nil
}

func (s *FileStore) Add(_ context.Context, keys []Key, add Spend) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		e := s.m[fileKey(k)]
		e.Client, e.Period, e.Start = k.Client, k.Period, k.Start.UTC()
		e.Tokens += add.Tokens
		e.NanoUSD += add.NanoUSD
		s.m[fileKey(k)] = e
	}
	return s.save()
}

// save writes the windows not yet over; call it with mu held.
func (s *FileStore) save() error {
	now := s.now()
	entries := make([]fileEntry, 0, len(s.m))
	for k, e := range s.m {
		if !now.Before((Key{Period: e.Period, Start: e.Start}).end()) {
			delete(s.m, k)
			continue
		}
		entries = append(entries, e)
	}
	sort.Slice(entries, func(i, j int) bool { return fileKey(entryKey(entries[i])) < fileKey(entryKey(entries[j])) })
	data, err := json.MarshalIndent(entries, "", "  ")
	if err != nil {
		return err
	}
	if err := fsutil.EnsureDir(s.home); err != nil {
		return err
	}
	return fsutil.WritePrivateFile(s.home, s.path, data)
}

func entryKey(e fileEntry) Key { return Key{Client: e.Client, Period: e.Period, Start: e.Start} }

func (s *FileStore) List(_ context.Context, period Period, start time.Time) (map[string]Spend, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]Spend{}
	for _, e := range s.m {
		if e.Period == period && e.Start.Equal(start) {
			out[e.Client] = e.Spend
		}
	}
	return out, nil
}

func (s *FileStore) Ping(context.Context) error { return nil }
func (s *FileStore) Describe() string           { return s.path }
func (s *FileStore) Close() error               { return nil }
