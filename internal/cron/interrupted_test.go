package cron

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/fsutil"
)

// The wall clock stepped back an hour since the last run: the job's
// anchor is in the future. It runs on its schedule from now, not an hour
// plus the period later.
func TestDaemonRunsOnScheduleAfterClockStepsBack(t *testing.T) {
	var runs atomic.Int32
	h := newHarness(t, staticResolve, RunnerFunc(func(context.Context, *credential.Runtime, Job) (string, error) {
		runs.Add(1)
		return "", nil
	}))
	h.addJob("s", "@every 10m")
	if _, err := h.store.Update(context.Background(), "s", func(j *Job) error {
		j.Anchor = t0.Add(time.Hour) // last run by the clock before the step
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	h.start()
	h.step(t0.Add(10 * time.Minute))
	if r := h.next(); r.Status != StatusOK {
		t.Fatalf("run after the step: %+v", r)
	}
	h.step(t0.Add(20 * time.Minute))
	h.next()
	if n := runs.Load(); n != 2 {
		t.Fatalf("%d runs, want 2", n)
	}
}

// A run's record exists, "running", while it runs.
func TestRunningRecordWrittenBeforeTheRun(t *testing.T) {
	store := NewStore(t.TempDir())
	clock := newFakeClock(t0)
	if err := store.Add(context.Background(), Job{Name: "r", Schedule: "@every 1h", Prompt: "p", Created: t0, Anchor: t0}); err != nil {
		t.Fatal(err)
	}
	var seen []Record
	var seenJob *RunSummary
	e := &Executor{Store: store, Resolve: staticResolve, Clock: clock, Runner: RunnerFunc(func(context.Context, *credential.Runtime, Job) (string, error) {
		seen, _ = store.Records("r", 0)
		j, _ := store.Get("r")
		seenJob = j.LastRun
		return "done", nil
	})}
	if _, err := e.Run(context.Background(), Job{Name: "r", Schedule: "@every 1h", Prompt: "p"}, TriggerManual, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0].Status != StatusRunning {
		t.Fatalf("records during the run: %+v, want one running", seen)
	}
	if seenJob == nil || seenJob.Status != StatusRunning {
		t.Fatalf("last run during the run: %+v, want running", seenJob)
	}
	recs, _ := store.Records("r", 0)
	if len(recs) != 1 || recs[0].Status != StatusOK || recs[0].Output != "done" {
		t.Fatalf("records after the run: %+v, want the one record, ok", recs)
	}
}

// A "running" record whose job lock is free (its process died) is marked
// interrupted; one whose run is live (lock held by `cron run`) is not.
func TestMarkInterruptedLeavesLiveRunsAlone(t *testing.T) {
	store := NewStore(t.TempDir())
	for _, name := range []string{"dead", "live"} {
		if err := store.Add(context.Background(), Job{Name: name, Schedule: "@every 1h", Prompt: "p", Created: t0, Anchor: t0}); err != nil {
			t.Fatal(err)
		}
		if _, err := store.StartRecord(Record{Job: name, Status: StatusRunning, Trigger: TriggerManual, Start: t0}); err != nil {
			t.Fatal(err)
		}
	}
	lock, ok, err := fsutil.TryLockFile(store.jobLockPath("live"))
	if !ok || err != nil {
		t.Fatal(ok, err)
	}
	defer lock.Unlock()
	marked, err := store.MarkInterrupted(context.Background(), t0.Add(time.Hour))
	if err != nil || len(marked) != 1 || marked[0].Job != "dead" {
		t.Fatalf("marked %+v, %v; want only dead", marked, err)
	}
	if r, _ := store.Records("dead", 0); r[0].Status != StatusInterrupted || !strings.Contains(r[0].Error, "stopped before the run ended") {
		t.Fatalf("dead: %+v", r)
	}
	if r, _ := store.Records("live", 0); r[0].Status != StatusRunning {
		t.Fatalf("live: %+v", r)
	}
}

// One corrupt record does not hide the others; it is named in a note.
func TestReadRecordsSkipsCorrupt(t *testing.T) {
	store := NewStore(t.TempDir())
	for i := range 3 {
		if err := store.SaveRecord(Record{Job: "c", Status: StatusOK, Start: t0.Add(time.Duration(i) * time.Minute)}, 0); err != nil {
			t.Fatal(err)
		}
	}
	names, _ := recordFiles(store.runsDir("c"))
	bad := filepath.Join(store.runsDir("c"), names[1])
	if err := os.WriteFile(bad, []byte(`{"job": "c", "output": "SECRET-ish`), 0o600); err != nil {
		t.Fatal(err)
	}
	recs, skipped, err := store.ReadRecords("c", 0)
	if err != nil || len(recs) != 2 || len(skipped) != 1 || !strings.Contains(skipped[0], bad) || strings.Contains(skipped[0], "SECRET") {
		t.Fatalf("recs %d, skipped %q, err %v", len(recs), skipped, err)
	}
}
