//go:build unix

package fsutil

import (
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// ReadPrivateFile is ReadPrivateFileUnder with the file's own directory as
// the root: the directory and the file are checked.
func ReadPrivateFile(path string, limit int64) ([]byte, error) {
	return ReadPrivateFileUnder(filepath.Dir(path), path, limit)
}

// ReadPrivateFileUnder is ReadFileLimited for a file hermes trusts (a
// store, a token cache entry, a key) below root (HERMES_HOME). Like ssh's
// StrictModes it refuses, each with an error naming the path and the fix:
//   - root, or a directory between root and the file, that another user
//     owns or can write (they could plant or swap files in it);
//   - a symlink (the open does not follow one);
//   - a file owned by another user, or writable by others.
//
// Ownership by root is accepted, as ssh does. A missing file is
// fs.ErrNotExist, after the directories are checked. Refusals wrap
// ErrNotPrivate. A refused file is left as it is.
func ReadPrivateFileUnder(root, path string, limit int64) ([]byte, error) {
	if err := CheckPrivateTree(root, filepath.Dir(path)); err != nil {
		return nil, err
	}
	f, err := openPrivate(path, os.O_RDONLY|openNonblock)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return data, nil
}

// openPrivate opens path without following a symlink and checks what was
// opened: a regular file, ours (or root's), not writable by others.
func openPrivate(path string, flag int) (*os.File, error) {
	f, err := os.OpenFile(path, flag|openNofollow, FileMode)
	if err != nil {
		if serr := symlinkError(path); serr != nil {
			return nil, serr
		}
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s is %w (%s): hermes expects a regular file there; move it away", path, ErrNotRegular, kindOf(st.Mode()))
	}
	if err := checkPrivate(path, st, false); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// symlinkError is the refusal of path when it is a symlink, else nil.
func symlinkError(path string) error {
	st, err := os.Lstat(path)
	if err != nil || st.Mode()&os.ModeSymlink == 0 {
		return nil
	}
	return &NotPrivateError{Path: path, Problem: "is a symlink", Fix: symlinkFix(path)}
}

// symlinkFix is the command that replaces the link at path with the file
// it points to (mv onto a symlink replaces the link, not its target), or
// removes a dangling link.
func symlinkFix(path string) string {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "rm " + path
	}
	return "mv " + target + " " + path
}

// CheckPrivateDir refuses a directory hermes keeps secrets in when another
// user owns it or can write into it (and so plant or swap files there).
// A missing directory is fine: hermes creates it 0700. A symlinked
// directory (HERMES_HOME on another disk) is the user's choice: its target
// is checked.
func CheckPrivateDir(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	return checkPrivate(dir, st, true)
}

// CheckPrivateTree runs CheckPrivateDir on root and on every directory
// from root down to dir (a directory at or below root). A dir outside
// root is checked alone.
func CheckPrivateTree(root, dir string) error {
	root, dir = filepath.Clean(root), filepath.Clean(dir)
	rel, err := filepath.Rel(root, dir)
	if err != nil || !filepath.IsLocal(rel) && rel != "." {
		return CheckPrivateDir(dir)
	}
	if err := CheckPrivateDir(root); err != nil {
		return err
	}
	p := root
	for _, part := range splitPath(rel) {
		p = filepath.Join(p, part)
		if err := CheckPrivateDir(p); err != nil {
			return err
		}
	}
	return nil
}

func splitPath(rel string) []string {
	if rel == "." {
		return nil
	}
	var parts []string
	for rel != "." && rel != "" {
		parts = append([]string{filepath.Base(rel)}, parts...)
		rel = filepath.Dir(rel)
	}
	return parts
}

// WritePrivateFile writes data to path below root (HERMES_HOME) with
// WriteFileAtomic, mode 0600, after CheckPrivateTree on its directories. A
// symlink at path is refused, not replaced (replacing it would silently
// break the link), and so is an existing file that ReadPrivateFile would
// refuse: hermes never overwrites a file it does not trust.
func WritePrivateFile(root, path string, data []byte) error {
	return (*Writer)(nil).WritePrivateFile(root, path, data)
}

// WritePrivateFile is the package's WritePrivateFile, with w's hook.
func (w *Writer) WritePrivateFile(root, path string, data []byte) error {
	if err := checkWritablePrivate(root, path); err != nil {
		return err
	}
	return w.WriteFileAtomic(path, data, FileMode)
}

// checkWritablePrivate is WritePrivateFile's refusal of what it must not
// replace.
func checkWritablePrivate(root, path string) error {
	if err := CheckPrivateTree(root, filepath.Dir(path)); err != nil {
		return err
	}
	if st, err := os.Lstat(path); err == nil {
		switch {
		case st.Mode()&os.ModeSymlink != 0:
			return symlinkError(path)
		case !st.Mode().IsRegular():
			return fmt.Errorf("%s is %w (%s): hermes expects a regular file there; move it away", path, ErrNotRegular, kindOf(st.Mode()))
		}
		if err := checkPrivate(path, st, false); err != nil {
			return err
		}
	}
	return nil
}

// openLockFile opens (creating 0600) a lock file: never through a
// symlink, so a planted link cannot make hermes create or truncate its
// target, and only a private regular file.
func openLockFile(path string) (*os.File, error) {
	return openPrivate(path, os.O_CREATE|os.O_RDONLY|openNonblock)
}

func checkPrivate(path string, st os.FileInfo, dir bool) error {
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		if uid := os.Geteuid(); int(sys.Uid) != uid && sys.Uid != 0 {
			fix := "sudo chown " + userName(uid) + " " + path
			if !dir {
				fix += " (or remove it if you did not put it there)"
			} else {
				fix += " (or keep hermes's files in a directory of your own)"
			}
			return &NotPrivateError{Path: path, Problem: fmt.Sprintf("is owned by uid %d, not by you (uid %d)", sys.Uid, uid), Fix: fix, Dir: dir}
		}
	}
	if st.Mode().Perm()&0o022 != 0 {
		who := "other users"
		if st.Mode().Perm()&0o002 == 0 {
			who = "its group"
		}
		fix := "chmod go-w " + path
		if dir {
			fix += " (or keep hermes's files in a directory only you can write)"
		}
		return &NotPrivateError{Path: path, Problem: fmt.Sprintf("is writable by %s (mode %04o)", who, st.Mode().Perm()), Fix: fix, Dir: dir}
	}
	return nil
}

// userName is the login name of uid for a chown command, else the number.
func userName(uid int) string {
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil && u.Username != "" {
		return u.Username
	}
	return strconv.Itoa(uid)
}
