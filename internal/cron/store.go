package cron

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/hermes-agent/hermes/internal/fsutil"
)

// fileVersion is the jobs.json format version.
const fileVersion = 1

// maxJobsFile bounds how much of jobs.json is read.
const maxJobsFile = 8 << 20

// Store is HERMES_HOME/cron: jobs.json (read-modify-write under
// jobs.json.lock, atomic replace) and the runs/ directory.
type Store struct {
	// Dir is HERMES_HOME/cron.
	Dir string
}

// NewStore returns the store under home (HERMES_HOME).
func NewStore(home string) *Store { return &Store{Dir: filepath.Join(home, "cron")} }

func (s *Store) jobsPath() string { return filepath.Join(s.Dir, "jobs.json") }
func (s *Store) lockPath() string { return s.jobsPath() + ".lock" }

// jobLockPath is held while the job runs, by whichever process runs it.
func (s *Store) jobLockPath(job string) string { return filepath.Join(s.Dir, "locks", job+".lock") }

// home is HERMES_HOME, the root of the directories checked before a read.
func (s *Store) home() string { return filepath.Dir(s.Dir) }

type jobsFile struct {
	Version int   `json:"version"`
	Jobs    []Job `json:"jobs"`
}

// NotFoundError is returned for a job name that is not stored.
type NotFoundError struct{ Name string }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("no cron job named %q (see 'hermes cron list')", e.Name)
}

// ErrExists is returned by Add when the name is taken.
var ErrExists = errors.New("a cron job with this name already exists")

// List returns the jobs sorted by name. Writes are atomic renames, so a
// reader needs no lock.
func (s *Store) List() ([]Job, error) {
	f, err := s.read()
	if err != nil {
		return nil, err
	}
	return f.Jobs, nil
}

// Get returns one job.
func (s *Store) Get(name string) (Job, error) {
	jobs, err := s.List()
	if err != nil {
		return Job{}, err
	}
	for _, j := range jobs {
		if j.Name == name {
			return j, nil
		}
	}
	return Job{}, &NotFoundError{Name: name}
}

// Add stores a new job; the name must be free.
func (s *Store) Add(ctx context.Context, job Job) error {
	return s.modify(ctx, func(f *jobsFile) error {
		for _, j := range f.Jobs {
			if j.Name == job.Name {
				return fmt.Errorf("%w: %q (remove it first, or pick another name)", ErrExists, job.Name)
			}
		}
		f.Jobs = append(f.Jobs, job)
		return nil
	})
}

// Update applies fn to the named job under the lock and stores the result.
func (s *Store) Update(ctx context.Context, name string, fn func(*Job) error) (Job, error) {
	var out Job
	err := s.modify(ctx, func(f *jobsFile) error {
		for i := range f.Jobs {
			if f.Jobs[i].Name == name {
				if err := fn(&f.Jobs[i]); err != nil {
					return err
				}
				out = f.Jobs[i]
				return nil
			}
		}
		return &NotFoundError{Name: name}
	})
	return out, err
}

// Remove deletes the job and its run records.
func (s *Store) Remove(ctx context.Context, name string) error {
	err := s.modify(ctx, func(f *jobsFile) error {
		for i, j := range f.Jobs {
			if j.Name == name {
				f.Jobs = append(f.Jobs[:i], f.Jobs[i+1:]...)
				return nil
			}
		}
		return &NotFoundError{Name: name}
	})
	if err != nil {
		return err
	}
	if err := os.RemoveAll(s.runsDir(name)); err != nil {
		return fmt.Errorf("job %q removed, but its run records were not: %w", name, err)
	}
	return nil
}

// modify is the read-modify-write cycle: lock, read (a corrupt file is an
// error, never replaced), apply fn, write atomically.
func (s *Store) modify(ctx context.Context, fn func(*jobsFile) error) error {
	lock, err := fsutil.LockFile(ctx, s.lockPath())
	if err != nil {
		return err
	}
	defer lock.Unlock()
	f, err := s.read()
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		return err
	}
	sort.Slice(f.Jobs, func(i, k int) bool { return f.Jobs[i].Name < f.Jobs[k].Name })
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return fsutil.WritePrivateFile(s.home(), s.jobsPath(), append(data, '\n'))
}

func (s *Store) read() (*jobsFile, error) {
	path := s.jobsPath()
	// Like auth.json: not in a directory or a file others can write,
	// never through a symlink (a planted job would run with our credential).
	data, err := fsutil.ReadPrivateFileUnder(s.home(), path, maxJobsFile)
	if errors.Is(err, os.ErrNotExist) {
		return &jobsFile{Version: fileVersion}, nil
	}
	if fsutil.IsNotPrivate(err) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("read cron jobs %s: %w", path, err)
	}
	var f jobsFile
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("cron jobs file %s is corrupt (%v); fix or move it away, hermes will not overwrite it", path, err)
	}
	if f.Version != fileVersion {
		return nil, fmt.Errorf("cron jobs file %s has version %d, this hermes understands %d; it was left untouched", path, f.Version, fileVersion)
	}
	return &f, nil
}
