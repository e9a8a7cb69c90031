package sysprompt

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/hermes-agent/hermes/internal/fsutil"
)

// maxGitFile bounds the reads of .git files and HEAD: both are one line.
const maxGitFile = 4 << 10

// Repo is what the system prompt says about the git repository around the
// work dir.
type Repo struct {
	// Root is the directory holding .git; "" when the work dir is in no
	// repository.
	Root string
	// Branch is the checked-out branch, or "detached at ABC1234"; "" when
	// HEAD could not be read.
	Branch string
}

// FindRepo walks from dir up to the filesystem root for a .git directory
// or file (a worktree's or submodule's "gitdir:" pointer). It reads
// .git/HEAD itself: starting git would cost a process per prompt and run
// whatever a hostile checkout's config tells git to run.
func FindRepo(dir string) Repo {
	for d := filepath.Clean(dir); ; {
		if st, err := os.Lstat(filepath.Join(d, ".git")); err == nil && (st.IsDir() || st.Mode().IsRegular()) {
			return Repo{Root: d, Branch: branch(filepath.Join(d, ".git"), st.IsDir())}
		}
		parent := filepath.Dir(d)
		if parent == d {
			return Repo{}
		}
		d = parent
	}
}

// branch reads HEAD from the git dir (following a "gitdir:" file).
func branch(dotGit string, isDir bool) string {
	gitDir := dotGit
	if !isDir {
		data, err := fsutil.ReadFileLimited(dotGit, maxGitFile)
		if err != nil {
			return ""
		}
		line, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "gitdir:")
		if !ok {
			return ""
		}
		gitDir = strings.TrimSpace(line)
		if !filepath.IsAbs(gitDir) {
			gitDir = filepath.Join(filepath.Dir(dotGit), gitDir)
		}
	}
	data, err := fsutil.ReadFileLimited(filepath.Join(gitDir, "HEAD"), maxGitFile)
	if err != nil {
		return ""
	}
	head := string(bytes.TrimSpace(data))
	if ref, ok := strings.CutPrefix(head, "ref:"); ok {
		name := strings.TrimPrefix(strings.TrimSpace(ref), "refs/heads/")
		if printable(name) {
			return name
		}
		return ""
	}
	if len(head) >= 7 && strings.Trim(head, "0123456789abcdef") == "" {
		return "detached at " + head[:7]
	}
	return ""
}

// printable keeps a hostile HEAD from writing control characters or a
// page of text into the prompt.
func printable(s string) bool {
	if s == "" || len(s) > 200 {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return false
		}
	}
	return true
}
