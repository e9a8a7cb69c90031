package tools

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// fileChange is a planned write_file or edit_file.
type fileChange struct {
	tool            string
	shown, rel, abs string
	old, new        string
	exists          bool
	mode            fs.FileMode
}

// changeFile finishes write_file and edit_file once their change is
// planned (planChange: work-dir and credential-store checks first,
// whatever the permission mode): permission (with the diff to show),
// then the write.
func (e *Env) changeFile(ctx context.Context, b Call, c fileChange) (Result, error) {
	req := ApprovalRequest{
		ToolID: b.ID, Tool: b.Name, Input: b.Input,
		Title: b.Name + " " + filepath.ToSlash(c.rel), Path: c.abs,
		Diff: UnifiedDiff(c.rel, c.old, c.new, c.exists), OldText: c.old, NewText: c.new,
	}
	if r, ok, err := e.policy().Permit(ctx, req); !ok || err != nil {
		return r, err
	}
	if err := e.writeChange(ctx, c); err != nil {
		return Errorf("%s: %v", c.shown, err), nil
	}
	e.Versions.Record(c.abs, c.new)
	if !c.exists {
		return Result{Content: fmt.Sprintf("created %s (%d bytes)", c.shown, len(c.new))}, nil
	}
	if b.Name == NameEditFile {
		return Result{Content: fmt.Sprintf("edited %s (%s)", c.shown, diffStat(c.old, c.new))}, nil
	}
	return Result{Content: fmt.Sprintf("wrote %s (%d bytes)", c.shown, len(c.new))}, nil
}

// planChange is the part write_file and edit_file share before their own:
// the work-dir, credential-store and .git checks, and the file as it is
// now (which the model must have read, unchanged since).
func (e *Env) planChange(ctx context.Context, tool, path string) (fileChange, Result, bool) {
	c := fileChange{tool: tool, shown: path}
	if path == "" {
		return c, Errorf("%s needs a path", tool), false
	}
	root, rel, err := e.OpenRoot(path)
	if err != nil {
		return c, Errorf("%v", err), false
	}
	defer root.Close()
	if rel == "." {
		return c, Errorf("%s needs a file path, not the working directory", tool), false
	}
	if r, ok := e.Guard(path, rel); !ok {
		return c, r, false
	}
	if r, ok := e.guardGit(tool, path, rel); !ok {
		return c, r, false
	}
	c.rel, c.abs = rel, e.absPath(rel)
	lst, err := root.Lstat(rel)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return c, rootErr(path, err), false
	case lst.Mode()&fs.ModeSymlink != 0:
		return c, Errorf("%s is a symlink: edit the file it points to instead", path), false
	case !lst.Mode().IsRegular():
		return c, Errorf("%s is not a regular file", path), false
	default:
		c.exists = true
	}
	if c.exists {
		f, st, r, ok := e.openGuarded(path)
		if !ok {
			return c, r, false
		}
		text, tooBig, err := e.readText(ctx, f, c.abs, MaxRangeFileBytes)
		f.Close()
		if err != nil {
			return c, Errorf("%s: %v", path, err), false
		}
		if tooBig {
			return c, Errorf("%s is larger than %d MiB: not editing it", path, MaxRangeFileBytes>>20), false
		}
		c.old, c.mode = text, st.Mode().Perm()
		seen, same := e.Versions.Check(c.abs, text)
		switch {
		case !seen:
			return c, Errorf("read %s with read_file before changing it", path), false
		case !same:
			return c, Errorf("%s changed on disk since you last read it: read it again, then redo the change", path), false
		}
	}
	return c, Result{}, true
}

// writeChange writes c: through Files when set, else atomically
// through the os.Root (a temporary file in the same directory, synced,
// then renamed over), keeping an existing file's mode.
func (e *Env) writeChange(ctx context.Context, c fileChange) error {
	root, err := os.OpenRoot(e.WorkDir)
	if err != nil {
		return err
	}
	defer root.Close()
	dir := filepath.Dir(c.rel)
	if dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create the parent directory: %w", err)
		}
	}
	// The directories now exist: check once more, symlinks resolved,
	// that the target is not inside a credential store.
	if r, ok := e.Guard(c.shown, c.rel); !ok {
		return errors.New(r.Content)
	}
	if r, ok := e.guardGit(c.tool, c.shown, c.rel); !ok {
		return errors.New(r.Content)
	}
	if e.Files != nil {
		return e.Files.WriteTextFile(ctx, c.abs, c.new)
	}
	mode := c.mode
	if !c.exists {
		mode = 0o644
	}
	// A random name: parallel tool calls of one turn may write one file.
	tmp := filepath.Join(dir, fmt.Sprintf(".%s.hermes-%s.tmp", filepath.Base(c.rel), rand.Text()[:12]))
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, werr := io.WriteString(f, c.new)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = root.Chmod(tmp, mode)
	}
	if werr == nil {
		werr = root.Rename(tmp, c.rel)
	}
	if werr != nil {
		root.Remove(tmp)
	}
	return werr
}

// guardGit refuses a write to git's internals (.git/config, hooks/,
// info/, modules/…/config, anything under a .git directory), spelled or
// reached through a symlink: git runs code from there later, outside
// every rule (core.fsmonitor runs on the next `git status`). Allowed
// only with bypassPermissions and the danger-full-access sandbox, or an
// allow rule that names the path (write_file(.git/**)).
func (e *Env) guardGit(tool, shown, rel string) (Result, bool) {
	if e.policy().FullAccess() {
		return Result{}, true
	}
	inside := GitInternal(rel)
	if !inside {
		if real, work := realPath(e.absPath(rel)), realPath(e.WorkDir); real != "" && work != "" {
			if r, err := filepath.Rel(work, real); err == nil && filepath.IsLocal(r) {
				inside, rel = GitInternal(r), r
			}
		}
	}
	if !inside || e.policy().NamesPath(tool, filepath.ToSlash(rel)) {
		return Result{}, true
	}
	return Errorf("refused: %s is inside .git: git runs code from its config and hooks, so the file tools do not change them; the user can allow it with --allowed-tools '%s(.git/**)'", shown, tool), false
}

// GitInternal reports whether rel (a slash- or OS-separated path inside
// the work dir) is in a .git directory, or is a .git file: git runs code
// from there later (config's core.fsmonitor, core.pager, hooks/), so the
// file tools refuse it unless a rule names it (write_file(.git/**)).
func GitInternal(rel string) bool {
	for _, seg := range strings.FieldsFunc(filepath.ToSlash(rel), func(r rune) bool { return r == '/' }) {
		if strings.EqualFold(strings.TrimRight(seg, ". "), ".git") {
			return true
		}
	}
	return false
}
