package agent

import (
	"context"
	"encoding/json"
	"time"

	"github.com/hermes-agent/hermes/internal/agent/tools"
)

// readPath is read_file of a whole file.
func (a *Agent) readPath(p string) toolResult {
	return a.readFile(context.Background(), tools.ReadFileInput{Path: p})
}

// readFile, listFiles and guard run package tools' read_file,
// list_files and path check in this agent's Env, as the tool loop does.
func (a *Agent) readFile(ctx context.Context, in tools.ReadFileInput) toolResult {
	return a.runBuiltin(ctx, tools.ReadFile, in)
}

func (a *Agent) listFiles(p string) toolResult {
	return a.runBuiltin(context.Background(), tools.ListFiles, tools.ListFilesInput{Path: p})
}

func (a *Agent) guard(shown, rel string) (toolResult, bool) {
	r, ok := a.env("", nil).Guard(shown, rel)
	return fromValue(r), ok
}

func (a *Agent) runBuiltin(ctx context.Context, t tools.Tool, in any) toolResult {
	raw, err := json.Marshal(in)
	if err != nil {
		panic(err)
	}
	v, err := t.Run(ctx, a.env("m", func(Event) {}), tools.Call{ID: "toolu_t", Name: t.Name(), Input: raw, Model: "m"})
	if err != nil {
		panic(err)
	}
	return fromValue(v)
}

func unifiedDiff(rel, old, new string, exists bool) string {
	return tools.UnifiedDiff(rel, old, new, exists)
}

// bashBox, runBash and bashEnv are package tools' bash sandbox, runner
// and environment.
type bashBox = tools.BashBox

func runBash(ctx context.Context, box bashBox, dir, command string, timeout time.Duration, env []string) (toolResult, error) {
	r, err := tools.RunBash(ctx, box, dir, command, timeout, env)
	return fromValue(r), err
}

func bashEnv(protected []string) []string { return tools.BashEnv(protected) }
