package faultmatrix

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hermes-agent/hermes/internal/anthropictest"
	"github.com/hermes-agent/hermes/internal/authstore"
	"github.com/hermes-agent/hermes/internal/iostreams"
)

// The signal and full-disk cells of the two requests that spend a
// single-use token (issue 23): an OAuth refresh (the refresh token is
// rotated) and a WIF exchange (the identity token is spent). Whatever
// happens while one is in flight, its answer is saved: the login keeps
// working and the identity token is not burnt for nothing.

// addOAuthLogin stores an OAuth login whose access token has expired, so
// the next use refreshes it; it returns the refresh token.
func (w *world) addOAuthLogin() string {
	w.t.Helper()
	access, refresh, _ := w.api.IssueOAuthLogin(0)
	if err := os.MkdirAll(w.hh, 0o700); err != nil {
		w.t.Fatal(err)
	}
	err := authstore.Open(w.hh).Update(context.Background(), func(f *authstore.File) error {
		_, err := f.AddEntry(authstore.Entry{AuthType: authstore.AuthTypeOAuth, Source: "oauth", AccessToken: access, RefreshToken: refresh,
			ExpiresAtMs: time.Now().Add(-time.Minute).UnixMilli(), TokenURL: w.api.URL + tokenRoute})
		return err
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return refresh
}

// storedRefresh is the refresh token auth.json holds for the login.
func (w *world) storedRefresh() string {
	w.t.Helper()
	f, err := authstore.Open(w.hh).Load()
	if err != nil {
		w.t.Fatal(err)
	}
	return f.Pool()[0].RefreshToken
}

// loginRevoked reports whether the authorization server saw a refresh
// token presented twice (and so revoked the whole login).
func (w *world) loginRevoked() bool {
	for _, c := range w.api.OAuthCalls() {
		if c.Reason == "refresh_reused" || c.Reason == "refresh_revoked" {
			return true
		}
	}
	return false
}

// interruptInFlight runs hermes args, holds its request on the token
// endpoint, sends sig once the request has arrived, lets the server answer
// once hermes has acted on the signal (it exited, or says it is saving the
// answer), and returns what the user saw.
func (w *world) interruptInFlight(sig syscall.Signal, args ...string) outcome {
	w.t.Helper()
	hold, arrived := make(chan struct{}), make(chan struct{}, 1)
	w.api.Fault(tokenRoute, anthropictest.Fault{Hold: hold, Arrived: arrived, Times: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, w.command().Path, args...)
	cmd.Env, cmd.Dir = w.env(), w.home
	var stdout, stderr iostreams.SyncBuffer
	cmd.Stdout = &stdout
	pr, pw, err := os.Pipe()
	if err != nil {
		w.t.Fatal(err)
	}
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	pw.Close()
	saving := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		said := false
		for sc.Scan() {
			stderr.Write(append(sc.Bytes(), '\n'))
			if !said && strings.Contains(sc.Text(), "already sent") {
				said = true
				close(saving)
			}
		}
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-arrived:
	case err := <-exited:
		close(hold)
		w.t.Fatalf("hermes %s ended before its request arrived: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	if err := cmd.Process.Signal(sig); err != nil {
		w.t.Fatal(err)
	}
	var werr error
	select {
	case <-saving:
		close(hold)
		werr = <-exited
	case werr = <-exited:
		close(hold)
	}
	if ctx.Err() != nil {
		w.t.Fatalf("hermes %s did not finish\nstderr:\n%s", strings.Join(args, " "), stderr.String())
	}
	var ee *exec.ExitError
	code := 0
	if errors.As(werr, &ee) {
		code = ee.ExitCode()
	} else if werr != nil {
		w.t.Fatal(werr)
	}
	return outcome{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

var spendSignals = []syscall.Signal{syscall.SIGINT, syscall.SIGTERM}

// TestOAuthRefreshSignal (issue 23 item 1): Ctrl-C or SIGTERM while the
// refresh is at the server. The server rotates the pair; hermes saves it
// before exiting, so the next run uses the new refresh token (resending
// the old one would make the server revoke the login).
func TestOAuthRefreshSignal(t *testing.T) {
	t.Parallel()
	for _, sig := range spendSignals {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, worldOptions{})
			spent := w.addOAuthLogin()
			before := takeSnapshot(t, w.hh)
			o := w.interruptInFlight(sig, "auth", "token", "--credential", "1")
			t.Logf("interrupted: %s", o)
			if got := w.storedRefresh(); got == spent {
				t.Errorf("the rotated pair was not saved: auth.json still holds the spent refresh token")
			}
			if o2 := w.run("auth", "token", "--credential", "1"); o2.code != 0 {
				t.Errorf("the next run: %s", o2)
			}
			if w.loginRevoked() {
				t.Errorf("the login was revoked (a refresh token sent twice): %+v", w.api.OAuthCalls())
			}
			w.checkMessage(o, nil, false)
			checkStore(t, w.hh, before)
		})
	}
}

// TestOAuthRefreshFullDisk (issue 23 item 2): the disk is full when the
// access token needs a refresh. hermes finds out before it spends the
// refresh token: the run fails naming the disk, and once there is room
// the login still works (on main the server rotated the pair, the write
// failed, and the next run's resend revoked the login). "fsize" is a
// per-process file-size limit (EFBIG); "tmpfs" a really full file system
// (root only).
func TestOAuthRefreshFullDisk(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"fsize", "tmpfs"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, worldOptions{})
			var free func()
			if kind == "tmpfs" {
				free = fullTmpfs(t, w.hh, func() { w.addOAuthLogin() })
			} else {
				w.addOAuthLogin()
				w.extra = []string{fsizeEnv + "=16"}
				free = func() { w.extra = nil }
			}
			spent := w.storedRefresh()
			before := takeSnapshot(t, w.hh)
			o := w.run("auth", "token", "--credential", "1")
			t.Logf("disk full: %s", o)
			if o.code == 0 {
				t.Fatalf("succeeded on a full disk: %s", o)
			}
			w.checkMessage(o, []string{"file too large|no space"}, false)
			if n := w.api.OAuthGrants(anthropictest.GrantTypeRefreshToken); n != 0 {
				t.Errorf("%d refreshes sent on a full disk: the refresh token was spent before the write could succeed", n)
			}
			if w.storedRefresh() != spent {
				t.Errorf("auth.json changed on a full disk")
			}
			checkStore(t, w.hh, before)
			free()
			if o2 := w.run("auth", "token", "--credential", "1"); o2.code != 0 {
				t.Errorf("once there is room: %s", o2)
			}
			if w.loginRevoked() {
				t.Errorf("the login was revoked: %+v", w.api.OAuthCalls())
			}
		})
	}
}

