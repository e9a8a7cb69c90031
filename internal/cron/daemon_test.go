package cron

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/fsutil"
	"github.com/hermes-agent/hermes/internal/iostreams"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// messagesRunner does what the agent does at the wire level: one POST
// /v1/messages through the runtime's client, so the credential headers the
// stand-in sees are the transport's real ones.
type messagesRunner struct{}

func (messagesRunner) Run(ctx context.Context, rt *credential.Runtime, job Job) (string, error) {
	body, _ := json.Marshal(map[string]any{
		"model":      "claude-sonnet-5-5",
		"max_tokens": 64,
		"messages":   []map[string]any{{"role": "user", "content": job.Prompt}},
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rt.BaseURL+"/v1/messages", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("anthropic-version", "2023-06-01")
	resp, err := rt.HTTPClient().Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("messages: HTTP %d", resp.StatusCode)
	}
	var msg struct {
		Content []struct {
			Text string `json:"text"`
		} `json:"content"`
	}
	if err := json.Unmarshal(data, &msg); err != nil {
		return "", err
	}
	var sb strings.Builder
	for _, c := range msg.Content {
		sb.WriteString(c.Text)
	}
	return sb.String(), nil
}

// harness runs a Daemon on a fake clock and hands the test each record.
type harness struct {
	t       *testing.T
	clock   *fakeClock
	store   *Store
	daemon  *Daemon
	records chan Record
	cancel  context.CancelFunc
	done    chan struct{} // closed when Run returns, with its error in err
	err     error
	logs    *iostreams.SyncBuffer
}

func newHarness(t *testing.T, resolve ResolveFunc, runner Runner) *harness {
	t.Helper()
	clock := newFakeClock(t0)
	store := NewStore(t.TempDir())
	h := &harness{t: t, clock: clock, store: store, records: make(chan Record, 16), logs: &iostreams.SyncBuffer{}}
	h.daemon = &Daemon{
		Exec:     &Executor{Store: store, Resolve: resolve, Runner: runner, Clock: clock},
		Parallel: 2,
		Grace:    time.Minute,
		Poll:     24 * time.Hour,
		Logger:   slog.New(slog.NewTextHandler(h.logs, nil)),
		OnRecord: func(r Record) { h.records <- r },
	}
	return h
}

func (h *harness) addJob(name, schedule string) {
	h.t.Helper()
	j := Job{Name: name, Schedule: schedule, Prompt: "summarize " + name, Created: h.clock.Now(), Anchor: h.clock.Now()}
	if err := j.Validate(h.clock.Now()); err != nil {
		h.t.Fatal(err)
	}
	if err := h.store.Add(context.Background(), j); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) start() {
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.done = make(chan struct{})
	go func() { h.err = h.daemon.Run(ctx); close(h.done) }()
	h.t.Cleanup(func() {
		cancel()
		<-h.done
	})
}

// step waits for the daemon to be asleep, checks when it will wake, and
// moves the clock to that time.
func (h *harness) step(wantWake time.Time) {
	h.t.Helper()
	if got := h.clock.BlockUntilWaiting(); !got.Equal(wantWake) {
		h.t.Fatalf("daemon sleeps until %s, want %s", got, wantWake)
	}
	h.clock.Set(wantWake)
}

// next returns the next record. The timeout only turns a hang into a
// failure; nothing here depends on how long anything takes.
func (h *harness) next() Record {
	h.t.Helper()
	select {
	case r := <-h.records:
		return r
	case <-h.done:
		h.t.Fatalf("daemon stopped early: %v", h.err)
	case <-time.After(30 * time.Second):
		h.t.Fatalf("no run record; daemon log:\n%s", h.logs.String())
	}
	return Record{}
}

func (h *harness) stop() error {
	h.t.Helper()
	h.cancel()
	<-h.done
	return h.err
}

// rotatingSource stands in for the WIF token source until the real
// resolver is used: it "exchanges" (mints a new token) only when the
// current one has expired by the fake clock.
type rotatingSource struct {
	clock     Clock
	ttl       time.Duration
	mu        sync.Mutex
	cur       credential.Token
	exchanges int
}

func (s *rotatingSource) Token(context.Context) (credential.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	if s.cur.Value == "" || !now.Before(s.cur.Expiry) {
		s.exchanges++
		s.cur = credential.Token{Value: fmt.Sprintf("sk-ant-oat01-token%02d-0123456789", s.exchanges), Expiry: now.Add(s.ttl)}
	}
	return s.cur, nil
}

// bearerServer records the Authorization header of each /v1/messages call.
func bearerServer(t *testing.T) (url string, auths func() []string) {
	var mu sync.Mutex
	var seen []string
	srv := newLoopbackServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization")+"|"+r.Header.Get("x-api-key")+"|"+r.Header.Get("anthropic-beta"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"type":"message","role":"assistant","content":[{"type":"text","text":"all quiet"}]}`)
	}))
	return srv, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

