//go:build unix

package fsutil

import (
	"fmt"
	"io"
	"os"
	"syscall"
)

// ReadPrivateFile is ReadFileLimited for a file hermes trusts (a token
// cache entry, a store): like ssh's StrictModes, it refuses a symlink (the
// open does not follow one), a file owned by another user, and a file
// others can write, each with an error naming the path and the fix. A
// planted file is never read.
func ReadPrivateFile(path string, limit int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|openNonblock|syscall.O_NOFOLLOW, 0)
	if err != nil {
		if st, lerr := os.Lstat(path); lerr == nil && st.Mode()&os.ModeSymlink != 0 {
			return nil, fmt.Errorf("%s is a symlink; hermes does not follow symlinks for the files it trusts: replace it with a regular file (rm %s)", path, path)
		}
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is %w (%s): point hermes at a regular file", path, ErrNotRegular, kindOf(st.Mode()))
	}
	if err := checkPrivate(path, st, "chmod go-w"); err != nil {
		return nil, err
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

// CheckPrivateDir refuses a directory hermes keeps secrets in when another
// user owns it or can write into it (and so plant or swap files there).
// A missing directory is fine: hermes creates it 0700.
func CheckPrivateDir(dir string) error {
	st, err := os.Lstat(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	if st.Mode()&os.ModeSymlink != 0 {
		// A symlinked HERMES_HOME is the user's choice; check the target.
		if st, err = os.Stat(dir); err != nil {
			return err
		}
	}
	if !st.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	return checkPrivate(dir, st, "chmod go-w")
}

func checkPrivate(path string, st os.FileInfo, chmod string) error {
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		if uid := os.Geteuid(); int(sys.Uid) != uid {
			return fmt.Errorf("%s is owned by uid %d, not by you (uid %d); hermes refuses it: another user could have planted it — check it, then `chown %d %s` or remove it", path, sys.Uid, uid, uid, path)
		}
	}
	if st.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("%s is writable by other users (mode %04o); hermes refuses it: another user could have planted or changed it — check it, then `%s %s`", path, st.Mode().Perm(), chmod, path)
	}
	return nil
}
