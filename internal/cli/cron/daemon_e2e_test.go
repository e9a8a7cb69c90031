package cron_test

// End-to-end tests of `hermes cron daemon` as a real process: WIF against the
// OIDC issuer and Anthropic stand-ins on loopback, SIGTERM, exit codes, the
// daemon lock across processes. The test binary acts as hermes (hermestest,
// see main_test.go). Nothing here waits for time to pass: each step waits for
// an event (a daemon log line, a request reaching the API, the process
// exiting) with a generous bound that only turns a hang into a failure.

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/cron"
	"github.com/hermes-agent/hermes/internal/hermestest"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

// bound is how long any one awaited event may take: generous, because the
// race detector on two shared cores is slow; it only turns a hang into a
// failure.
const bound = 2 * time.Minute

const (
	jobName   = "nightly"
	jobPrompt = "summarize the night"
)

// world is a temporary HERMES_HOME with WIF configured against the
// stand-ins, and every output of the hermes processes run in it.
type world struct {
	t        *testing.T
	iss      *oidctest.Issuer
	api      *anthropictest.Server
	dir      string // HOME, the SDK config dir and the identity token file
	home     string // HERMES_HOME
	jwt      string
	mu       sync.Mutex
	captured []string // stdout and stderr of every hermes process
}

func newWorld(t *testing.T) *world {
	if testing.Short() {
		t.Skip("runs hermes processes")
	}
	iss := oidctest.New(t)
	api := anthropictest.New(t, anthropictest.Config{Issuer: iss})
	dir := t.TempDir()
	w := &world{t: t, iss: iss, api: api, dir: dir, home: filepath.Join(dir, "hermes")}
	// An hour-long JWT, so a slow run under -race cannot outlive it.
	w.jwt = iss.Mint(oidctest.Claims{TTL: time.Hour})
	if err := os.WriteFile(w.tokenFile(), []byte(w.jwt+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) tokenFile() string { return filepath.Join(w.dir, "token.jwt") }

// environ is all a hermes process gets: no ambient ANTHROPIC_* variable
// from the developer's shell can change which credential wins.
func (w *world) environ() []string {
	// hermestest.Env adds GORACE (no second-long sleep at each exit of a
	// race-enabled hermes) and GOCOVERDIR.
	return hermestest.Env(
		"HOME="+w.dir,
		"HERMES_HOME="+w.home,
		"ANTHROPIC_CONFIG_DIR="+filepath.Join(w.dir, "sdk"),
		"PATH="+os.Getenv("PATH"),
	)
}

func (w *world) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, hermestest.Binary(w.t), args...)
	cmd.Env = w.environ()
	cmd.Dir = w.dir
	return cmd
}