func TestDaemonFiresOnScheduleAcrossTokenExpiry(t *testing.T) {
	url, auths := bearerServer(t)
	var resolves atomic.Int32
	var src *rotatingSource
	resolve := func(context.Context) (*credential.Runtime, error) {
		resolves.Add(1)
		return &credential.Runtime{BaseURL: url, Mode: credential.ModeBearer, Kind: credential.KindWIF, Source: "test", Tokens: src}, nil
	}
	h := newHarness(t, resolve, messagesRunner{})
	src = &rotatingSource{clock: h.clock, ttl: 15 * time.Minute}
	h.addJob("summary", "@every 10m")
	h.start()

	for i := 1; i <= 3; i++ {
		h.step(t0.Add(time.Duration(i) * 10 * time.Minute))
		r := h.next()
		if r.Status != StatusOK || r.Output != "all quiet" || r.Trigger != TriggerSchedule {
			t.Fatalf("run %d: %+v", i, r)
		}
		if want := t0.Add(time.Duration(i) * 10 * time.Minute); !r.Scheduled.Equal(want) {
			t.Errorf("run %d scheduled %s, want %s", i, r.Scheduled, want)
		}
	}
	h.clock.BlockUntilWaiting()
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if n := resolves.Load(); n != 3 {
		t.Errorf("resolved %d times, want once per run (3)", n)
	}
	// Runs at +10m and +20m share the first token (15m life); +30m needs a new one.
	if src.exchanges != 2 {
		t.Errorf("%d exchanges, want 2", src.exchanges)
	}
	got := auths()
	if len(got) != 3 {
		t.Fatalf("%d API calls, want 3", len(got))
	}
	for i, a := range got {
		if !strings.HasPrefix(a, "Bearer sk-ant-oat01-") || !strings.Contains(a, "|"+"|") || !strings.Contains(a, credential.OAuthBeta) {
			t.Errorf("call %d headers %q: want bearer, no x-api-key, oauth beta", i, a)
		}
	}
	if got[1] != got[0] || got[2] == got[1] {
		t.Errorf("token reuse wrong: %q", got)
	}
	recs, err := h.store.Records("summary", 0)
	if err != nil || len(recs) != 3 {
		t.Fatalf("records: %d, %v", len(recs), err)
	}
	job, _ := h.store.Get("summary")
	if job.LastRun == nil || job.LastRun.Status != StatusOK || !job.Anchor.Equal(t0.Add(30*time.Minute)) {
		t.Errorf("job state after runs: %+v", job)
	}
}

func TestDaemonRecordsFailureAndKeepsGoing(t *testing.T) {
	url, _ := bearerServer(t)
	var calls atomic.Int32
	resolve := func(context.Context) (*credential.Runtime, error) {
		if calls.Add(1) == 1 {
			return nil, errors.New("token exchange failed: HTTP 500")
		}
		return credential.NewStaticRuntime(url, credential.ModeAPIKey, credential.KindAPIKey, "test key", "sk-ant-api03-testtesttesttest"), nil
	}
	h := newHarness(t, resolve, messagesRunner{})
	h.addJob("check", "@every 10m")
	h.addJob("other", "@every 15m")
	h.start()

	h.step(t0.Add(10 * time.Minute))
	r := h.next()
	if r.Job != "check" || r.Status != StatusError || !strings.Contains(r.Error, "HTTP 500") {
		t.Fatalf("first run: %+v", r)
	}
	job, _ := h.store.Get("check")
	if job.LastRun == nil || job.LastRun.Status != StatusError || job.LastRun.Error == "" {
		t.Fatalf("last run not recorded as failed: %+v", job.LastRun)
	}
	h.step(t0.Add(15 * time.Minute))
	if r := h.next(); r.Job != "other" || r.Status != StatusOK {
		t.Fatalf("other job after a failure: %+v", r)
	}
	h.step(t0.Add(20 * time.Minute))
	if r := h.next(); r.Job != "check" || r.Status != StatusOK {
		t.Fatalf("run after the failure: %+v", r)
	}
}

