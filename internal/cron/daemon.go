package cron

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/hermes-agent/hermes/internal/fsutil"
)

// Daemon defaults.
const (
	DefaultParallel = 4
	DefaultGrace    = 30 * time.Second
	// DefaultPoll caps how long the daemon waits before re-reading
	// jobs.json, so jobs added, paused or resumed by other hermes
	// processes are noticed.
	DefaultPoll = time.Minute
)

// DaemonRunningError says another daemon holds this HERMES_HOME.
type DaemonRunningError struct{ Lock string }

func (e *DaemonRunningError) Error() string {
	return fmt.Sprintf("another hermes cron daemon is running for this HERMES_HOME (lock %s held)", e.Lock)
}

// Daemon runs due jobs until its context ends.
type Daemon struct {
	Exec *Executor
	// Parallel bounds concurrent runs (0: DefaultParallel).
	Parallel int
	// Grace is how long shutdown waits for running jobs before canceling
	// them (0: DefaultGrace; NoGrace: cancel them at once).
	Grace time.Duration
	// Poll caps each wait (0: DefaultPoll).
	Poll   time.Duration
	Logger *slog.Logger
	// OnRecord, if set, is called after each run or skip is recorded.
	OnRecord func(Record)
	// Force, once closed, cuts shutdown's grace period short: running
	// jobs are canceled at once, as if Grace had run out. It acts only
	// after Run's context has ended (closing it earlier makes the coming
	// shutdown immediate). The caller wires it to a second stop signal,
	// so when Force is set the shutdown log tells the user to send the
	// signal again. Nil: shutdown always waits out Grace.
	Force <-chan struct{}

	mu      sync.Mutex
	running map[string]bool
	// active counts runs past their last stopping check: the ones
	// shutdown waits for. Guarded by mu, like the close of stopping.
	active int
	wg     sync.WaitGroup
	sem    chan struct{}
	// stopping is closed when shutdown begins: a run still waiting for a
	// slot then never starts.
	stopping chan struct{}
}

// NoGrace as Daemon.Grace cancels running jobs as soon as shutdown begins.
const NoGrace time.Duration = -1

// LockPath is the file that makes the daemon one per HERMES_HOME.
func (d *Daemon) LockPath() string { return filepath.Join(d.Exec.Store.Dir, "daemon.lock") }

// Run holds the daemon lock and runs due jobs until ctx ends, then lets
// running jobs finish (canceling them after Grace) and returns nil.
func (d *Daemon) Run(ctx context.Context) error {
	lock, ok, err := fsutil.TryLockFile(d.LockPath())
	if err != nil {
		return err
	}
	if !ok {
		return &DaemonRunningError{Lock: d.LockPath()}
	}
	defer lock.Unlock()
	d.init()
	d.markInterrupted(ctx)

	// Runs outlive ctx by up to Grace: shutdown lets them finish.
	runCtx, cancelRuns := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRuns()
	d.log().Info("cron daemon started", "dir", d.Exec.Store.Dir, "parallel", cap(d.sem))
	for {
		next := d.tick(runCtx)
		wake, stop := d.Exec.Clock.Until(next)
		select {
		case <-wake:
		case <-ctx.Done():
			stop()
			d.shutdown(cancelRuns)
			return nil
		}
	}
}

// markInterrupted marks the runs a killed daemon (or `cron run`) left
// "running" as interrupted, so cron logs and cron list tell what happened.
func (d *Daemon) markInterrupted(ctx context.Context) {
	marked, err := d.Exec.Store.MarkInterrupted(ctx, d.Exec.Clock.Now())
	for _, r := range marked {
		d.log().Warn("cron run interrupted: its process stopped before the run ended", "job", r.Job, "start", r.Start)
	}
	if err != nil {
		d.log().Error("cannot mark interrupted cron runs", "err", err)
	}
}

func (d *Daemon) init() {
	d.running = map[string]bool{}
	n := d.Parallel
	if n <= 0 {
		n = DefaultParallel
	}
	d.sem = make(chan struct{}, n)
	d.stopping = make(chan struct{})
}

