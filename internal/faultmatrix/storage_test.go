package faultmatrix

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// makeReadOnly makes dir read-only for hermes: by its mode for an ordinary
// user, by a read-only bind mount for root (whom modes do not stop).
func makeReadOnly(t *testing.T, dir string) {
	t.Helper()
	if os.Geteuid() != 0 {
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				os.Chmod(p, 0o500)
			}
			return nil
		})
		t.Cleanup(func() {
			filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
				if err == nil && d.IsDir() {
					os.Chmod(p, 0o700)
				}
				return nil
			})
		})
		return
	}
	if err := syscall.Mount(dir, dir, "", syscall.MS_BIND|syscall.MS_REC, ""); err != nil {
		t.Skipf("running as root and cannot bind-mount %s read-only (%v): modes would not stop root", dir, err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	if err := syscall.Mount("", dir, "", syscall.MS_REMOUNT|syscall.MS_BIND|syscall.MS_RDONLY, ""); err != nil {
		t.Skipf("cannot remount %s read-only: %v", dir, err)
	}
}

// TestReadOnlyHome: HERMES_HOME on a read-only filesystem (a locked-down
// container). A warm token is still served; a command that must store
// something says where and why it could not; nothing is lost.
func TestReadOnlyHome(t *testing.T) {
	t.Parallel()
	skipUnlessFull(t)
	w := newWorld(t, worldOptions{})
	w.mustRun("chat", "-q", "seed")
	before := takeSnapshot(t, w.hh)
	makeReadOnly(t, w.hh)

	if o := w.run("auth", "token"); o.code != 0 {
		t.Errorf("auth token with a warm cache on a read-only HERMES_HOME: %s", o)
	}
	o := w.run("chat", "-q", "hello")
	t.Logf("chat -q: %s", o)
	if o.code != 0 {
		w.checkMessage(o, []string{w.hh, "read-only"}, false)
	}
	checkStore(t, w.hh, before)
	// Cold: the token must be exchanged and cannot be cached.
	w.rotateJWT()
	unmountAndExpire(t, w)
	makeReadOnly(t, w.hh)
	before = takeSnapshot(t, w.hh)
	o = w.run("auth", "token")
	t.Logf("cold auth token: %s", o)
	if o.code != 0 {
		w.checkMessage(o, []string{"read-only"}, false)
	}
	checkStore(t, w.hh, before)
	if after := takeSnapshot(t, w.hh); len(after) != len(before) {
		t.Errorf("files changed on a read-only HERMES_HOME")
	}
}

// unmountAndExpire undoes makeReadOnly's mount (root) and expires the
// cached tokens, so the next run exchanges.
func unmountAndExpire(t *testing.T, w *world) {
	t.Helper()
	if os.Geteuid() == 0 {
		syscall.Unmount(w.hh, syscall.MNT_DETACH)
	} else {
		os.Chmod(w.hh, 0o700)
		filepath.WalkDir(w.hh, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				os.Chmod(p, 0o700)
			}
			return nil
		})
	}
	expireCachedTokens(t, w.hh)
}

// TestFullDisk: every write past a few bytes fails (RLIMIT_FSIZE: EFBIG,
// as a full disk's ENOSPC) while hermes exchanges a token, caches it and
// stores a session. It fails or warns naming the write, and leaves no
// half-written file: the old token, sessions and records stay whole.
func TestFullDisk(t *testing.T) {
	t.Parallel()
	skipUnlessFull(t)
	for _, args := range [][]string{{"auth", "token"}, {"chat", "-q", "hello"}, {"cron", "run", "job"}} {
		t.Run(args[0]+"-"+args[1], func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, worldOptions{})
			w.mustRun("cron", "add", "job", "--schedule", "@daily", "--prompt", "hello")
			w.mustRun("cron", "run", "job")
			w.mustRun("chat", "-q", "seed")
			expireCachedTokens(t, w.hh)
			w.rotateJWT()
			before := takeSnapshot(t, w.hh)
			w.extra = []string{fsizeEnv + "=16"}
			o := w.run(args...)
			t.Logf("%s", o)
			if o.code != 0 {
				w.checkMessage(o, []string{"file too large|no space|write"}, false)
			}
			checkStore(t, w.hh, before)
		})
	}
}

// TestClockSkew: the machine's clock is 5 minutes ahead of or behind the
// issuer and Anthropic (the JWT's iat/exp and the token's lifetime are in
// their time). hermes works, and caches: one exchange for two runs.
func TestClockSkew(t *testing.T) {
	t.Parallel()
	skipUnlessFull(t)
	for _, skew := range []time.Duration{5 * time.Minute, -5 * time.Minute} {
		t.Run(skew.String(), func(t *testing.T) {
			t.Parallel()
			theirs := func() time.Time { return time.Now().Add(skew) }
			w := newWorld(t, worldOptions{issuerNow: theirs, apiNow: theirs})
			for i := 0; i < 2; i++ {
				if o := w.run("auth", "token"); o.code != 0 || !strings.HasPrefix(o.stdout, "sk-ant-oat01-") {
					t.Fatalf("auth token, run %d, clock skewed %v: %s", i+1, skew, o)
				}
			}
			if o := w.run("chat", "-q", "hello"); o.code != 0 {
				t.Fatalf("chat -q, clock skewed %v: %s", skew, o)
			}
			if n := w.api.ExchangeCount(); n != 1 {
				t.Errorf("%d exchanges for three runs, want 1 (the cache works across a skewed clock)", n)
			}
		})
	}
}

func skipUnlessFull(t *testing.T) {
	if !fullMatrix {
		t.Skip("part of the full matrix: go test -tags faults ./internal/faultmatrix/")
	}
}