// hermes runs a short-lived hermes command to completion.
func (w *world) hermes(args ...string) (code int, stdout, stderr string) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	cmd := w.command(ctx, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	w.capture(out.String(), errOut.String())
	if ctx.Err() != nil {
		w.t.Fatalf("hermes %q did not finish within %s; stderr:\n%s", args, bound, errOut.String())
	}
	if err != nil && cmd.ProcessState == nil {
		w.t.Fatalf("hermes %q: %v", args, err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errOut.String()
}

func (w *world) mustHermes(args ...string) {
	w.t.Helper()
	if code, _, errOut := w.hermes(args...); code != 0 {
		w.t.Fatalf("hermes %q: exit %d\n%s", args, code, errOut)
	}
}

func (w *world) capture(s ...string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.captured = append(w.captured, s...)
}

// configureWIF is `hermes auth add anthropic --type wif` with the API at
// baseURL (the stand-in, or a gate in front of it).
func (w *world) configureWIF(baseURL string) {
	w.t.Helper()
	w.mustHermes("auth", "add", "anthropic", "--type", "wif",
		"--federation-rule-id", anthropictest.DefaultRuleID,
		"--organization-id", anthropictest.DefaultOrgID,
		"--identity-token-file", w.tokenFile(),
		"--base-url", baseURL)
}

// addOverdueJob adds an hourly job whose anchor is three hours back: its
// missed runs collapse into one, due as soon as a daemon starts.
func (w *world) addOverdueJob() {
	w.t.Helper()
	w.mustHermes("cron", "add", jobName, "--schedule", "@every 1h", "--prompt", jobPrompt)
	_, err := cron.NewStore(w.home).Update(context.Background(), jobName, func(j *cron.Job) error {
		j.Anchor = j.Anchor.Add(-3 * time.Hour)
		return nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) records() []cron.Record {
	w.t.Helper()
	recs, err := cron.NewStore(w.home).Records(jobName, 0)
	if err != nil {
		w.t.Fatal(err)
	}
	return recs
}

// onlyRecord is the job's single run record, which must have status.
func (w *world) onlyRecord(status string) cron.Record {
	w.t.Helper()
	recs := w.records()
	if len(recs) != 1 {
		w.t.Fatalf("%d run records, want 1: %+v", len(recs), recs)
	}
	r := recs[0]
	if r.Status != status || r.Trigger != cron.TriggerSchedule {
		w.t.Fatalf("run record: %+v, want status %s by the schedule", r, status)
	}
	return r
}

// assertOnlyRunCanceled checks the one run was recorded canceled, with an
// error and no output, in its record and as the job's last run.
func (w *world) assertOnlyRunCanceled() {
	w.t.Helper()
	rec := w.onlyRecord(cron.StatusCanceled)
	if rec.Error == "" || rec.Output != "" {
		w.t.Errorf("run record: %+v", rec)
	}
	job, err := cron.NewStore(w.home).Get(jobName)
	if err != nil || job.LastRun == nil || job.LastRun.Status != cron.StatusCanceled {
		w.t.Errorf("jobs.json last run: %+v %v", job.LastRun, err)
	}
}

// assertNoSecrets checks every output so far and every file under
// HERMES_HOME/cron for the stand-ins' secrets: the JWT, the minted token.
func (w *world) assertNoSecrets() {
	w.t.Helper()
	w.mu.Lock()
	all := strings.Join(w.captured, "\n")
	w.mu.Unlock()
	var files int
	err := filepath.Walk(filepath.Join(w.home, "cron"), func(path string, info os.FileInfo, err error) error {
		if err != nil || !info.Mode().IsRegular() {
			return err
		}
		data, err := os.ReadFile(path)
		files++
		all += "\n" + string(data)
		return err
	})
	if err != nil || files == 0 {
		w.t.Fatalf("reading the cron files: %d files, %v", files, err)
	}
	secrets := append(w.api.Secrets(), w.jwt)
	if len(secrets) < 2 {
		w.t.Fatalf("the stand-in knows %d secrets: the check would be empty", len(secrets))
	}
	for _, s := range secrets {
		if strings.Contains(all, s) {
			w.t.Fatalf("a secret (%d bytes, %.12s…) appears in hermes output or under HERMES_HOME/cron", len(s), s)
		}
	}
}

// proc is a running hermes process whose stderr the test can wait on.
type proc struct {
	t      *testing.T
	w      *world
	cmd    *exec.Cmd
	stdout *eventLog
	stderr *eventLog
	done   chan struct{} // closed when the process has exited
}

func (w *world) start(args ...string) *proc {
	w.t.Helper()
	p := &proc{t: w.t, w: w, cmd: w.command(context.Background(), args...),
		stdout: newEventLog(), stderr: newEventLog(), done: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	go func() {
		p.cmd.Wait()
		close(p.done)
	}()
	w.t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
		w.capture(p.stdout.String(), p.stderr.String())
	})
	return p
}

// waitLog waits until the process's stderr contains s.
func (p *proc) waitLog(s string) {
	p.t.Helper()
	timeout := time.NewTimer(bound)
	defer timeout.Stop()
	for {
		text, changed := p.stderr.snapshot()
		if strings.Contains(text, s) {
			return
		}
		select {
		case <-changed:
		case <-p.done:
			if text, _ := p.stderr.snapshot(); !strings.Contains(text, s) {
				p.t.Fatalf("hermes exited (%s) before logging %q; stderr:\n%s", p.cmd.ProcessState, s, text)
			}
		case <-timeout.C:
			p.t.Fatalf("no %q in stderr within %s:\n%s", s, bound, text)
		}
	}
}

// signal sends sig and waits for the process to exit; it returns the exit code.
func (p *proc) signal(sig os.Signal) int {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
	return p.exit()
}

func (p *proc) exit() int {
	p.t.Helper()
	select {
	case <-p.done:
		p.w.capture(p.stdout.String(), p.stderr.String())
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(bound):
		p.t.Fatalf("hermes did not exit within %s; stderr:\n%s", bound, p.stderr)
		return -1
	}
}

// eventLog is an io.Writer whose readers can wait for the next write.
type eventLog struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newEventLog() *eventLog { return &eventLog{changed: make(chan struct{})} }

func (l *eventLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	close(l.changed)
	l.changed = make(chan struct{})
	return len(p), nil
}

// snapshot is the text so far and a channel closed by the next write.
func (l *eventLog) snapshot() (string, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String(), l.changed
}

func (l *eventLog) String() string { s, _ := l.snapshot(); return s }

// gate is a loopback proxy in front of the stand-in that holds each
// POST /v1/messages until released, so a test knows a run is in flight
// without guessing how long a slow API takes.
type gate struct {
	URL          string
	arrived      chan struct{} // closed when the first messages call arrives
	release      chan struct{} // close to let messages calls through
	arriveOnce   sync.Once
	releaseOnce  sync.Once
	canceledCall chan struct{} // closed when a held call is abandoned by hermes
	cancelOnce   sync.Once
}

func newGate(t *testing.T, upstream string) *gate {
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	g := &gate{arrived: make(chan struct{}), release: make(chan struct{}), canceledCall: make(chan struct{})}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/messages" {
			// A server notices a client hanging up only once the body
			// is read, so read it before holding the call.
			body, err := io.ReadAll(r.Body)
			if err != nil {
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			g.arriveOnce.Do(func() { close(g.arrived) })
			select {
			case <-g.release:
			case <-r.Context().Done():
				g.cancelOnce.Do(func() { close(g.canceledCall) })
				return
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	g.URL = srv.URL
	t.Cleanup(func() {
		g.open()
		srv.CloseClientConnections()
		srv.Close()
	})
	return g
}

func (g *gate) open() { g.releaseOnce.Do(func() { close(g.release) }) }

// await waits for ch, failing the test after bound.
func await(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(bound):
		t.Fatalf("%s did not happen within %s", what, bound)
	}
}

// The daemon as a real process: the overdue job runs once at start over
// WIF (bearer, OAuth beta, one exchange), a second daemon on the same
// HERMES_HOME is refused naming the lock, SIGTERM stops it cleanly with
// exit 0, and no secret reaches its output or the cron files.
func TestDaemonProcessWIFRunAndSIGTERM(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.configureWIF(w.api.URL)
	w.addOverdueJob()

	d := w.start("cron", "daemon")
	d.waitLog(`msg="cron job finished" job=` + jobName + ` status=ok`)
	rec := w.onlyRecord(cron.StatusOK)
	if rec.Output != "echo: "+jobPrompt || rec.Error != "" {
		t.Errorf("run record: %+v", rec)
	}
	if job, err := cron.NewStore(w.home).Get(jobName); err != nil || job.LastRun == nil || job.LastRun.Status != cron.StatusOK {
		t.Errorf("jobs.json last run: %+v %v", job.LastRun, err)
	}

	var calls int
	for _, r := range w.api.Requests() {
		if r.Path != "/v1/messages" {
			continue
		}
		calls++
		if r.AuthScheme != "bearer" || !strings.Contains(r.Beta, anthropictest.OAuthBeta) || r.WorkspaceHeader != "" || r.Status != http.StatusOK {
			t.Errorf("messages call: %+v, want bearer with %s and no workspace header", r, anthropictest.OAuthBeta)
		}
	}
	if calls != 1 {
		t.Errorf("%d messages calls, want 1", calls)
	}
	if ex := w.api.Exchanges(); len(ex) != 1 || ex[0].Reason != "ok" {
		t.Errorf("exchanges: %+v, want exactly one, ok", ex)
	}

	// One daemon per HERMES_HOME: the second is refused while the first runs.
	code, _, errOut := w.hermes("cron", "daemon")
	if lock := filepath.Join(w.home, "cron", "daemon.lock"); code != 1 || !strings.Contains(errOut, lock) || !strings.Contains(errOut, "another hermes cron daemon is running") {
		t.Errorf("second daemon: exit %d, want 1 naming %s; stderr:\n%s", code, lock, errOut)
	}

	if code := d.signal(syscall.SIGTERM); code != 0 {
		t.Fatalf("SIGTERM: exit %d, want 0; stderr:\n%s", code, d.stderr)
	}
	logs := d.stderr.String()
	if !strings.Contains(logs, `msg="cron daemon stopped"`) || strings.Contains(logs, "level=ERROR") || strings.Contains(logs, "hermes:") {
		t.Errorf("daemon log, want a clean stop:\n%s", logs)
	}
	// Still one run: the missed ones collapsed, and the second daemon ran nothing.
	w.onlyRecord(cron.StatusOK)
	w.assertNoSecrets()
}

// SIGTERM while a job's API call is in flight: the daemon waits for it
// within --grace, and the run is recorded as ok.
func TestDaemonProcessSIGTERMWaitsForRunningJob(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	g := newGate(t, w.api.URL)
	w.configureWIF(g.URL)
	w.addOverdueJob()

	d := w.start("cron", "daemon", "--grace", "10m")
	await(t, g.arrived, "the job's API call")
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	d.waitLog(`msg="cron daemon stopping: waiting up to 10m0s for 1 running job(s); send the signal again to stop now"`)
	g.open()
	if code := d.exit(); code != 0 {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, d.stderr)
	}
	rec := w.onlyRecord(cron.StatusOK)
	if rec.Output != "echo: "+jobPrompt {
		t.Errorf("run record: %+v", rec)
	}
	logs := d.stderr.String()
	if !strings.Contains(logs, `msg="cron daemon stopped"`) || strings.Contains(logs, "grace period over") {
		t.Errorf("daemon log:\n%s", logs)
	}
	w.assertNoSecrets()
}

// SIGTERM with a tiny --grace while the API call hangs: the run is
// canceled and recorded as such, and the daemon exits 0 promptly.
func TestDaemonProcessSIGTERMGraceOverCancelsJob(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	g := newGate(t, w.api.URL) // never opened: the API call hangs
	w.configureWIF(g.URL)
	w.addOverdueJob()

	d := w.start("cron", "daemon", "--grace", "1ms")
	await(t, g.arrived, "the job's API call")
	if code := d.signal(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, d.stderr)
	}
	await(t, g.canceledCall, "hermes abandoning the API call")
	w.assertOnlyRunCanceled()
	logs := d.stderr.String()
	for _, want := range []string{"grace period over, canceling running jobs", `msg="cron job canceled" job=` + jobName, `msg="cron daemon stopped"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("daemon log lacks %q:\n%s", want, logs)
		}
	}
	w.assertNoSecrets()
}

// A second SIGTERM or Ctrl-C during the grace period stops the daemon now:
// the first starts the graceful stop and says (once) that a second one
// would not wait; the second cancels the hanging run, recorded canceled,
// and the daemon exits 0 long before its 10 minutes of grace. SIGINT
// checks that the root command's own Ctrl-C handler does not swallow the
// second signal, nor turn the first into an immediate stop.
func TestDaemonProcessSecondSignalStopsNow(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			w := newWorld(t)
			g := newGate(t, w.api.URL) // never opened: the API call hangs
			w.configureWIF(g.URL)
			w.addOverdueJob()

			d := w.start("cron", "daemon", "--grace", "10m")
			await(t, g.arrived, "the job's API call")
			if err := d.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			const waiting = `level=INFO msg="cron daemon stopping: waiting up to 10m0s for 1 running job(s); send the signal again to stop now"`
			d.waitLog(waiting)
			select {
			case <-g.canceledCall:
				t.Fatalf("the first %s canceled the run; stderr:\n%s", sig, d.stderr)
			default:
			}
			if code := d.signal(sig); code != 0 {
				t.Fatalf("second %s: exit %d, want 0; stderr:\n%s", sig, code, d.stderr)
			}
			await(t, g.canceledCall, "hermes abandoning the API call")
			w.assertOnlyRunCanceled()
			logs := d.stderr.String()
			if n := strings.Count(logs, "waiting up to"); n != 1 {
				t.Errorf("the waiting line appears %d times, want once:\n%s", n, logs)
			}
			for _, want := range []string{"cron daemon stopping now: canceling running jobs", `msg="cron job canceled" job=` + jobName, `msg="cron daemon stopped"`} {
				if !strings.Contains(logs, want) {
					t.Errorf("daemon log lacks %q:\n%s", want, logs)
				}
			}
			if strings.Contains(logs, "grace period over") || strings.Contains(logs, "level=ERROR") || strings.Contains(logs, "hermes:") {
				t.Errorf("daemon log, want a stop by the second signal:\n%s", logs)
			}
			w.assertNoSecrets()
		})
	}
}

// kill -9 of the daemon mid-run: the run's "running" record is on disk
// before the run (so it leaves a trace), and the next daemon start marks
// it interrupted, which cron logs and cron list show.
func TestDaemonProcessKill9LeavesInterruptedRun(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	g := newGate(t, w.api.URL)
	w.configureWIF(g.URL)
	w.addOverdueJob()

	d := w.start("cron", "daemon")
	await(t, g.arrived, "the job's API call")
	w.onlyRecord(cron.StatusRunning)
	if err := d.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	d.exit()
	g.open()

	d2 := w.start("cron", "daemon")
	d2.waitLog(`msg="cron run interrupted: its process stopped before the run ended" job=` + jobName)
	rec := w.onlyRecord(cron.StatusInterrupted)
	if !strings.Contains(rec.Error, "interrupted") {
		t.Errorf("run record: %+v", rec)
	}
	if code := d2.signal(syscall.SIGTERM); code != 0 {
		t.Fatalf("SIGTERM: exit %d; stderr:\n%s", code, d2.stderr)
	}
	if code, out, errOut := w.hermes("cron", "logs", jobName); code != 0 || !strings.Contains(out, "interrupted (schedule, ended at an unknown time)") {
		t.Errorf("cron logs: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := w.hermes("cron", "list"); code != 0 || !strings.Contains(out, "interrupted") {
		t.Errorf("cron list: exit %d\n%s%s", code, out, errOut)
	}
	w.assertNoSecrets()
}
