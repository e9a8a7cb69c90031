package cron_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/cli/root"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/credential"
	"github.com/hermes-agent/hermes/internal/cron"
	"github.com/hermes-agent/hermes/internal/fsutil"
	"github.com/hermes-agent/hermes/internal/iostreams"
	"github.com/hermes-agent/hermes/internal/oidctest"
)

const sentinelKey = "sk-ant-api03-SENTINELcronSENTINELcronSENTINELcron-00AA"

type env struct {
	f        *cmdutil.Factory
	home     string
	out, err *bytes.Buffer
}

func newEnv(t *testing.T, resolve func(context.Context) (*credential.Runtime, error)) *env {
	io, _, out, errOut := iostreams.Test()
	home := t.TempDir()
	vars := map[string]string{"HERMES_HOME": home}
	f := &cmdutil.Factory{
		IO:      io,
		Getenv:  func(k string) string { return vars[k] },
		Environ: func() []string { return nil },
		Now:     time.Now,
		Resolve: resolve,
	}
	return &env{f: f, home: home, out: out, err: errOut}
}

func (e *env) run(args ...string) int {
	e.out.Reset()
	e.err.Reset()
	return root.Run(context.Background(), e.f, args)
}

func TestRunAuthFailureExits4AndIsRecorded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(context.Context) (*credential.Runtime, error) {
		return nil, &cmdutil.AuthError{Err: errors.New("no Anthropic credential found")}
	})
	if code := e.run("cron", "add", "j", "--schedule", "@daily", "--prompt", "p"); code != 0 {
		t.Fatalf("add: %d %s", code, e.err)
	}
	if code := e.run("cron", "run", "j"); code != cmdutil.ExitAuth {
		t.Fatalf("run exit %d, want 4; stderr %s", code, e.err)
	}
	if !strings.Contains(e.err.String(), "no Anthropic credential found") {
		t.Errorf("stderr: %s", e.err)
	}
	recs, err := cron.NewStore(e.home).Records("j", 0)
	if err != nil || len(recs) != 1 || recs[0].Status != cron.StatusError || recs[0].Trigger != cron.TriggerManual {
		t.Fatalf("records: %+v %v", recs, err)
	}
}

// `cron run` goes through the agent with the resolved runtime; the API
// key it used appears nowhere in output or in the cron files.
func TestRunThroughAgentNoSecrets(t *testing.T) {
	t.Parallel()
	api := anthropictest.New(t, anthropictest.Config{Issuer: oidctest.New(t), APIKeys: []string{sentinelKey}})
	e := newEnv(t, func(context.Context) (*credential.Runtime, error) {
		return credential.NewStaticRuntime(api.URL, credential.ModeAPIKey, credential.KindAPIKey, "test key", sentinelKey), nil
	})
	e.run("cron", "add", "j", "--schedule", "@daily", "--prompt", "status please", "--model", "claude-haiku-5-5", "--system", "be brief")
	if code := e.run("cron", "run", "j"); code != 0 {
		t.Fatalf("run: %d %s", code, e.err)
	}
	if got := e.out.String(); got != "echo: status please\n" {
		t.Errorf("stdout %q", got)
	}
	msgs := api.MessageRequests()
	if len(msgs) != 1 || msgs[0].Model != "claude-haiku-5-5" {
		t.Fatalf("messages requests: %+v", msgs)
	}
	all := e.out.String() + e.err.String()
	e.run("cron", "logs", "j", "--json")
	all += e.out.String() + e.err.String()
	filepath.Walk(filepath.Join(e.home, "cron"), func(p string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			b, _ := os.ReadFile(p)
			all += string(b)
		}
		return nil
	})
	if strings.Contains(all, sentinelKey) {
		t.Fatal("the API key appears in output or cron files")
	}
	if !strings.Contains(all, `"status": "ok"`) {
		t.Errorf("no ok record in logs --json")
	}
}

func TestDaemonRefusesSecondInstance(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	lock, ok, err := fsutil.TryLockFile(filepath.Join(e.home, "cron", "daemon.lock"))
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	defer lock.Unlock()
	if code := e.run("cron", "daemon"); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(e.err.String(), "another hermes cron daemon is running") {
		t.Errorf("stderr: %s", e.err)
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for _, args := range [][]string{
		{"cron", "add", "x", "--prompt", "p"},
		{"cron", "add", "x", "--schedule", "99 * * * *", "--prompt", "p"},
		{"cron", "add", "../x", "--schedule", "@daily", "--prompt", "p"},
		{"cron", "run"},
		{"cron", "logs", "x", "-n", "-1"},
		{"cron", "daemon", "--parallel", "0"},
		{"cron", "daemon", "--grace", "-1s"},
	} {
		if code := e.run(args...); code != cmdutil.ExitUsage {
			t.Errorf("%q: exit %d, want 2 (%s)", args, code, e.err)
		}
	}
}

// --grace 0 means what it says: running jobs are canceled as soon as the
// daemon stops, not after the Daemon's default grace period.
func TestDaemonGraceZeroCancelsAtOnce(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{})
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // so the server notices the client hanging up
		once.Do(func() { close(arrived) })
		<-r.Context().Done()
	}))
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })
	e := newEnv(t, func(context.Context) (*credential.Runtime, error) {
		return credential.NewStaticRuntime(srv.URL, credential.ModeAPIKey, credential.KindAPIKey, "test key", sentinelKey), nil
	})
	if code := e.run("cron", "add", "j", "--schedule", "@every 1h", "--prompt", "p"); code != 0 {
		t.Fatalf("add: %d %s", code, e.err)
	}
	store := cron.NewStore(e.home)
	if _, err := store.Update(context.Background(), "j", func(j *cron.Job) error { j.Anchor = j.Anchor.Add(-2 * time.Hour); return nil }); err != nil {
		t.Fatal(err)
	}
	e.err.Reset()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	exited := make(chan int, 1)
	go func() { exited <- root.Run(ctx, e.f, []string{"cron", "daemon", "--grace", "0"}) }()
	select {
	case <-arrived:
	case <-time.After(time.Minute):
		t.Fatal("the job's API call never arrived")
	}
	cancel()
	select {
	case code := <-exited:
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
	case <-time.After(time.Minute):
		t.Fatal("the daemon did not stop")
	}
	if logs := e.err.String(); !strings.Contains(logs, "no grace period") || strings.Contains(logs, "waiting up to") {
		t.Errorf("daemon log:\n%s", logs)
	}
	recs, err := store.Records("j", 0)
	if err != nil || len(recs) != 1 || recs[0].Status != cron.StatusCanceled {
		t.Fatalf("records: %+v %v", recs, err)
	}
}
