package tools

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// OpenRoot opens the working directory as an os.Root: every path below it
// is resolved by the kernel relative to it, and ".." or a symlink that
// leads outside is refused. rel is p, clean.
func (e *Env) OpenRoot(p string) (root *os.Root, rel string, err error) {
	if p == "" {
		p = "."
	}
	if filepath.IsAbs(p) || !filepath.IsLocal(filepath.Clean(p)) && filepath.Clean(p) != "." {
		return nil, "", fmt.Errorf("path %q is outside the working directory: use a relative path inside it", p)
	}
	r, err := os.OpenRoot(e.WorkDir)
	if err != nil {
		return nil, "", fmt.Errorf("open working directory: %v", err)
	}
	return r, filepath.Clean(p), nil
}

// rootErr turns an os.Root error into words for the model.
func rootErr(p string, err error) Result {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Errorf("%s does not exist", p)
	case strings.Contains(err.Error(), "escapes"):
		return Errorf("path %q leads outside the working directory (through a symlink or ..): refused", p)
	}
	return Errorf("%s: %v", p, errors.Unwrap(err))
}

// openGuarded opens p inside the working directory, refusing credential
// stores both before opening (by path) and after (by the opened file), so
// every file tool applies the same checks in the same order.
func (e *Env) openGuarded(p string) (*os.File, fs.FileInfo, Result, bool) {
	root, rel, err := e.OpenRoot(p)
	if err != nil {
		return nil, nil, Errorf("%v", err), false
	}
	defer root.Close()
	if r, ok := e.Guard(p, rel); !ok {
		return nil, nil, r, false
	}
	if e.AfterGuard != nil {
		e.AfterGuard(rel)
	}
	f, err := root.Open(rel)
	if err != nil {
		return nil, nil, rootErr(p, err), false
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, rootErr(p, err), false
	}
	if r, ok := e.guardOpened(p, f, st); !ok {
		f.Close()
		return nil, nil, r, false
	}
	return f, st, Result{}, true
}

// absPath is the absolute path of rel (clean, inside the work dir).
func (e *Env) absPath(rel string) string { return filepath.Join(e.WorkDir, rel) }

// readText reads a guarded, open regular file: through Files when set
// (an editor's unsaved buffer wins), else from f itself, at most max
// bytes. tooBig is set when the file is larger.
func (e *Env) readText(ctx context.Context, f *os.File, abs string, max int64) (text string, tooBig bool, err error) {
	if e.Files != nil {
		s, err := e.Files.ReadTextFile(ctx, abs)
		if err != nil {
			return "", false, err
		}
		return s, int64(len(s)) > max, nil
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return "", false, err
	}
	if int64(len(data)) > max {
		return "", true, nil
	}
	return string(data), false, nil
}
