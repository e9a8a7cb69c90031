//go:build !unix

package fsutil

import "os"

// Where there are no Unix permissions, the private reads and writes are
// the plain ones, minus symlinks.

// ReadPrivateFile is ReadFileLimited where there are no Unix permissions.
func ReadPrivateFile(path string, limit int64) ([]byte, error) { return ReadFileLimited(path, limit) }

// ReadPrivateFileUnder is ReadFileLimited where there are no Unix permissions.
func ReadPrivateFileUnder(root, path string, limit int64) ([]byte, error) {
	if st, err := os.Lstat(path); err == nil && st.Mode()&os.ModeSymlink != 0 {
		return nil, &NotPrivateError{Path: path, Problem: "is a symlink", Fix: "del " + path}
	}
	return ReadFileLimited(path, limit)
}

// CheckPrivateDir has nothing to check where there are no Unix permissions.
func CheckPrivateDir(string) error { return nil }

// CheckPrivateTree has nothing to check where there are no Unix permissions.
func CheckPrivateTree(root, dir string) error { return nil }

// WritePrivateFile is WriteFileAtomic, refusing a symlink at path.
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

func checkWritablePrivate(root, path string) error {
	if st, err := os.Lstat(path); err == nil && st.Mode()&os.ModeSymlink != 0 {
		return &NotPrivateError{Path: path, Problem: "is a symlink", Fix: "del " + path}
	}
	return nil
}

func openLockFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_CREATE|os.O_RDONLY, FileMode)
}