// TestWIFExchangeSignal (issue 23 item 4): Ctrl-C or SIGTERM while the
// exchange is at the server. The server spends the identity token and
// mints; hermes caches the token before exiting, so the next run is
// served from the cache (on main the minted token was thrown away and the
// identity token left spent: every run failed until the file rotated).
func TestWIFExchangeSignal(t *testing.T) {
	t.Parallel()
	for _, sig := range spendSignals {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, worldOptions{})
			o := w.interruptInFlight(sig, "auth", "token")
			t.Logf("interrupted: %s", o)
			w.checkMessage(o, nil, false)
			if o2 := w.run("auth", "token"); o2.code != 0 || !strings.HasPrefix(o2.stdout, "sk-ant-oat01-") {
				t.Errorf("the next run, same identity token: %s", o2)
			}
			if n := w.api.ExchangeCount(); n != 1 {
				t.Errorf("%d exchanges, want 1 (the interrupted one, cached)", n)
			}
		})
	}
}

// TestWIFExchangeFullDisk (issue 23 item 4): there is room for the
// spent-assertion record but not for the cache entry. hermes finds out
// before it sends the identity token: the run fails naming the disk, and
// once there is room the same identity token still works (on main the
// record was written, the token minted and lost, and every later run
// failed with "already exchanged" until the file rotated).
func TestWIFExchangeFullDisk(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"fsize", "tmpfs"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, worldOptions{})
			var free func()
			if kind == "tmpfs" {
				// Two pages free: one for the PID the lock's holder writes
				// into the cache lock file, one for the spent record;
				// none for the cache entry.
				free = fullTmpfs(t, w.hh, func() {})
				freePages(t, filepath.Join(w.hh, "filler"), 2)
			} else {
				// A spent record (~50 bytes) fits, a cache entry (~350) does not.
				w.extra = []string{fsizeEnv + "=200"}
				free = func() { w.extra = nil }
			}
			o := w.run("auth", "token")
			t.Logf("disk full: %s", o)
			if o.code == 0 {
				t.Errorf("succeeded without room to cache the token: %s", o)
			} else {
				w.checkMessage(o, []string{"file too large|no space"}, false)
			}
			if n := w.api.ExchangeCount(); n != 0 {
				t.Errorf("%d exchanges on a full disk: the identity token was spent before the cache write could succeed", n)
			}
			free()
			if o2 := w.run("auth", "token"); o2.code != 0 {
				t.Errorf("once there is room, same identity token: %s", o2)
			}
		})
	}
}

// freePages frees the last n pages of the filler: n pages free on the
// tmpfs.
func freePages(t *testing.T, filler string, n int64) {
	t.Helper()
	st, err := os.Stat(filler)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filler, st.Size()-n*4096); err != nil {
		t.Fatal(err)
	}
}

// fullTmpfs mounts a small tmpfs at dir, runs setup (which stores what the
// test needs there), then fills the rest; the returned func frees the
// space. It skips unless the test runs as root.
func fullTmpfs(t *testing.T, dir string, setup func()) (free func()) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("a full tmpfs needs root to mount (the fsize cell covers the same fault)")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=256k,mode=0700"); err != nil {
		t.Skipf("mount tmpfs: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	setup()
	filler := filepath.Join(dir, "filler")
	f, err := os.OpenFile(filler, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	f.Close()
	return func() { os.Remove(filler) }
}
