// Package fsutil holds the file discipline every hermes file follows:
// private directories (0700), private files (0600), atomic writes (temp
// file, fsync, rename, directory fsync) and cross-process locks.
package fsutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gofrs/flock"
)

const (
	DirMode  os.FileMode = 0o700
	FileMode os.FileMode = 0o600
)

// EnsureDir creates dir (and parents) with mode 0700. An existing directory
// keeps its mode; hermes does not silently change a directory it did not
// create.
func EnsureDir(dir string) error {
	if err := os.MkdirAll(dir, DirMode); err != nil {
		return fmt.Errorf("create directory %s: %w", dir, err)
	}
	return nil
}

// Writer writes files as WriteFileAtomic and WritePrivateFile do. Those
// are the methods of a nil *Writer; a test that simulates a crash calls
// them on a Writer with BeforeRename set, so it changes no shared state
// and can run in parallel with other tests.
type Writer struct {
	// BeforeRename, when set, runs once the temp file is written and
	// synced; a non-nil error aborts the write there, as a crash before
	// the rename would.
	BeforeRename func(tmp string) error
}

// WriteFileAtomic replaces path with data: a temp file in the same
// directory is written with mode perm, fsynced and renamed over path, then
// the directory is fsynced. Readers see the old file or the new one, never
// a torn one; a crash leaves the old file in place.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	return (*Writer)(nil).WriteFileAtomic(path, data, perm)
}

