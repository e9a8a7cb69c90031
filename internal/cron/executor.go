package cron

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/fsutil"
	"github.com/hermes-agent/hermes/internal/secret"
)

// Runner performs one job's work with a resolved runtime and returns the
// text it produced. The real one drives internal/agent.
type Runner interface {
	Run(ctx context.Context, rt *credential.Runtime, job Job) (output string, err error)
}

// RunnerFunc adapts a function to Runner.
type RunnerFunc func(ctx context.Context, rt *credential.Runtime, job Job) (string, error)

func (f RunnerFunc) Run(ctx context.Context, rt *credential.Runtime, job Job) (string, error) {
	return f(ctx, rt, job)
}

// ResolveFunc resolves the credential runtime (cmdutil.Factory.Resolve).
type ResolveFunc func(ctx context.Context) (*credential.Runtime, error)

// Triggers say why a run happened.
const (
	TriggerSchedule = "schedule"
	TriggerManual   = "manual"
)

// Executor runs one job once and records it. `hermes cron run` and the
// daemon both go through Run, so a manual run is exactly a scheduled one.
type Executor struct {
	Store   *Store
	Resolve ResolveFunc
	Runner  Runner
	Clock   Clock
	// Keep is how many records are kept per job (0: DefaultKeep).
	Keep int
}

// RunningError says the job is already running (in this or another
// hermes process), so this run was not started.
type RunningError struct{ Name string }

func (e *RunningError) Error() string {
	return fmt.Sprintf("cron job %q is still running from an earlier start", e.Name)
}

// Run resolves a fresh runtime, runs the job and records the outcome: a
// run record file and the job's last-run summary. The returned error is
// the run's own (resolution or runner, unwrappable so exit codes survive)
// or a failure to record it.
func (e *Executor) Run(ctx context.Context, job Job, trigger string, scheduled time.Time) (Record, error) {
	// The per-job lock makes "already running" hold across processes:
	// `hermes cron run` while the daemon runs the same job.
	lock, ok, err := fsutil.TryLockFile(e.Store.jobLockPath(job.Name))
	if err != nil {
		return Record{}, err
	}
	if !ok {
		return Record{}, &RunningError{Name: job.Name}
	}
	defer lock.Unlock()

	rec := Record{Job: job.Name, Trigger: trigger, Scheduled: scheduled, Start: e.Clock.Now()}
	// The "running" record first: a process killed mid-run leaves it,
	// and the daemon's next start marks it interrupted.
	started := rec
	started.Status = StatusRunning
	path, startErr := e.start(started)
	out, runErr := e.execute(ctx, job, &rec)
	rec.End = e.Clock.Now()
	// Run records and jobs.json are files others may read later (cron
	// logs, support bundles): redacted by the values in play and by shape.
	rec.Output = secret.RedactShapes(out)
	switch {
	case runErr == nil:
		rec.Status = StatusOK
	case ctx.Err() != nil:
		rec.Status = StatusCanceled
		rec.Error = interruptedText(runErr)
	default:
		rec.Status = StatusError
		rec.Error = secret.RedactShapes(runErr.Error())
	}
	if err := e.record(path, rec); err != nil {
		return rec, errors.Join(runErr, startErr, err)
	}
	return rec, runErr
}

// start writes the running record and the job's last run. A failure (a
// full disk) does not stop the run: its outcome is written at the end if
// it can be.
func (e *Executor) start(rec Record) (string, error) {
	path, err := e.Store.StartRecord(rec)
	if err != nil {
		return "", fmt.Errorf("save the running record: %w", err)
	}
	_, err = e.Store.Update(context.Background(), rec.Job, func(j *Job) error {
		j.LastRun = rec.Summary()
		return nil
	})
	var nf *NotFoundError
	if err != nil && !errors.As(err, &nf) {
		return path, fmt.Errorf("save the running record: %w", err)
	}
	return path, nil
}

// interruptedText is what a canceled run's record says: "interrupted"
// when the error is only the cancellation showing through (Go's "context
// canceled", wrapped or flattened), else "interrupted: " and the rest.
func interruptedText(err error) string {
	msg := err.Error()
	if errors.Is(err, context.Canceled) || strings.Contains(msg, context.Canceled.Error()) {
		return "interrupted"
	}
	return "interrupted: " + secret.RedactShapes(msg)
}

func (e *Executor) execute(ctx context.Context, job Job, rec *Record) (string, error) {
	// Never a runtime held from earlier: the resolver is asked per run,
	// and its TokenSource per request.
	rt, err := e.Resolve(ctx)
	if err != nil {
		return "", fmt.Errorf("resolve credential: %w", err)
	}
	rec.Credential = rt.Source
	return e.Runner.Run(ctx, rt, job)
}

func (e *Executor) record(path string, rec Record) error {
	save := func() error { return e.Store.SaveRecord(rec, e.Keep) }
	if path != "" {
		save = func() error { return e.Store.FinishRecord(path, rec, e.Keep) }
	}
	if err := save(); err != nil {
		return fmt.Errorf("save run record: %w", err)
	}
	// A background context: a run canceled by shutdown still gets its
	// status written.
	_, err := e.Store.Update(context.Background(), rec.Job, func(j *Job) error {
		j.LastRun = rec.Summary()
		return nil
	})
	var nf *NotFoundError
	if errors.As(err, &nf) {
		return nil // removed while it ran: nothing left to update
	}
	return err
}
