package agent

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hermes-agent/hermes/internal/agent/permission"
	"github.com/hermes-agent/hermes/internal/sandbox"
)

// protectedPaths makes Config.Protected absolute, and adds each one's
// symlink-free form, so that both spellings are matched.
func protectedPaths(in []string) []string {
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

// guard refuses rel (a clean path inside WorkDir, as the tool will open it
// through os.Root) when it is, or lies below, a protected path: spelled
// directly, through "..", or through symlinks. shown is the path the
// model asked for.
func (a *Agent) guard(shown, rel string) (toolResult, bool) {
	cands := []string{filepath.Join(a.cfg.WorkDir, rel), realPath(filepath.Join(a.cfg.WorkDir, rel))}
	// Kernel file systems hold the process environment (/proc/self/environ),
	// other processes' memory and devices: never, whatever the work dir
	// (containers often run with it at /).
	for _, c := range cands {
		for _, k := range kernelDirs {
			if c != "" && within(c, k) {
				return errResult("refused: %s is under %s, which the file tools never read (process environments and devices live there)", shown, k), false
			}
		}
	}
	if len(a.protected) == 0 {
		return toolResult{}, true
	}
	for _, c := range cands {
		for _, p := range a.protected {
			if c != "" && within(c, p) {
				return refused(shown, p), false
			}
		}
	}
	return toolResult{}, true
}

// guardGit refuses a write to git's internals (.git/config, hooks/,
// info/, modules/…/config, anything under a .git directory), spelled or
// reached through a symlink: git runs code from there later, outside
// every rule (core.fsmonitor runs on the next `git status`). Allowed
// only with bypassPermissions and the danger-full-access sandbox, or an
// allow rule that names the path (write_file(.git/**)).
func (a *Agent) guardGit(tool, shown, rel string) (toolResult, bool) {
	if a.policy.Mode() == ModeBypassPermissions && a.cfg.Sandbox.Mode == sandbox.DangerFullAccess {
		return toolResult{}, true
	}
	inside := permission.GitInternal(rel)
	if !inside {
		if real, work := realPath(a.absPath(rel)), realPath(a.cfg.WorkDir); real != "" && work != "" {
			if r, err := filepath.Rel(work, real); err == nil && filepath.IsLocal(r) {
				inside, rel = permission.GitInternal(r), r
			}
		}
	}
	if !inside || a.policy.NamesPath(tool, filepath.ToSlash(rel)) {
		return toolResult{}, true
	}
	return errResult("refused: %s is inside .git: git runs code from its config and hooks, so the file tools do not change them; the user can allow it with --allowed-tools '%s(.git/**)'", shown, tool), false
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
func (a *Agent) guardOpened(shown string, f *os.File, st os.FileInfo) (toolResult, bool) {
	opened, named := openedPath(f)
	if named {
		for _, k := range kernelDirs {
			if within(opened, k) {
				return errResult("refused: %s is under %s, which the file tools never read (process environments and devices live there)", shown, k), false
			}
		}
	}
	for _, p := range a.protected {
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
	return toolResult{}, true
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

func refused(shown, p string) toolResult {
	return errResult("refused: %s is inside a credential store (%s): hermes's file tools never read credentials", shown, p)
}

// maskedNote tells the model (and whoever reads the session) why a tool
// result has "…" where a key or JWT was.
const maskedNote = "\n[hermes: key- or JWT-shaped strings in this result were masked; the real values were not sent]"