func (d *Daemon) log() *slog.Logger {
	if d.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return d.Logger
}

// tick starts every due job and returns when to look again.
func (d *Daemon) tick(runCtx context.Context) time.Time {
	now := d.Exec.Clock.Now()
	poll := d.Poll
	if poll <= 0 {
		poll = DefaultPoll
	}
	next := now.Add(poll)
	jobs, err := d.Exec.Store.List()
	if err != nil {
		// A corrupt jobs file is reported, and looked at again later:
		// the user may fix it without restarting the daemon.
		d.log().Error("cannot read cron jobs", "err", err)
		return next
	}
	for _, job := range jobs {
		if job.Paused {
			continue
		}
		sched, err := ParseSchedule(job.Schedule, now)
		if err != nil {
			d.log().Error("cron job has an invalid schedule; not run", "job", job.Name, "err", err)
			continue
		}
		if job.Anchor.After(now) {
			job.Anchor = d.reanchor(runCtx, job, now)
		}
		due := sched.Next(job.Anchor)
		if !due.After(now) {
			d.fire(runCtx, job, sched, due, now)
			due = sched.Next(now)
		}
		if due.Before(next) {
			next = due
		}
	}
	return next
}

// anchorNotAfter is the job's anchor, or now when the anchor lies in the
// future: the wall clock stepped back since the last run (NTP, a VM
// restored from a snapshot). Counting from the future anchor would stall
// the job for the size of the step; counting from now keeps it on
// schedule.
func anchorNotAfter(anchor, now time.Time) time.Time {
	if anchor.After(now) {
		return now
	}
	return anchor
}

// reanchor stores now as the anchor of a job whose anchor is in the
// future (see anchorNotAfter), so the schedule counts from now from here
// on, and returns the anchor to use.
func (d *Daemon) reanchor(ctx context.Context, job Job, now time.Time) time.Time {
	d.log().Warn("cron job's last run is in the future (the clock stepped back); scheduling from now", "job", job.Name, "anchor", job.Anchor)
	_, err := d.Exec.Store.Update(ctx, job.Name, func(j *Job) error {
		if j.Anchor.After(now) {
			j.Anchor = now
		}
		return nil
	})
	if err != nil {
		d.log().Error("cannot store the cron job's new anchor", "job", job.Name, "err", err)
	}
	return now
}

// fire moves the job's anchor past now and starts it, or records a skip
// when its previous run is still going.
func (d *Daemon) fire(runCtx context.Context, job Job, sched Schedule, due, now time.Time) {
	// On time, the anchor is the due time (no drift for @every); after
	// several missed times, it is now, so they collapse into this one run.
	anchor := due
	if !sched.Next(due).After(now) {
		anchor = now
	}
	updated, err := d.Exec.Store.Update(runCtx, job.Name, func(j *Job) error {
		j.Anchor = anchor
		return nil
	})
	if err != nil {
		// Without a stored anchor it would fire again on every look.
		d.log().Error("cannot record cron job as started; not run", "job", job.Name, "err", err)
		return
	}
	job = updated
	d.mu.Lock()
	busy := d.running[job.Name]
	if !busy {
		d.running[job.Name] = true
	}
	d.mu.Unlock()
	if busy {
		d.skip(job, due, now)
		return
	}
	d.wg.Add(1)
	go d.run(runCtx, job, due)
}