func TestDaemonSkipsOverlappingRun(t *testing.T) {
	gate := make(chan struct{})
	started := make(chan struct{}, 4)
	runner := RunnerFunc(func(ctx context.Context, rt *credential.Runtime, job Job) (string, error) {
		started <- struct{}{}
		<-gate
		return "done", nil
	})
	h := newHarness(t, staticResolve, runner)
	h.addJob("slow", "@every 10m")
	h.start()

	h.step(t0.Add(10 * time.Minute))
	<-started
	h.step(t0.Add(20 * time.Minute))
	if r := h.next(); r.Status != StatusSkipped || !r.Scheduled.Equal(t0.Add(20*time.Minute)) {
		t.Fatalf("second start while running: %+v", r)
	}
	if !strings.Contains(h.logs.String(), "skipped") {
		t.Errorf("skip not logged:\n%s", h.logs.String())
	}
	close(gate)
	if r := h.next(); r.Status != StatusOK {
		t.Fatalf("first run: %+v", r)
	}
	h.step(t0.Add(30 * time.Minute))
	if r := h.next(); r.Status != StatusOK || !r.Scheduled.Equal(t0.Add(30*time.Minute)) {
		t.Fatalf("run after the overlap: %+v", r)
	}
}

func staticResolve(context.Context) (*credential.Runtime, error) {
	return credential.NewStaticRuntime("http://127.0.0.1:1", credential.ModeAPIKey, credential.KindAPIKey, "test", "sk-ant-api03-unused-unused"), nil
}

func okRunner(out string) Runner {
	return RunnerFunc(func(context.Context, *credential.Runtime, Job) (string, error) { return out, nil })
}

func TestDaemonPauseResume(t *testing.T) {
	h := newHarness(t, staticResolve, okRunner("ok"))
	h.daemon.Poll = 5 * time.Minute // how it notices pause and resume
	h.addJob("p", "@every 10m")
	h.start()
	h.step(t0.Add(5 * time.Minute))
	h.step(t0.Add(10 * time.Minute))
	h.next()

	ctx := context.Background()
	if _, err := h.store.Update(ctx, "p", func(j *Job) error { j.Paused = true; return nil }); err != nil {
		t.Fatal(err)
	}
	for m := 15; m <= 25; m += 5 {
		h.step(t0.Add(time.Duration(m) * time.Minute))
	}
	h.clock.BlockUntilWaiting()
	select {
	case r := <-h.records:
		t.Fatalf("paused job ran: %+v", r)
	default:
	}
	// Resumed at +25m: the runs missed while paused (+20m) do not fire.
	if _, err := h.store.Update(ctx, "p", func(j *Job) error { j.Paused = false; j.Anchor = h.clock.Now(); return nil }); err != nil {
		t.Fatal(err)
	}
	h.step(t0.Add(30 * time.Minute)) // the poll notices the resume
	h.step(t0.Add(35 * time.Minute))
	if r := h.next(); r.Status != StatusOK || !r.Scheduled.Equal(t0.Add(35*time.Minute)) {
		t.Fatalf("after resume: %+v", r)
	}
}

func TestDaemonRunsMissedOnceAtStart(t *testing.T) {
	var runs atomic.Int32
	h := newHarness(t, staticResolve, RunnerFunc(func(context.Context, *credential.Runtime, Job) (string, error) {
		runs.Add(1)
		return "", nil
	}))
	h.addJob("m", "@every 10m")
	h.clock.Set(t0.Add(35 * time.Minute)) // three runs missed while down
	h.start()
	if r := h.next(); r.Status != StatusOK || !r.Scheduled.Equal(t0.Add(10*time.Minute)) {
		t.Fatalf("catch-up run: %+v", r)
	}
	// Next on the schedule from now, not another catch-up.
	h.step(t0.Add(45 * time.Minute))
	h.next()
	if n := runs.Load(); n != 2 {
		t.Fatalf("%d runs, want 2", n)
	}
}

func TestDaemonLock(t *testing.T) {
	h := newHarness(t, staticResolve, okRunner(""))
	lock, ok, err := fsutil.TryLockFile(h.daemon.LockPath())
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	defer lock.Unlock()
	err = h.daemon.Run(context.Background())
	var dr *DaemonRunningError
	if !errors.As(err, &dr) {
		t.Fatalf("second daemon: %v", err)
	}
}

