package sysprompt

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

// Limits of the project instructions.
const (
	// MaxInstructionBytes caps the instructions in all: they are sent with
	// every request. The closest files are kept whole first; farther ones
	// are cut or left out, with a warning naming them.
	MaxInstructionBytes = 40 << 10
	// MaxImportDepth bounds nested @imports.
	MaxImportDepth = 5
)

// instructionNames are the files read in each directory, in this order.
var instructionNames = []string{"AGENTS.md", "CLAUDE.md", "CLAUDE.local.md"}

// File is one instruction file that went into the prompt.
type File struct {
	Path string `json:"path"`
	// ImportedBy is the file whose @import line brought this one in.
	ImportedBy string `json:"imported_by,omitempty"`
	Bytes      int    `json:"bytes"`
	// Cut is set when the cap cut the file or left it out.
	Cut bool `json:"cut,omitempty"`
}

// Instructions are the discovered files' text, ready for the prompt.
type Instructions struct {
	Text     string // "" when no file was found
	Files    []File
	Warnings []string
}

// source is one top-level file with its imports expanded.
type source struct {
	path  string
	text  string
	files []File // the file and what it imported, in reading order
}

// reader reads instruction files inside one boundary (the repository,
// the work dir, or HERMES_HOME for the user's file), never through a
// symlink out of it, never a protected path, never more than the cap.
type reader struct {
	root      *os.Root
	rootDir   string // real path of the boundary
	protected []string
	warnings  *[]string
}

// FindInstructions reads the instruction files for workDir: HERMES_HOME's
// AGENTS.md (when home is set), then AGENTS.md, CLAUDE.md and
// CLAUDE.local.md of each directory from the repository root down to
// workDir (only workDir outside a repository). Closest last: on a
// conflict, the model is told the later file wins.
func FindInstructions(workDir, repoRoot, home string, protected []string) *Instructions {
	in := &Instructions{}
	protected = realPaths(protected)
	var sources []source
	if home != "" {
		// Imports from the user's file are refused: its directory is
		// HERMES_HOME, where the credentials live.
		if r := openReader(home, nil, &in.Warnings); r != nil {
			if s, ok := r.top(filepath.Join(home, "AGENTS.md"), false); ok {
				sources = append(sources, s)
			}
			r.root.Close()
		}
	}
	boundary := cmpOr(repoRoot, workDir)
	if r := openReader(boundary, protected, &in.Warnings); r != nil {
		for _, dir := range dirsDown(boundary, workDir) {
			for _, name := range instructionNames {
				if s, ok := r.top(filepath.Join(dir, name), true); ok {
					sources = append(sources, s)
				}
			}
		}
		r.root.Close()
	}
	in.assemble(sources)
	return in
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// dirsDown lists root, then each directory below it down to dir.
func dirsDown(root, dir string) []string {
	rel, err := filepath.Rel(root, dir)
	if err != nil || !filepath.IsLocal(rel) && rel != "." {
		return []string{dir}
	}
	out := []string{root}
	if rel == "." {
		return out
	}
	d := root
	for _, part := range strings.Split(rel, string(filepath.Separator)) {
		d = filepath.Join(d, part)
		out = append(out, d)
	}
	return out
}

func openReader(dir string, protected []string, warnings *[]string) *reader {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil
	}
	root, err := os.OpenRoot(real)
	if err != nil {
		return nil
	}
	return &reader{root: root, rootDir: real, protected: protected, warnings: warnings}
}

func (r *reader) warn(format string, args ...any) {
	*r.warnings = append(*r.warnings, fmt.Sprintf(format, args...))
}

// top reads one top-level file; a missing file is no warning.
func (r *reader) top(path string, imports bool) (source, bool) {
	s := source{path: path}
	text, ok := r.read(path, "", imports, []string{}, &s.files)
	if !ok {
		return s, false
	}
	s.text = text
	return s, true
}