func (d *Daemon) run(runCtx context.Context, job Job, due time.Time) {
	defer d.wg.Done()
	defer func() {
		d.mu.Lock()
		delete(d.running, job.Name)
		d.mu.Unlock()
	}()
	select {
	case d.sem <- struct{}{}:
		defer func() { <-d.sem }()
	case <-d.stopping:
		d.notStarted(job, due)
		return
	}
	// Shutdown lets running jobs finish; it does not start queued ones
	// in the slots they free.
	if !d.begin() {
		d.notStarted(job, due)
		return
	}
	defer d.end()
	d.log().Info("cron job started", "job", job.Name, "due", due)
	rec, err := d.Exec.Run(runCtx, job, TriggerSchedule, due)
	var running *RunningError
	switch {
	case errors.As(err, &running):
		// Another process (`hermes cron run`) has it.
		d.skip(job, due, d.Exec.Clock.Now())
		return
	case err != nil && rec.Status == StatusCanceled:
		// Shutdown's doing, not the job's fault.
		d.log().Warn("cron job canceled", "job", job.Name, "err", err)
	case err != nil:
		d.log().Error("cron job failed", "job", job.Name, "status", rec.Status, "err", err)
	default:
		d.log().Info("cron job finished", "job", job.Name, "status", rec.Status, "took", rec.End.Sub(rec.Start))
	}
	if rec.Status != "" && d.OnRecord != nil {
		d.OnRecord(rec)
	}
}

// begin counts a run as active unless shutdown has begun. The check and
// the count share mu with shutdown's close of stopping, so shutdown's
// count of running jobs is exact.
func (d *Daemon) begin() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	select {
	case <-d.stopping:
		return false
	default:
		d.active++
		return true
	}
}

func (d *Daemon) end() {
	d.mu.Lock()
	d.active--
	d.mu.Unlock()
}

func (d *Daemon) skip(job Job, due, now time.Time) {
	d.log().Warn("cron job skipped: still running from its previous start", "job", job.Name, "due", due)
	d.recordUnstarted(Record{Job: job.Name, Status: StatusSkipped, Trigger: TriggerSchedule, Scheduled: due, Start: now, End: now,
		Error: "skipped: the previous run was still running"})
}

// notStarted records a due run that was waiting for a slot when the daemon
// began to stop: its anchor has moved on, so without a record the run
// would vanish without a trace.
func (d *Daemon) notStarted(job Job, due time.Time) {
	d.log().Warn("cron job not started: the daemon is stopping", "job", job.Name, "due", due)
	now := d.Exec.Clock.Now()
	d.recordUnstarted(Record{Job: job.Name, Status: StatusCanceled, Trigger: TriggerSchedule, Scheduled: due, Start: now, End: now,
		Error: "canceled: the daemon stopped before the run could start"})
}

// recordUnstarted saves the record of a run that never started. The
// job's last run stays what it was: nothing ran.
func (d *Daemon) recordUnstarted(rec Record) {
	if err := d.Exec.Store.SaveRecord(rec, d.Exec.Keep); err != nil {
		d.log().Error("cannot record cron run", "job", rec.Job, "status", rec.Status, "err", err)
	}
	if d.OnRecord != nil {
		d.OnRecord(rec)
	}
}

// shutdown waits for running jobs, canceling them once Grace has passed
// or Force is closed.
func (d *Daemon) shutdown(cancelRuns context.CancelFunc) {
	d.mu.Lock()
	close(d.stopping)
	active := d.active
	d.mu.Unlock()
	done := make(chan struct{})
	go func() { d.wg.Wait(); close(done) }()
	defer d.log().Info("cron daemon stopped")
	if active == 0 {
		// Only runs that will never start remain: they record that and end.
		<-done
		return
	}
	grace := d.Grace
	if grace < 0 {
		d.log().Warn("cron daemon stopping: canceling running jobs (no grace period)")
		cancelRuns()
		<-done
		return
	}
	if grace == 0 {
		grace = DefaultGrace
	}
	msg := fmt.Sprintf("cron daemon stopping: waiting up to %s for %d running job(s)", grace, active)
	if d.Force != nil {
		msg += "; send the signal again to stop now"
	}
	d.log().Info(msg, "grace", grace, "running", active)
	expired, stop := d.Exec.Clock.Until(d.Exec.Clock.Now().Add(grace))
	defer stop()
	select {
	case <-done:
	case <-expired:
		d.log().Warn("cron daemon stopping: grace period over, canceling running jobs")
		cancelRuns()
		<-done
	case <-d.Force:
		d.log().Warn("cron daemon stopping now: canceling running jobs")
		cancelRuns()
		<-done
	}
}
