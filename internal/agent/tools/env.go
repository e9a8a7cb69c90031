package tools

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"sync"
	"time"

	"github.com/hermes-agent/hermes/internal/sandbox"
)

// Env is what the built-in tools work with: the working directory (each
// call opens it as an os.Root, so the kernel confines every path below
// it), the protected paths the file tools refuse, what the agent last saw
// of each file, and, where a tool needs the agent itself, narrowly typed
// callbacks. Each built-in tool's body lives in its own file here; the
// checks every file tool shares (guard.go) stay in one place.
type Env struct {
	// WorkDir is the working directory, absolute.
	WorkDir string
	// Protected are the credential stores the file tools refuse, absolute
	// and symlink-resolved too (ProtectedPaths).
	Protected []string
	// Files, when set, backs the file tools' text reads and writes.
	Files TextFiles
	// Versions is what the agent last read or wrote of each file (edits
	// of a file changed since are refused); sub-agents share it.
	Versions *Versions
	// AfterGuard, in tests, runs between the path check and the open:
	// the window a symlink swap races into.
	AfterGuard func(rel string)

	// Policy decides the calls that may need permission.
	Policy Policy

	// Sandbox builds bash's sandbox (nil: the kernel's own); SandboxPolicy
	// bounds what a command can do, the protected paths hidden.
	Sandbox       *sandbox.Sandbox
	SandboxPolicy sandbox.Policy
	// ProtectedEnv names variables beyond the credential layer's that
	// bash must not inherit (BashEnv).
	ProtectedEnv []string

	// SubAgent runs a sub-agent on task with the calling model and
	// returns its answer (Usage: what it spent): delegate's one need of
	// the agent itself (its client, tool loop, depth and events).
	SubAgent func(ctx context.Context, task string) (Result, error)
}

// Policy is what the tools ask of the permission policy and of whoever
// can be asked (package permission imports this one, so the agent
// adapts its *permission.Policy and Approver to it).
type Policy interface {
	// Permit decides a call that may need permission: the rules, then
	// the person who can be asked. ok is false with the denial as a
	// result (Denied set); err only for cancellation.
	Permit(ctx context.Context, req ApprovalRequest) (r Result, ok bool, err error)
	// FullAccess reports bypassPermissions with the danger-full-access
	// sandbox: the file tools may change git's internals too.
	FullAccess() bool
	// NamesPath reports whether an allow rule of tool names rel (a
	// slash-separated path) itself, as write_file(.git/**) does.
	NamesPath(tool, rel string) bool
}

// ApprovalRequest describes one tool call waiting for permission.
type ApprovalRequest struct {
	ToolID  string          // the tool_use id
	Tool    string          // "write_file", "edit_file", "bash"
	Input   json.RawMessage // the input as the model sent it
	Title   string          // one line, e.g. "edit_file internal/x.go", "bash: go test ./..."
	Path    string          // absolute path for file tools, "" otherwise
	Command string          // the command for bash, "" otherwise
	Diff    string          // unified diff for write_file/edit_file, "" otherwise
	// OldText, NewText are the whole file before and after for edits
	// (ACP diff content); OldText is "" for a new file.
	OldText, NewText string
	// AlwaysRules are the rules "don't ask again" (Approval.Always) adds,
	// as --allowed-tools spells them (bash(go test:*)); none means it
	// cannot be offered. Never the whole bash tool.
	AlwaysRules []string
	// Unruled are the parts of a bash command no rule can allow
	// (writing a file by redirection, what the checker does not model):
	// "don't ask again" does not cover them; they are asked each time.
	Unruled []string
}

// TextFiles, when set, backs the file tools' reads and writes of text
// files (ACP clients with fs.readTextFile / fs.writeTextFile). Paths are
// absolute and have already passed the work-dir and credential-store
// checks.
type TextFiles interface {
	ReadTextFile(ctx context.Context, path string) (string, error)
	WriteTextFile(ctx context.Context, path, content string) error
}

// Versions remembers, per absolute path, the content the agent last read
// or wrote (as a hash), so edit_file can refuse a file that changed on
// disk since: the model would be editing text it has not seen.
type Versions struct {
	mu sync.Mutex
	m  map[string][sha256.Size]byte
}

// Record notes content as what the agent last saw of path.
func (v *Versions) Record(path, content string) {
	if v == nil {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil {
		v.m = map[string][sha256.Size]byte{}
	}
	v.m[path] = sha256.Sum256([]byte(content))
}

// Check says whether content is what the agent last saw of path.
func (v *Versions) Check(path, content string) (seen, same bool) {
	if v == nil {
		return false, false
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	h, ok := v.m[path]
	return ok, ok && h == sha256.Sum256([]byte(content))
}

// Limits of the built-in tools: the model gets a clear error or a capped
// answer rather than output that would flood its context.
const (
	MaxReadBytes   = 256 << 10
	MaxListEntries = 1000
	MaxGlobResults = 500
	MaxGrepMatches = 500
	// MaxInputLen bounds one call's input (write_file content can be big).
	MaxInputLen = 1 << 20
	// MaxRangeFileBytes bounds a file read_file pages through with
	// offset/limit, and a file edit_file changes.
	MaxRangeFileBytes = 16 << 20
	// DefaultBashTimeout and MaxBashTimeout bound a bash command.
	DefaultBashTimeout = 2 * time.Minute
	MaxBashTimeout     = 10 * time.Minute
)

// policy is e.Policy; an Env without one denies every call that needs
// permission rather than letting it through.
func (e *Env) policy() Policy {
	if e.Policy == nil {
		return noPolicy{}
	}
	return e.Policy
}

// noPolicy is the policy of an Env that has none: nothing is allowed.
type noPolicy struct{}

func (noPolicy) Permit(_ context.Context, req ApprovalRequest) (Result, bool, error) {
	r := Errorf("permission denied: %s needs approval and no policy decides here", req.Title)
	r.Denied = true
	return r, false, nil
}
func (noPolicy) FullAccess() bool                { return false }
func (noPolicy) NamesPath(tool, rel string) bool { return false }
