package cron

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseSchedule(t *testing.T) {
	valid := map[string]time.Time{
		"*/15 * * * *":                    t0.Add(15 * time.Minute),
		"0 10 * * *":                      t0.Add(time.Hour),
		"@hourly":                         t0.Add(time.Hour),
		"@daily":                          time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC),
		"@every 10m":                      t0.Add(10 * time.Minute),
		"CRON_TZ=Europe/Paris 0 11 * * *": t0.Add(time.Hour), // 11:00 CET is 10:00 UTC
	}
	for spec, want := range valid {
		if !strings.HasPrefix(spec, "CRON_TZ=") {
			spec = "CRON_TZ=UTC " + spec // independent of the machine's zone
		}
		s, err := ParseSchedule(spec, t0)
		if err != nil {
			t.Errorf("%q: %v", spec, err)
			continue
		}
		if got := s.Next(t0); !got.Equal(want) {
			t.Errorf("%q: next %s, want %s", spec, got, want)
		}
	}
	invalid := map[string]string{
		"":                               "empty",
		"* * * *":                        "expected exactly 5 fields",
		"* * * * * *":                    "expected exactly 5 fields",
		"61 * * * *":                     "above maximum",
		"@fortnightly":                   "unrecognized descriptor",
		"@every banana":                  "failed to parse duration",
		"@every 10s":                     "shorter than 1m0s",
		"CRON_TZ=Mars/Olympus * * * * *": "bad location",
		"CRON_TZ=UTC":                    "must be followed by a schedule",
		"0 0 30 2 *":                     "never fires",
	}
	for spec, reason := range invalid {
		_, err := ParseSchedule(spec, t0)
		var se *ScheduleError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), reason) || !strings.Contains(err.Error(), "@every DURATION") {
			t.Errorf("%q: error %v, want a ScheduleError with %q and the accepted forms", spec, err, reason)
		}
	}
}

func TestValidateName(t *testing.T) {
	for _, ok := range []string{"daily", "daily-summary_2", "a.b", "X"} {
		if err := ValidateName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".hidden", "../x", "a/b", "with space", strings.Repeat("a", 65), "-flag"} {
		if err := ValidateName(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestStoreAddGetRemove(t *testing.T) {
	ctx := context.Background()
	s := NewStore(t.TempDir())
	j := Job{Name: "a", Schedule: "@hourly", Prompt: "p", Created: t0, Anchor: t0}
	if err := s.Add(ctx, j); err != nil {
		t.Fatal(err)
	}
	if err := s.Add(ctx, j); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate add: %v", err)
	}
	st, err := os.Stat(filepath.Join(s.Dir, "jobs.json"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("jobs.json mode: %v %v", st.Mode(), err)
	}
	if dst, _ := os.Stat(s.Dir); dst.Mode().Perm() != 0o700 {
		t.Errorf("cron dir mode %v", dst.Mode())
	}
	if err := s.SaveRecord(Record{Job: "a", Status: StatusOK, Start: t0}, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	var nf *NotFoundError
	if _, err := s.Get("a"); !errors.As(err, &nf) {
		t.Fatalf("get removed: %v", err)
	}
	if _, err := os.Stat(s.runsDir("a")); !os.IsNotExist(err) {
		t.Errorf("run records survive remove: %v", err)
	}
	if err := s.Remove(ctx, "a"); !errors.As(err, &nf) {
		t.Errorf("remove twice: %v", err)
	}
}

func TestStoreConcurrentWritersKeepEveryJob(t *testing.T) {
	ctx := context.Background()
	s := NewStore(t.TempDir())
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Separate Store values: the lock file, not a mutex, serializes them.
			s2 := &Store{Dir: s.Dir}
			if err := s2.Add(ctx, Job{Name: string(rune('a' + i)), Schedule: "@hourly", Prompt: "p"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	jobs, err := s.List()
	if err != nil || len(jobs) != 8 {
		t.Fatalf("%d jobs, %v", len(jobs), err)
	}
}

func TestStoreCorruptFileReportedNotOverwritten(t *testing.T) {
	s := NewStore(t.TempDir())
	path := filepath.Join(s.Dir, "jobs.json")
	os.MkdirAll(s.Dir, 0o700)
	os.WriteFile(path, []byte(`{"version":1,"jobs":[`), 0o600)
	err := s.Add(context.Background(), Job{Name: "a", Schedule: "@hourly", Prompt: "p"})
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("add to a corrupt file: %v", err)
	}
	if data, _ := os.ReadFile(path); string(data) != `{"version":1,"jobs":[` {
		t.Fatalf("corrupt file overwritten: %q", data)
	}
	os.WriteFile(path, []byte(`{"version":9,"jobs":[]}`), 0o600)
	if _, err := s.List(); err == nil || !strings.Contains(err.Error(), "version 9") {
		t.Fatalf("future version: %v", err)
	}
}

func TestRecordsRetention(t *testing.T) {
	s := NewStore(t.TempDir())
	for i := range 7 {
		// Two records share each start time: names must not collide.
		start := t0.Add(time.Duration(i/2) * time.Second)
		if err := s.SaveRecord(Record{Job: "r", Status: StatusOK, Start: start, Output: string(rune('0' + i))}, 5); err != nil {
			t.Fatal(err)
		}
	}
	recs, err := s.Records("r", 0)
	if err != nil {
		t.Fatal(err)
	}
	var outs string
	for _, r := range recs {
		outs += r.Output
	}
	if outs != "23456" {
		t.Fatalf("kept %q, want the newest five in order", outs)
	}
	if last, _ := s.Records("r", 2); len(last) != 2 || last[1].Output != "6" {
		t.Fatalf("last two: %+v", last)
	}
	files, _ := os.ReadDir(s.runsDir("r"))
	for _, f := range files {
		if info, _ := f.Info(); info.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v", f.Name(), info.Mode())
		}
	}
}

func TestValidateModel(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"", "claude-sonnet-5-5", "claude-opus-4-5@20251101", "anthropic.claude-haiku-4-5-20251001-v1:0"} {
		if err := ValidateModel(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"claude-opus-5-5 --tools", " claude-opus-5-5", "claude\nopus", "claude\x00", strings.Repeat("m", 300)} {
		if err := ValidateModel(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	j := Job{Name: "n", Schedule: "@daily", Prompt: "p", Model: "two words"}
	if err := j.Validate(time.Now()); err == nil || !strings.Contains(err.Error(), "not a model id") {
		t.Errorf("Validate = %v", err)
	}
}