// read reads path (absolute, spelled below the boundary as given) and
// expands its @imports; stack holds the real paths being expanded.
func (r *reader) read(path, importedBy string, imports bool, stack []string, files *[]File) (string, bool) {
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) && importedBy == "" {
		return "", false
	}
	rel, err := filepath.Rel(r.rootDir, r.real(path))
	if err != nil || !filepath.IsLocal(rel) {
		r.warn("project instructions: %s leads outside %s: not read", path, r.rootDir)
		return "", false
	}
	data, err := r.readFile(rel)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) || importedBy != "" {
			r.warn("project instructions: %s not read: %v", path, err)
		}
		return "", false
	}
	real := filepath.Join(r.rootDir, rel)
	if p := r.protectedBy(real); p != "" {
		r.warn("project instructions: %s is a credential store (%s): not read", path, p)
		return "", false
	}
	*files = append(*files, File{Path: path, ImportedBy: importedBy, Bytes: len(data)})
	if !imports {
		return string(data), true
	}
	stack = append(stack, real)
	lines := strings.SplitAfter(string(data), "\n")
	for i, line := range lines {
		target, ok := importTarget(line)
		if !ok {
			continue
		}
		full := filepath.Join(filepath.Dir(path), target)
		switch {
		case slices.Contains(stack, r.real(full)):
			r.warn("project instructions: %s imports %s, which imports it back: cycle refused", path, full)
			lines[i] = fmt.Sprintf("(import of %s refused: it would import itself)\n", target)
		case len(stack) > MaxImportDepth:
			r.warn("project instructions: %s imports %s, more than %d levels deep: not read", path, full, MaxImportDepth)
			lines[i] = fmt.Sprintf("(import of %s refused: nested more than %d levels)\n", target, MaxImportDepth)
		default:
			text, ok := r.read(full, path, true, stack, files)
			if !ok {
				lines[i] = fmt.Sprintf("(import of %s not read)\n", target)
				continue
			}
			lines[i] = strings.TrimRight(text, "\n") + "\n"
		}
	}
	return strings.Join(lines, ""), true
}

// importTarget recognises a line that is only "@relative/path".
func importTarget(line string) (string, bool) {
	t := strings.TrimSpace(line)
	if len(t) < 2 || t[0] != '@' || strings.ContainsAny(t, " \t") {
		return "", false
	}
	target := filepath.FromSlash(t[1:])
	if filepath.IsAbs(target) || strings.HasPrefix(t[1:], "~") {
		return "", false
	}
	return target, true
}

// real is p with symlinks resolved as far as they exist, for the cycle
// and boundary checks; os.Root enforces the boundary again on open.
func (r *reader) real(p string) string {
	if rp, err := filepath.EvalSymlinks(p); err == nil {
		return rp
	}
	return filepath.Clean(p)
}

// readFile opens rel through the root (no escape by symlink or ".."),
// without blocking on a FIFO, and reads a regular file up to the cap.
func (r *reader) readFile(rel string) ([]byte, error) {
	f, err := r.root.OpenFile(rel, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxInstructionBytes+1))
	if err != nil {
		return nil, err
	}
	return data, nil
}

func (r *reader) protectedBy(real string) string {
	for _, p := range r.protected {
		if real == p || strings.HasPrefix(real, strings.TrimSuffix(p, string(filepath.Separator))+string(filepath.Separator)) {
			return p
		}
	}
	return ""
}

func realPaths(in []string) []string {
	var out []string
	for _, p := range in {
		if p == "" {
			continue
		}
		if abs, err := filepath.Abs(p); err == nil {
			out = append(out, abs)
			if rp, err := filepath.EvalSymlinks(abs); err == nil && rp != abs {
				out = append(out, rp)
			}
		}
	}
	return out
}

// assemble applies the cap, closest file first, and writes the text
// farthest first under a heading per file.
func (in *Instructions) assemble(sources []source) {
	left := MaxInstructionBytes
	kept := make([]string, len(sources))
	for i := len(sources) - 1; i >= 0; i-- {
		s := sources[i]
		text := s.text
		if len(text) > left {
			text = cutAt(text, left)
			in.Warnings = append(in.Warnings, fmt.Sprintf("project instructions: %s cut to %d of %d bytes: the instructions are capped at %d KB in all", s.path, len(text), len(s.text), MaxInstructionBytes>>10))
			for j := range s.files {
				s.files[j].Cut = true
			}
		}
		left -= len(text)
		kept[i] = text
	}
	var b strings.Builder
	for i, s := range sources {
		in.Files = append(in.Files, s.files...)
		if strings.TrimSpace(kept[i]) == "" {
			continue
		}
		fmt.Fprintf(&b, "\n\n## %s\n\n%s", s.path, strings.TrimSpace(kept[i]))
	}
	if b.Len() == 0 {
		return
	}
	in.Text = "# Project instructions\n\nThe user's and the project's instructions for this work (AGENTS.md, CLAUDE.md), the farthest first. Follow them; where two conflict, the later one (closer to the working directory) wins." + b.String()
}

// cutAt cuts text to at most n bytes, at a line end when there is one,
// never inside a UTF-8 sequence.
func cutAt(text string, n int) string {
	if n <= 0 {
		return ""
	}
	text = text[:n]
	if i := strings.LastIndexByte(text, '\n'); i > 0 {
		return text[:i+1]
	}
	for !utf8.ValidString(text) {
		text = text[:len(text)-1]
	}
	return text
}
