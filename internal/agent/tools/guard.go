package tools

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ProtectedPaths makes paths absolute, and adds each one's symlink-free
// form, so that both spellings are matched (Env.Protected).
func ProtectedPaths(in []string) []string {
	var out []string
	add := func(p string) {
		if p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	for _, p := range in {
		if p == "" {
			continue
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			continue
		}
		add(abs)
		add(realPath(abs))
	}
	return out
}

// realPath is p with every symlink resolved. A path that does not exist
// (yet) keeps its missing tail below the longest existing parent, so a
// missing file inside a protected directory is still recognised as inside.
func realPath(p string) string {
	rest := ""
	for {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(r, rest)
		}
		parent := filepath.Dir(p)
		if parent == p {
			return ""
		}
		rest = filepath.Join(filepath.Base(p), rest)
		p = parent
	}
}

// within reports whether p is dir or below it.
func within(p, dir string) bool {
	if p == dir {
		return true
	}
	if !strings.HasSuffix(dir, string(filepath.Separator)) {
		dir += string(filepath.Separator)
	}
	return strings.HasPrefix(p, dir)
}

// Guard refuses rel (a clean path inside WorkDir, as the tool will open it
// through os.Root) when it is, or lies below, a protected path: spelled
// directly, through "..", or through symlinks. shown is the path the
// model asked for.
func (e *Env) Guard(shown, rel string) (Result, bool) {
	cands := []string{filepath.Join(e.WorkDir, rel), realPath(filepath.Join(e.WorkDir, rel))}
	// Kernel file systems hold the process environment (/proc/self/environ),
	// other processes' memory and devices: never, whatever the work dir
	// (containers often run with it at /).
	for _, c := range cands {
		for _, k := range kernelDirs {
			if c != "" && within(c, k) {
				return Errorf("refused: %s is under %s, which the file tools never read (process environments and devices live there)", shown, k), false
			}
		}
	}
	if len(e.Protected) == 0 {
		return Result{}, true
	}
	for _, c := range cands {
		for _, p := range e.Protected {
			if c != "" && within(c, p) {
				return refused(shown, p), false
			}
		}
	}
	return Result{}, true
}

// guardOpened is the second check, on what was actually opened (f, and
// st its fstat), so a symlink swapped in between the path check and the
// open cannot lead into a store: the kernel's own path of the open file
// (/proc/self/fd on Linux) must not lie in a protected path, and its
// device and inode must not be a protected file's. Where the kernel
// cannot name the open file, every file below a protected directory on
// the same device is compared by device and inode. A hard link to a
// file below a protected directory (HERMES_HOME/auth.json, cache/wif/*,
// the SDK's credentials/*.json) is found by that walk too; directories
// are walked at open time, so files created since count; only for files
// with more than one link when the path is known (no other file can be
// the same file otherwise), so ordinary reads cost nothing and hard
// links outside the stores (pnpm's node_modules) still read.
func (e *Env) guardOpened(shown string, f *os.File, st os.FileInfo) (Result, bool) {
	opened, named := openedPath(f)
	if named {
		for _, k := range kernelDirs {
			if within(opened, k) {
				return Errorf("refused: %s is under %s, which the file tools never read (process environments and devices live there)", shown, k), false
			}
		}
	}
	for _, p := range e.Protected {
		if named && within(opened, p) {
			return refused(shown, p), false
		}
		pst, err := os.Stat(p)
		if err != nil {
			continue
		}
		if os.SameFile(st, pst) {
			return refused(shown, p), false
		}
		if !pst.IsDir() || st.IsDir() || (named && linkCount(st) < 2) || (!named && !sameDevice(st, pst)) {
			continue
		}
		if found, complete := sameFileBelow(p, st); found || !complete {
			// A store too large to search is refused rather than guessed.
			return refused(shown, p), false
		}
	}
	return Result{}, true
}

// maxProtectedWalk bounds the entries sameFileBelow looks at in one
// protected directory: credential stores are small.
const maxProtectedWalk = 50_000

// sameFileBelow reports whether a file below dir is st (a hard link);
// complete is false when the walk stopped at maxProtectedWalk. Symlinks
// below dir are not followed: they are not the store's own files.
func sameFileBelow(dir string, st os.FileInfo) (found, complete bool) {
	n := 0
	errFound := errors.New("found")
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable: nothing in it can be read through us either way
		}
		if n++; n > maxProtectedWalk {
			return fs.SkipAll
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if info, err := d.Info(); err == nil && os.SameFile(st, info) {
			return errFound
		}
		return nil
	})
	return err == errFound, n <= maxProtectedWalk
}

// kernelDirs are refused to the file tools, spelled or resolved.
var kernelDirs = []string{"/proc", "/sys", "/dev"}

func refused(shown, p string) Result {
	return Errorf("refused: %s is inside a credential store (%s): hermes's file tools never read credentials", shown, p)
}
