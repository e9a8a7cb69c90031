package fsutil

// SetBeforeRenameHook installs h as the before-rename test hook of
// WriteFileAtomic (see beforeRename) and returns a func that removes it.
// It exists so that other packages' tests can simulate a crash between the
// synced temp file and the rename; production code never calls it. Not
// safe for concurrent use with writers.
func SetBeforeRenameHook(h func(tmp string) error) (restore func()) {
	prev := beforeRename
	beforeRename = h
	return func() { beforeRename = prev }
}
