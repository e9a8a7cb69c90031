//go:build unix

package cron

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hermes-agent/hermes/internal/fsutil"
)

// Issue 11 items 7, 8: cron/jobs.json runs prompts with the user's
// credential, so a planted one is refused: a HERMES_HOME or cron/ others
// can write, a jobs.json others can write or that is a symlink. Nothing
// refused is rewritten.
func TestCronStoreStrictModes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	home := t.TempDir()
	s := NewStore(home)
	if err := s.Add(ctx, Job{Name: "a", Schedule: "@hourly", Prompt: "p", Created: t0, Anchor: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveRecord(Record{Job: "a", Status: StatusOK, Start: t0}, 0); err != nil {
		t.Fatal(err)
	}
	jobs := s.jobsPath()
	before, _ := os.ReadFile(jobs)
	for _, p := range []string{home, s.Dir, jobs} {
		os.Chmod(p, 0o777)
		if _, err := s.Get("a"); !fsutil.IsNotPrivate(err) || !strings.Contains(err.Error(), "chmod go-w "+p) {
			t.Errorf("world-writable %s: Get err = %v", p, err)
		}
		if err := s.Add(ctx, Job{Name: "b", Schedule: "@hourly", Prompt: "p", Created: t0, Anchor: t0}); !fsutil.IsNotPrivate(err) {
			t.Errorf("world-writable %s: Add err = %v", p, err)
		}
		if p != jobs {
			if _, err := s.Records("a", 0); !fsutil.IsNotPrivate(err) {
				t.Errorf("world-writable %s: Records err = %v", p, err)
			}
		}
		os.Chmod(p, 0o700)
		os.Chmod(jobs, 0o600)
	}
	if after, _ := os.ReadFile(jobs); string(after) != string(before) {
		t.Fatal("a refused jobs.json was rewritten")
	}
	elsewhere := filepath.Join(t.TempDir(), "jobs.json")
	os.Rename(jobs, elsewhere)
	os.Symlink(elsewhere, jobs)
	if _, err := s.Get("a"); !fsutil.IsNotPrivate(err) || !strings.Contains(err.Error(), "symlink") {
		t.Errorf("symlinked jobs.json: Get err = %v", err)
	}
}

// A canceled run's record says "interrupted", not Go's "context canceled"
// (issue 15 item 14), and keeps any other cause.
func TestInterruptedText(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		err  error
		want string
	}{
		{context.Canceled, "interrupted"},
		{fmt.Errorf("calling the Anthropic API: %w", context.Canceled), "interrupted"},
		{errors.New(`Post "http://x/v1/messages": context canceled`), "interrupted"},
		{errors.New("the API answered 500"), "interrupted: the API answered 500"},
	} {
		if got := interruptedText(c.err); got != c.want {
			t.Errorf("interruptedText(%q) = %q, want %q", c.err, got, c.want)
		}
	}
}
