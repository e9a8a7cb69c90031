package cron

import (
	"context"
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
	path, err := s.StartRecord(r)
	if err != nil {
		return err
	}
	return s.FinishRecord(path, r, keep)
}

// StartRecord writes r (a run about to start, StatusRunning) as a new
// record file and returns its path, for FinishRecord to overwrite with
// the outcome. A run whose process dies keeps the "running" record, which
// the daemon's next start marks interrupted (MarkInterrupted).
func (s *Store) StartRecord(r Record) (string, error) {
	if err := ValidateName(r.Job); err != nil {
		return "", err
	}
	dir := s.runsDir(r.Job)
	if err := fsutil.EnsureDir(dir); err != nil {
		return "", err
	}
	path := s.freeRecordPath(dir, r.Start)
	return path, s.writeRecord(path, r)
}

// FinishRecord replaces the record at path with r and deletes the oldest
// records beyond keep (keep <= 0: DefaultKeep).
func (s *Store) FinishRecord(path string, r Record, keep int) error {
	if err := s.writeRecord(path, r); err != nil {
		return err
	}
	return s.prune(filepath.Dir(path), keep)
}

func (s *Store) writeRecord(path string, r Record) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return fsutil.WritePrivateFile(s.home(), path, append(data, '\n'))
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
// first (n <= 0: all kept), leaving out corrupt ones (see ReadRecords).
func (s *Store) Records(job string, n int) ([]Record, error) {
	recs, _, err := s.ReadRecords(job, n)
	return recs, err
}

// ReadRecords is Records that also says what it left out: a corrupt
// record is skipped (it counts towards n) and described in skipped, so
// one bad file does not hide every other run; err is for what stops
// reading altogether.
func (s *Store) ReadRecords(job string, n int) (recs []Record, skipped []string, err error) {
	if err := ValidateName(job); err != nil {
		return nil, nil, err
	}
	dir := s.runsDir(job)
	names, err := recordFiles(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("read run records of %q: %w", job, err)
	}
	if n > 0 && len(names) > n {
		names = names[len(names)-n:]
	}
	out := make([]Record, 0, len(names))
	for _, name := range names {
		path := filepath.Join(dir, name)
		r, err := s.readRecord(path)
		var bad *corruptRecordError
		if errors.As(err, &bad) {
			skipped = append(skipped, bad.Error())
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		out = append(out, r)
	}
	return out, skipped, nil
}

type corruptRecordError struct {
	path string
	err  error
}

func (e *corruptRecordError) Error() string {
	return fmt.Sprintf("run record %s is corrupt (%v); skipped it (move it away to stop this note)", e.path, describeJSON(e.err))
}

func (s *Store) readRecord(path string) (Record, error) {
	data, err := fsutil.ReadPrivateFileUnder(s.home(), path, maxRecordFile)
	if err != nil {
		return Record{}, err
	}
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return Record{}, &corruptRecordError{path: path, err: err}
	}
	return r, nil
}

// describeJSON keeps a JSON error's position and drops any quoted
// content (a corrupt record may hold part of a job's output).
func describeJSON(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %q has the wrong type", te.Field)
	}
	return "invalid JSON"
}

// MarkInterrupted finds the run records still "running" whose run is not
// (no process holds the job's lock: it died without writing the outcome)
// and marks them interrupted, in the record and in the job's last run.
// It returns the records it marked.
func (s *Store) MarkInterrupted(ctx context.Context, found time.Time) ([]Record, error) {
	jobs, err := s.List()
	if err != nil {
		return nil, err
	}
	var marked []Record
	var errs []error
	for _, job := range jobs {
		recs, err := s.markInterrupted(ctx, job.Name, found)
		marked = append(marked, recs...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return marked, errors.Join(errs...)
}

func (s *Store) markInterrupted(ctx context.Context, job string, found time.Time) ([]Record, error) {
	dir := s.runsDir(job)
	names, err := recordFiles(dir)
	if err != nil {
		return nil, err
	}
	var running []string
	for _, name := range names {
		if r, err := s.readRecord(filepath.Join(dir, name)); err == nil && r.Status == StatusRunning {
			running = append(running, name)
		}
	}
	if len(running) == 0 {
		return nil, nil
	}
	// A run in progress (`hermes cron run` in another process) holds the
	// job's lock: its record is really running.
	lock, ok, err := fsutil.TryLockFile(s.jobLockPath(job))
	if err != nil || !ok {
		return nil, err
	}
	defer lock.Unlock()
	var marked []Record
	for _, name := range running {
		path := filepath.Join(dir, name)
		r, err := s.readRecord(path)
		if err != nil || r.Status != StatusRunning {
			continue
		}
		r.Status = StatusInterrupted
		r.End = r.Start // unknown: the process died without saying
		r.Error = "interrupted: the hermes process running it stopped before the run ended (killed, crashed or shut down); found at " + found.UTC().Format(time.RFC3339)
		if err := s.writeRecord(path, r); err != nil {
			return marked, err
		}
		marked = append(marked, r)
		_, err = s.Update(ctx, job, func(j *Job) error {
			if j.LastRun != nil && j.LastRun.Start.Equal(r.Start) {
				j.LastRun = r.Summary()
			}
			return nil
		})
		var nf *NotFoundError
		if err != nil && !errors.As(err, &nf) {
			return marked, err
		}
	}
	return marked, nil
}
