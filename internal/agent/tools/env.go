package tools

import (
	"context"
	"time"
)

// Env is what the built-in tools work with: the working directory as an
// os.Root with the protected paths refused, the sandbox bash runs in, the
// permission policy and the person who can be asked, and the agent a
// sub-agent is made from. The agent implements it; each built-in tool
// decodes its typed input and hands it to its Env operation, so the
// checks every file tool shares stay in one place.
type Env interface {
	ReadFile(ctx context.Context, in ReadFileInput) Result
	ListFiles(ctx context.Context, in ListFilesInput) Result
	Glob(ctx context.Context, in GlobInput) Result
	Grep(ctx context.Context, in GrepInput) Result
	WriteFile(ctx context.Context, c Call, in WriteFileInput) (Result, error)
	EditFile(ctx context.Context, c Call, in EditFileInput) (Result, error)
	Bash(ctx context.Context, c Call, in BashInput) (Result, error)
	Delegate(ctx context.Context, c Call, in DelegateInput) (Result, error)
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
	// DefaultBashTimeout and MaxBashTimeout bound a bash command.
	DefaultBashTimeout = 2 * time.Minute
	MaxBashTimeout     = 10 * time.Minute
)