// WriteFileAtomic is the package's WriteFileAtomic, with w's hook.
func (w *Writer) WriteFileAtomic(path string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(path)
	if err := EnsureDir(dir); err != nil {
		return err
	}
	SweepTemps(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	if err = tmp.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if w != nil && w.BeforeRename != nil {
		if err = w.BeforeRename(tmpName); err != nil {
			return err
		}
	}
	if err = os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return syncDir(dir)
}

// staleTemp is the age past which a temp file of an atomic write is left
// over from a process that died mid-write (kill -9, a crash).
const staleTemp = time.Minute

// SweepTemps removes path's stale temp files (".NAME.tmp-*" older than a
// minute): left by a writer killed mid-write, they may hold a full copy
// of a credential file. Writers call it before writing, under the lock
// that serialises path's writers, so no live writer's file is taken.
func SweepTemps(path string) { removeTemps(path, staleTemp) }

// RemoveTemps removes all of path's temp files, however young. Call it
// only under a lock that every writer of path holds while its temp file
// exists: then none is a live writer's. `auth logout` does, so that no
// copy of auth.json outlives it.
func RemoveTemps(path string) { removeTemps(path, 0) }

func removeTemps(path string, olderThan time.Duration) {
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*"))
	now := time.Now()
	for _, m := range matches {
		if fi, err := os.Lstat(m); err == nil && fi.Mode().IsRegular() && (olderThan == 0 || now.Sub(fi.ModTime()) > olderThan) {
			os.Remove(m)
		}
	}
}

// SyncDir fsyncs dir, so a rename in it survives a crash.
func SyncDir(dir string) error { return syncDir(dir) }

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

// ErrNotRegular is returned for a FIFO, socket, device or directory where
// hermes expects a file: reading one could block forever or never end.
var ErrNotRegular = errors.New("not a regular file")

// ReadFileLimited reads at most limit bytes of path; a larger file is an
// error naming the path and the limit, so a hostile or mistaken file never
// fills memory. Only regular files are read: the file is opened without
// blocking (a FIFO with no writer would hang the open) and checked on the
// opened descriptor, so a swap after a check cannot slip one in.
func ReadFileLimited(path string, limit int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is %w (%s): point hermes at a regular file", path, ErrNotRegular, kindOf(st.Mode()))
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return data, nil
}

func kindOf(m os.FileMode) string {
	switch {
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	case m.IsDir():
		return "a directory"
	}
	return "not regular"
}

// Lock is a held cross-process lock.
type Lock struct {
	fl   *flock.Flock
	path string
}

// Unlock releases the lock. It clears the holder's PID first (before the
// release, so it never erases the next holder's).
func (l *Lock) Unlock() error {
	if f, err := os.OpenFile(l.path, os.O_WRONLY|openNofollow, 0); err == nil {
		f.Truncate(0)
		f.Close()
	}
	return l.fl.Unlock()
}

// LockTimeout bounds how long a command waits for another hermes process.
// It is longer than any legitimate hold: an OAuth refresh or a WIF
// exchange runs under its lock and is bounded at 2 minutes (oauth's
// refreshBound, wif's refreshTimeout; their tests check this), and a
// slow server may take 90 s to answer. A waiter that gave up sooner
// would fail while the holder was about to succeed.
const LockTimeout = 150 * time.Second

// lockWait is LockTimeout; tests shorten it.
var lockWait = LockTimeout

// LockFile takes an exclusive lock on path (created 0600 if missing),
// waiting until ctx is done or LockTimeout passes. The lock file is never
// opened through a symlink (a planted link cannot make hermes create its
// target) and must be a private regular file (see ReadPrivateFile). The
// holder writes its PID into the file, so a waiter that gives up can say
// who holds it.
func LockFile(ctx context.Context, path string) (*Lock, error) {
	fl, err := newFlock(path)
	if err != nil {
		return nil, err
	}
	wait := lockWait
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	ok, err := fl.TryLockContext(ctx, 10*time.Millisecond)
	if err != nil || !ok {
		if err == nil {
			err = ctx.Err()
		}
		return nil, &LockHeldError{Path: path, Holder: lockHolder(path), Waited: wait, Err: err}
	}
	return held(fl, path), nil
}

// TryLockFile takes the lock only if it is free now; ok is false otherwise.
func TryLockFile(path string) (l *Lock, ok bool, err error) {
	fl, err := newFlock(path)
	if err != nil {
		return nil, false, err
	}
	ok, err = fl.TryLock()
	if err != nil || !ok {
		return nil, false, err
	}
	return held(fl, path), true, nil
}

// held records this process as the lock's holder. The PID is advice for
// messages only: the flock is what excludes, so a failed write is ignored.
func held(fl *flock.Flock, path string) *Lock {
	if f, err := os.OpenFile(path, os.O_WRONLY|openNofollow, 0); err == nil {
		if f.Truncate(0) == nil {
			f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
		}
		f.Close()
	}
	return &Lock{fl: fl, path: path}
}

// LockHolder is what a lock file says about the process holding it.
type LockHolder struct {
	PID int // 0: not recorded
	// Alive: the process exists (known false when Known is false).
	Alive, Known bool
}

// LockHolderOf reads the PID the holder of the lock at path wrote.
func LockHolderOf(path string) LockHolder { return lockHolder(path) }

func lockHolder(path string) LockHolder {
	data, err := ReadFileLimited(path, 64)
	if err != nil {
		return LockHolder{}
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return LockHolder{}
	}
	alive, known := processAlive(pid)
	return LockHolder{PID: pid, Alive: alive, Known: known}
}

// LockHeldError: another process held the lock for as long as a waiter
// waits (or the waiter's context ended first).
type LockHeldError struct {
	Path   string
	Holder LockHolder
	Waited time.Duration
	Err    error // the context's error
}

func (e *LockHeldError) Error() string {
	s := fmt.Sprintf("lock %s: ", e.Path)
	if errors.Is(e.Err, context.DeadlineExceeded) {
		s = fmt.Sprintf("lock %s: waited %s; ", e.Path, e.Waited.Round(time.Second))
	}
	h := e.Holder
	switch {
	case h.PID == 0:
		return s + "another hermes process holds it (it did not record its PID); try again when it has finished"
	case !h.Known:
		return s + fmt.Sprintf("hermes process %d holds it; try again when it has finished", h.PID)
	case h.Alive:
		return s + fmt.Sprintf("hermes process %d holds it and is still running; try again when it has finished, or stop it (kill %d)", h.PID, h.PID)
	}
	return s + fmt.Sprintf("it is held, though hermes process %d that took it is no longer running (a process it started may hold it still: see lsof %s)", h.PID, e.Path)
}

func (e *LockHeldError) Unwrap() error { return e.Err }

// newFlock creates path's directory and the lock file itself (so it gets
// 0600, not flock's default), checked like a trusted file; flock opens it
// again without following a symlink.
func newFlock(path string) (*flock.Flock, error) {
	if err := EnsureDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	f, err := openLockFile(path)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	f.Close()
	return flock.New(path, flock.SetFlag(os.O_CREATE|os.O_RDONLY|openNofollow), flock.SetPermissions(FileMode)), nil
}
