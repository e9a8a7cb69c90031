package agent

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/hermes-agent/hermes/internal/agent/permission"
	"github.com/hermes-agent/hermes/internal/agent/tools"
	"github.com/hermes-agent/hermes/internal/telemetry"
)

// fileVersions remembers, per absolute path, the content the agent last
// read or wrote (as a hash), so edit_file can refuse a file that changed
// on disk since: the model would be editing text it has not seen.
// Sub-agents share their parent's.
type fileVersions struct {
	mu sync.Mutex
	m  map[string][sha256.Size]byte
}

func (v *fileVersions) record(path, content string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil {
		v.m = map[string][sha256.Size]byte{}
	}
	v.m[path] = sha256.Sum256([]byte(content))
}

// check says whether content is what the agent last saw of path.
func (v *fileVersions) check(path, content string) (seen, same bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	h, ok := v.m[path]
	return ok, ok && h == sha256.Sum256([]byte(content))
}

// absPath is the absolute path of rel (clean, inside the work dir).
func (a *Agent) absPath(rel string) string { return filepath.Join(a.cfg.WorkDir, rel) }

// readText reads a guarded, open regular file: through Config.Files when
// set (an editor's unsaved buffer wins), else from f itself, at most max
// bytes. tooBig is set when the file is larger.
func (a *Agent) readText(ctx context.Context, f *os.File, abs string, max int64) (text string, tooBig bool, err error) {
	if a.cfg.Files != nil {
		s, err := a.cfg.Files.ReadTextFile(ctx, abs)
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

func (a *Agent) readFile(ctx context.Context, in tools.ReadFileInput) toolResult {
	p := in.Path
	if p == "" {
		return errResult("read_file needs a path")
	}
	if in.Offset < 0 || in.Limit < 0 {
		return errResult("offset and limit must not be negative")
	}
	f, st, r, ok := a.openGuarded(p)
	if !ok {
		return r
	}
	defer f.Close()
	if st.IsDir() {
		return errResult("%s is a directory: use list_files", p)
	}
	if !st.Mode().IsRegular() {
		return errResult("%s is not a regular file", p)
	}
	ranged := in.Offset > 0 || in.Limit > 0
	max := int64(MaxReadBytes)
	if ranged {
		max = maxRangeFileBytes
	}
	abs := a.absPath(filepath.Clean(p))
	text, tooBig, err := a.readText(ctx, f, abs, max)
	if err != nil {
		return errResult("%s: %v", p, err)
	}
	if tooBig && !ranged {
		return errResult("%s is %d bytes, larger than the %d KiB read_file limit: read a part with offset and limit (lines)", p, st.Size(), MaxReadBytes>>10)
	}
	if tooBig {
		return errResult("%s is %d bytes, larger than the %d MiB read_file can page through", p, st.Size(), maxRangeFileBytes>>20)
	}
	if !utf8.ValidString(text) || strings.IndexByte(text, 0) >= 0 {
		return errResult("%s is not UTF-8 text (binary file?)", p)
	}
	a.versions.record(abs, text)
	if !ranged {
		return toolResult{content: text}
	}
	return toolResult{content: lineRange(text, in.Offset, in.Limit)}
}

// lineRange is lines [offset, offset+limit) of text (offset from 1; limit
// 0 means to the end), at most MaxReadBytes, with a note saying where it
// stopped.
func lineRange(text string, offset, limit int) string {
	if offset == 0 {
		offset = 1
	}
	lines := strings.SplitAfter(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	total := len(lines)
	if offset > total {
		return fmt.Sprintf("(the file has %d lines; offset %d is past the end)", total, offset)
	}
	end := total
	if limit > 0 && offset-1+limit < total {
		end = offset - 1 + limit
	}
	var b strings.Builder
	last := offset - 1
	for i := offset - 1; i < end; i++ {
		if b.Len()+len(lines[i]) > MaxReadBytes {
			break
		}
		b.WriteString(lines[i])
		last = i + 1
	}
	if last < offset {
		return fmt.Sprintf("(line %d alone is longer than %d KiB)", offset, MaxReadBytes>>10)
	}
	if !strings.HasSuffix(b.String(), "\n") {
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "[hermes: lines %d-%d of %d", offset, last, total)
	if last < total {
		fmt.Fprintf(&b, "; continue with offset %d", last+1)
	}
	b.WriteString("]")
	return b.String()
}

// fileChange is a planned write_file or edit_file.
type fileChange struct {
	tool            string
	shown, rel, abs string
	old, new        string
	exists          bool
	mode            fs.FileMode
}

// changeFile runs write_file and edit_file: work-dir and credential-store
// checks first (whatever the permission mode), then the planned change,
// then permission (with the diff to show), then the write.
func (a *Agent) changeFile(ctx context.Context, b tools.Call, in fileEdit) (toolResult, error) {
	c, r, ok := a.planChange(ctx, b.Name, in)
	if !ok {
		return r, nil
	}
	req := ApprovalRequest{
		ToolID: b.ID, Tool: b.Name, Input: b.Input,
		Title: b.Name + " " + filepath.ToSlash(c.rel), Path: c.abs,
		Diff: unifiedDiff(c.rel, c.old, c.new, c.exists), OldText: c.old, NewText: c.new,
	}
	if r, ok, err := a.permit(ctx, b.Name, "", req); !ok || err != nil {
		return r, err
	}
	if err := a.writeChange(ctx, c); err != nil {
		return errResult("%s: %v", c.shown, err), nil
	}
	a.versions.record(c.abs, c.new)
	if !c.exists {
		return toolResult{content: fmt.Sprintf("created %s (%d bytes)", c.shown, len(c.new))}, nil
	}
	if b.Name == ToolEditFile {
		return toolResult{content: fmt.Sprintf("edited %s (%s)", c.shown, diffStat(c.old, c.new))}, nil
	}
	return toolResult{content: fmt.Sprintf("wrote %s (%d bytes)", c.shown, len(c.new))}, nil
}

// fileEdit is write_file's or edit_file's input.
type fileEdit struct {
	Path, Content        string // write_file
	OldString, NewString string // edit_file
	ReplaceAll           bool
}

func (a *Agent) planChange(ctx context.Context, tool string, in fileEdit) (fileChange, toolResult, bool) {
	c := fileChange{tool: tool, shown: in.Path}
	if in.Path == "" {
		return c, errResult("%s needs a path", tool), false
	}
	root, rel, err := a.openRoot(in.Path)
	if err != nil {
		return c, errResult("%v", err), false
	}
	defer root.Close()
	if rel == "." {
		return c, errResult("%s needs a file path, not the working directory", tool), false
	}
	if r, ok := a.guard(in.Path, rel); !ok {
		return c, r, false
	}
	if r, ok := a.guardGit(tool, in.Path, rel); !ok {
		return c, r, false
	}
	c.rel, c.abs = rel, a.absPath(rel)
	lst, err := root.Lstat(rel)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return c, rootErr(in.Path, err), false
	case lst.Mode()&fs.ModeSymlink != 0:
		return c, errResult("%s is a symlink: edit the file it points to instead", in.Path), false
	case !lst.Mode().IsRegular():
		return c, errResult("%s is not a regular file", in.Path), false
	default:
		c.exists = true
	}
	if c.exists {
		f, st, r, ok := a.openGuarded(in.Path)
		if !ok {
			return c, r, false
		}
		text, tooBig, err := a.readText(ctx, f, c.abs, maxRangeFileBytes)
		f.Close()
		if err != nil {
			return c, errResult("%s: %v", in.Path, err), false
		}
		if tooBig {
			return c, errResult("%s is larger than %d MiB: not editing it", in.Path, maxRangeFileBytes>>20), false
		}
		c.old, c.mode = text, st.Mode().Perm()
		seen, same := a.versions.check(c.abs, text)
		switch {
		case !seen:
			return c, errResult("read %s with read_file before changing it", in.Path), false
		case !same:
			return c, errResult("%s changed on disk since you last read it: read it again, then redo the change", in.Path), false
		}
	}
	switch tool {
	case ToolWriteFile:
		c.new = in.Content
	case ToolEditFile:
		if !c.exists {
			return c, errResult("%s does not exist: create it with write_file", in.Path), false
		}
		if in.OldString == "" {
			return c, errResult("old_string is empty: give the exact text to replace"), false
		}
		if in.OldString == in.NewString {
			return c, errResult("old_string and new_string are the same: nothing to change"), false
		}
		n := strings.Count(c.old, in.OldString)
		switch {
		case n == 0:
			return c, errResult("old_string was not found in %s: it must match exactly, whitespace included", in.Path), false
		case n > 1 && !in.ReplaceAll:
			return c, errResult("old_string occurs %d times in %s: add surrounding lines to make it unique, or set replace_all", n, in.Path), false
		}
		if in.ReplaceAll {
			c.new = strings.ReplaceAll(c.old, in.OldString, in.NewString)
		} else {
			c.new = strings.Replace(c.old, in.OldString, in.NewString, 1)
		}
	}
	return c, toolResult{}, true
}

// writeChange writes c: through Config.Files when set, else atomically
// through the os.Root (a temporary file in the same directory, synced,
// then renamed over), keeping an existing file's mode.
func (a *Agent) writeChange(ctx context.Context, c fileChange) error {
	root, err := os.OpenRoot(a.cfg.WorkDir)
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
	if r, ok := a.guard(c.shown, c.rel); !ok {
		return errors.New(r.content)
	}
	if r, ok := a.guardGit(c.tool, c.shown, c.rel); !ok {
		return errors.New(r.content)
	}
	if a.cfg.Files != nil {
		return a.cfg.Files.WriteTextFile(ctx, c.abs, c.new)
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

// permit decides a call of a tool that may need permission: the rules,
// then the Approver. ok is false with the denial as a tool result.
func (a *Agent) permit(ctx context.Context, tool, command string, req ApprovalRequest) (toolResult, bool, error) {
	return a.permitKind(ctx, tool, tools.KindOf(tool), command, req)
}

// permitKind is permit for a tool of kind.
func (a *Agent) permitKind(ctx context.Context, tool string, kind tools.Kind, command string, req ApprovalRequest) (toolResult, bool, error) {
	v := a.policy.CheckKind(tool, kind, command)
	switch v.Decision {
	case permission.Allow:
		telemetry.RecordToolDecision(ctx, tool, "allow", "policy")
		return toolResult{}, true, nil
	case permission.Deny:
		telemetry.RecordToolDecision(ctx, tool, "deny", "policy")
		return denied("%s", v.Reason), false, nil
	}
	telemetry.RecordToolDecision(ctx, tool, "ask", "policy")
	hint := v.Hint()
	if a.cfg.Approver == nil {
		telemetry.RecordToolDecision(ctx, tool, "deny", "unattended")
		return denied("%s needs approval and nobody can be asked here, %s", req.Title, hint), false, nil
	}
	for _, r := range v.Suggest {
		req.AlwaysRules = append(req.AlwaysRules, r.String())
	}
	req.Unruled = v.Unruled
	ans, err := a.cfg.Approver.Approve(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			return toolResult{}, false, ctx.Err()
		}
		return denied("could not ask for approval (%v), %s", err, hint), false, nil
	}
	if !ans.Allow {
		telemetry.RecordToolDecision(ctx, tool, "deny", "user")
		reason := strings.TrimSpace(ans.Reason)
		if reason == "" {
			reason = "the user refused " + req.Title
		}
		return denied("%s", reason), false, nil
	}
	if ans.Always && len(v.Suggest) > 0 {
		// Exactly the rules the dialog named: command rules for the
		// parts the user saw, never the whole bash tool.
		a.policy.AllowForSession(v.Suggest...)
	}
	telemetry.RecordToolDecision(ctx, tool, "allow", "user")
	return toolResult{}, true, nil
}

// denied is a refused call's result, for the model to read and go on.
func denied(format string, args ...any) toolResult {
	r := errResult("permission denied: "+format, args...)
	r.denied = true
	return r
}