func TestDaemonShutdownLetsRunsFinish(t *testing.T) {
	gate := make(chan struct{})
	started := make(chan struct{}, 1)
	h := newHarness(t, staticResolve, RunnerFunc(func(ctx context.Context, _ *credential.Runtime, _ Job) (string, error) {
		started <- struct{}{}
		select {
		case <-gate:
			return "finished", nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}))
	h.addJob("a", "@every 10m")
	h.start()
	h.step(t0.Add(10 * time.Minute))
	<-started
	h.cancel()
	// Shutdown waits on the clock for the grace period; the run finishes first.
	h.clock.BlockUntilWaiter(t0.Add(11 * time.Minute))
	close(gate)
	if r := h.next(); r.Status != StatusOK || r.Output != "finished" {
		t.Fatalf("run during shutdown: %+v", r)
	}
	if <-h.done; h.err != nil {
		t.Fatal(h.err)
	}
	// Without Force nothing cuts the grace short, so the log offers nothing.
	if logs := h.logs.String(); !strings.Contains(logs, `msg="cron daemon stopping: waiting up to 1m0s for 1 running job(s)" grace=1m0s running=1`) {
		t.Errorf("log:\n%s", logs)
	}
}

// Closing Force during the grace period cancels running jobs at once,
// recorded as canceled as if the grace had run out, without the clock
// moving; the shutdown log said once that a second signal would do this.
func TestDaemonShutdownForceCutsGraceShort(t *testing.T) {
	started := make(chan struct{}, 2)
	h := newHarness(t, staticResolve, RunnerFunc(func(ctx context.Context, _ *credential.Runtime, _ Job) (string, error) {
		started <- struct{}{}
		<-ctx.Done()
		return "partial", ctx.Err()
	}))
	force := make(chan struct{})
	h.daemon.Force = force
	h.addJob("a", "@every 10m")
	h.addJob("b", "@every 10m")
	h.start()
	h.step(t0.Add(10 * time.Minute))
	<-started
	<-started
	h.cancel()
	h.clock.BlockUntilWaiter(t0.Add(11 * time.Minute)) // shutdown is in its grace period
	want := `level=INFO msg="cron daemon stopping: waiting up to 1m0s for 2 running job(s); send the signal again to stop now" grace=1m0s running=2`
	if logs := h.logs.String(); strings.Count(logs, "waiting up to") != 1 || !strings.Contains(logs, want) {
		t.Fatalf("log lacks, once, %s:\n%s", want, logs)
	}
	close(force)
	for range 2 {
		select {
		case r := <-h.records:
			if r.Status != StatusCanceled || r.Output != "partial" {
				t.Errorf("run stopped by force: %+v", r)
			}
		case <-time.After(30 * time.Second):
			// End the grace period, so the cleanup ends.
			h.clock.Set(t0.Add(24 * time.Hour))
			t.Fatalf("no run record: force did not cut the grace short; log:\n%s", h.logs.String())
		}
	}
	if <-h.done; h.err != nil {
		t.Fatal(h.err)
	}
	if now := h.clock.Now(); !now.Equal(t0.Add(10 * time.Minute)) {
		t.Errorf("clock moved to %s: the grace ran out rather than being cut short", now)
	}
	for _, name := range []string{"a", "b"} {
		if job, _ := h.store.Get(name); job.LastRun == nil || job.LastRun.Status != StatusCanceled {
			t.Errorf("%s last run: %+v", name, job.LastRun)
		}
	}
	logs := h.logs.String()
	if !strings.Contains(logs, "cron daemon stopping now: canceling running jobs") || strings.Contains(logs, "grace period over") {
		t.Errorf("log:\n%s", logs)
	}
}

func TestDaemonShutdownCancelsAfterGrace(t *testing.T) {
	started := make(chan struct{}, 1)
	h := newHarness(t, staticResolve, RunnerFunc(func(ctx context.Context, _ *credential.Runtime, _ Job) (string, error) {
		started <- struct{}{}
		<-ctx.Done()
		return "partial", ctx.Err()
	}))
	h.addJob("stuck", "@every 10m")
	h.start()
	h.step(t0.Add(10 * time.Minute))
	<-started
	h.cancel()
	h.clock.BlockUntilWaiter(t0.Add(11 * time.Minute)) // grace is one minute
	h.clock.Set(t0.Add(11 * time.Minute))
	if r := h.next(); r.Status != StatusCanceled || r.Output != "partial" {
		t.Fatalf("run canceled at shutdown: %+v", r)
	}
	if <-h.done; h.err != nil {
		t.Fatal(h.err)
	}
	job, _ := h.store.Get("stuck")
	if job.LastRun == nil || job.LastRun.Status != StatusCanceled {
		t.Fatalf("last run: %+v", job.LastRun)
	}
}

func TestDaemonReportsCorruptJobsFileAndKeepsIt(t *testing.T) {
	h := newHarness(t, staticResolve, okRunner(""))
	path := filepath.Join(h.store.Dir, "jobs.json")
	if err := fsutil.WriteFileAtomic(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	h.start()
	h.clock.BlockUntilWaiting()
	if !strings.Contains(h.logs.String(), path) {
		t.Errorf("log does not name %s:\n%s", path, h.logs.String())
	}
	if data, _ := os.ReadFile(path); string(data) != "{not json" {
		t.Errorf("corrupt file was rewritten: %q", data)
	}
}

// A run waiting for a free slot when shutdown begins never starts, even
// when a slot frees up during the grace period, and is recorded as
// canceled rather than vanishing (its anchor has already moved on).
func TestDaemonShutdownDoesNotStartQueuedRuns(t *testing.T) {
	gate := make(chan struct{})
	started := make(chan string, 4)
	h := newHarness(t, staticResolve, RunnerFunc(func(ctx context.Context, _ *credential.Runtime, job Job) (string, error) {
		started <- job.Name
		<-gate
		return "done", nil
	}))
	h.daemon.Parallel = 1
	h.addJob("a", "@every 10m")
	h.addJob("b", "@every 10m")
	h.start()
	h.step(t0.Add(10 * time.Minute))
	first := <-started
	h.cancel()
	h.clock.BlockUntilWaiter(t0.Add(11 * time.Minute)) // shutdown is in its grace period
	close(gate)
	got := map[string]Record{}
	for range 2 {
		r := h.next()
		got[r.Job] = r
	}
	if <-h.done; h.err != nil {
		t.Fatal(h.err)
	}
	queued := "b"
	if first == "b" {
		queued = "a"
	}
	if r := got[first]; r.Status != StatusOK {
		t.Errorf("running job %s: %+v, want ok", first, r)
	}
	if r := got[queued]; r.Status != StatusCanceled || !strings.Contains(r.Error, "before the run could start") || !r.Scheduled.Equal(t0.Add(10*time.Minute)) {
		t.Errorf("queued job %s: %+v, want canceled before it started", queued, r)
	}
	if len(started) != 0 {
		t.Errorf("the queued job started during shutdown")
	}
	if recs, err := h.store.Records(queued, 0); err != nil || len(recs) != 1 || recs[0].Status != StatusCanceled {
		t.Errorf("records of %s: %+v %v", queued, recs, err)
	}
}

// NoGrace cancels running jobs as soon as shutdown begins, without
// waiting on the clock.
func TestDaemonShutdownWithoutGrace(t *testing.T) {
	started := make(chan struct{}, 1)
	h := newHarness(t, staticResolve, RunnerFunc(func(ctx context.Context, _ *credential.Runtime, _ Job) (string, error) {
		started <- struct{}{}
		<-ctx.Done()
		return "", ctx.Err()
	}))
	h.daemon.Grace = NoGrace
	h.addJob("stuck", "@every 10m")
	h.start()
	h.step(t0.Add(10 * time.Minute))
	<-started
	h.cancel()
	select {
	case r := <-h.records:
		if r.Status != StatusCanceled {
			t.Fatalf("run: %+v", r)
		}
	case <-time.After(30 * time.Second):
		// Free a daemon waiting out a grace period, so the cleanup ends.
		h.clock.Set(t0.Add(24 * time.Hour))
		t.Fatalf("no run record: shutdown waits on the clock; log:\n%s", h.logs.String())
	}
	if <-h.done; h.err != nil {
		t.Fatal(h.err)
	}
	if logs := h.logs.String(); !strings.Contains(logs, "no grace period") || strings.Contains(logs, "waiting up to") {
		t.Errorf("log:\n%s", logs)
	}
}
