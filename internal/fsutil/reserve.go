package fsutil

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Reserved is an atomic write whose space was taken before the caller did
// something it cannot undo (spend a single-use refresh or identity token):
// the temp file already holds size bytes on disk, so Commit overwrites
// blocks that are allocated, and a full disk fails Reserve (nothing spent
// yet) instead of Commit (the answer lost).
type Reserved struct {
	path string
	perm os.FileMode
	f    *os.File
	size int
	w    *Writer // its BeforeRename runs before Commit's rename
}

// RecoveredError is a Commit that could not replace the file but whose new
// contents are safe in Recovered, a complete copy; the user is told how to
// put it in place.
type RecoveredError struct {
	Path, Recovered string
	Err             error
}

func (e *RecoveredError) Error() string {
	return fmt.Sprintf("could not replace %s (%v); its new contents are kept in %s: once that is fixed, run: mv %s %s", e.Path, e.Err, e.Recovered, e.Recovered, e.Path)
}

func (e *RecoveredError) Unwrap() error { return e.Err }

// RecoveryPath is where Commit keeps new contents it could not put in
// place.
func RecoveryPath(path string) string { return path + ".recovered" }

// Reserve creates path's temp file (mode perm) and fills it with size
// bytes, synced.
func Reserve(path string, size int, perm os.FileMode) (*Reserved, error) {
	return (*Writer)(nil).Reserve(path, size, perm)
}

// Reserve is the package's Reserve; Commit runs w's hook.
func (w *Writer) Reserve(path string, size int, perm os.FileMode) (*Reserved, error) {
	dir := filepath.Dir(path)
	if err := EnsureDir(dir); err != nil {
		return nil, err
	}
	SweepTemps(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("reserve space to write %s: %w", path, err)
	}
	r := &Reserved{path: path, perm: perm, f: f, size: size, w: w}
	fail := func(err error) (*Reserved, error) {
		r.Abort()
		return nil, fmt.Errorf("reserve space to write %s: %w", path, err)
	}
	if err := f.Chmod(perm); err != nil {
		return fail(err)
	}
	if _, err := f.Write(make([]byte, size)); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	return r, nil
}

// ReservePrivateFile is Reserve for a file WritePrivateFile would write,
// after the same checks.
func ReservePrivateFile(root, path string, size int) (*Reserved, error) {
	return (*Writer)(nil).ReservePrivateFile(root, path, size)
}

// ReservePrivateFile is the package's ReservePrivateFile; Commit runs w's
// hook.
func (w *Writer) ReservePrivateFile(root, path string, size int) (*Reserved, error) {
	if err := checkWritablePrivate(root, path); err != nil {
		return nil, err
	}
	return w.Reserve(path, size, FileMode)
}

// Abort removes the reservation; after Commit it does nothing.
func (r *Reserved) Abort() {
	if r.f == nil {
		return
	}
	r.f.Close()
	os.Remove(r.f.Name())
	r.f = nil
}

// Commit replaces path with data through the reserved temp file. When the
// data reached the temp file but it could not be renamed into place, the
// temp file is kept at RecoveryPath (or, when even that rename fails,
// where it is) and the error is a *RecoveredError naming it.
func (r *Reserved) Commit(data []byte) (err error) {
	if r.f == nil {
		return errors.New("fsutil: Commit of an aborted reservation")
	}
	tmp := r.f.Name()
	defer r.Abort()
	if _, err := r.f.WriteAt(data, 0); err != nil {
		return fmt.Errorf("write %s: %w", r.path, err)
	}
	if len(data) < r.size {
		if err := r.f.Truncate(int64(len(data))); err != nil {
			return fmt.Errorf("write %s: %w", r.path, err)
		}
	}
	if err := r.f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", r.path, err)
	}
	if err := r.f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", r.path, err)
	}
	r.f = nil
	err = nil
	if r.w != nil && r.w.BeforeRename != nil {
		err = r.w.BeforeRename(tmp)
	}
	if err == nil {
		err = os.Rename(tmp, r.path)
	}
	if err != nil {
		rec := RecoveryPath(r.path)
		if rerr := os.Rename(tmp, rec); rerr != nil {
			// The temp file may be the only copy of what was just spent
			// to get (a rotated refresh token): it stays where it is,
			// named in the error, rather than being removed.
			syncDir(filepath.Dir(r.path))
			return &RecoveredError{Path: r.path, Recovered: tmp, Err: err}
		}
		syncDir(filepath.Dir(r.path))
		return &RecoveredError{Path: r.path, Recovered: rec, Err: err}
	}
	return syncDir(filepath.Dir(r.path))
}
