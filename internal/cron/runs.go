package cron

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/hermes-agent/hermes/internal/fsutil"
)

// DefaultKeep is how many run records are kept per job.
const DefaultKeep = 50

// maxRecordFile bounds how much of one run record is read.
const maxRecordFile = 16 << 20

// Record is one run of a job, kept as cron/runs/<job>/<start>.json.
type Record struct {
	Job     string `json:"job"`
	Status  string `json:"status"`
	Trigger string `json:"trigger"` // "schedule" or "manual"
	// Scheduled is the time the run was due (zero for manual runs).
	Scheduled time.Time `json:"scheduled,omitzero"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	// Credential names the credential source that won (never a secret).
	Credential string `json:"credential,omitempty"`
	Error      string `json:"error,omitempty"`
	Output     string `json:"output,omitempty"`
}

// Summary is the record's outcome for jobs.json.
func (r Record) Summary() *RunSummary {
	return &RunSummary{Start: r.Start, End: r.End, Status: r.Status, Error: r.Error}
}

func (s *Store) runsDir(job string) string { return filepath.Join(s.Dir, "runs", job) }

// recordStamp sorts lexically in time order.
const recordStamp = "20060102T150405.000000000Z"

// SaveRecord writes r as a new file and deletes the oldest records beyond
// keep (keep <= 0: DefaultKeep).
func (s *Store) SaveRecord(r Record, keep int) error {
	if err := ValidateName(r.Job); err != nil {
		return err
	}
	dir := s.runsDir(r.Job)
	if err := fsutil.EnsureDir(dir); err != nil {
		return err
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := fsutil.WritePrivateFile(s.home(), s.freeRecordPath(dir, r.Start), append(data, '\n')); err != nil {
		return err
	}
	return s.prune(dir, keep)
}

// freeRecordPath names the record after its start time; two runs that
// start in the same nanosecond (a fake clock) get _01, _02…, which still
// sort after the first.
func (s *Store) freeRecordPath(dir string, start time.Time) string {
	base := start.UTC().Format(recordStamp)
	path := filepath.Join(dir, base+".json")
	for i := 1; ; i++ {
		if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
			return path
		}
		path = filepath.Join(dir, fmt.Sprintf("%s_%02d.json", base, i))
	}
}

func recordFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if n := e.Name(); e.Type().IsRegular() && strings.HasSuffix(n, ".json") && !strings.HasPrefix(n, ".") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names, nil
}

func (s *Store) prune(dir string, keep int) error {
	if keep <= 0 {
		keep = DefaultKeep
	}
	names, err := recordFiles(dir)
	if err != nil {
		return err
	}
	for len(names) > keep {
		if err := os.Remove(filepath.Join(dir, names[0])); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("prune run records: %w", err)
		}
		names = names[1:]
	}
	return nil
}

// Records returns up to n of the job's most recent run records, oldest
// first (n <= 0: all kept).
func (s *Store) Records(job string, n int) ([]Record, error) {
	if err := ValidateName(job); err != nil {
		return nil, err
	}
	dir := s.runsDir(job)
	names, err := recordFiles(dir)
	if err != nil {
		return nil, fmt.Errorf("read run records of %q: %w", job, err)
	}
	if n > 0 && len(names) > n {
		names = names[len(names)-n:]
	}
	out := make([]Record, 0, len(names))
	for _, name := range names {
		path := filepath.Join(dir, name)
		data, err := fsutil.ReadPrivateFileUnder(s.home(), path, maxRecordFile)
		if err != nil {
			return nil, err
		}
		var r Record
		if err := json.Unmarshal(data, &r); err != nil {
			return nil, fmt.Errorf("run record %s is corrupt: %v", path, err)
		}
		out = append(out, r)
	}
	return out, nil
}
