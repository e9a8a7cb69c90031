package agent

import (
	"context"

	"github.com/hermes-agent/hermes/internal/agent/tools"
)

// agentEnv is the tools.Env the built-in tools run in: this agent's
// working directory, protected paths, sandbox and policy, and the
// sub-agents it makes.
type agentEnv struct {
	a     *Agent
	model string
	emit  func(Event)
}

func (e agentEnv) ReadFile(ctx context.Context, in tools.ReadFileInput) tools.Result {
	return e.a.readFile(ctx, in).value()
}

func (e agentEnv) ListFiles(_ context.Context, in tools.ListFilesInput) tools.Result {
	return e.a.listFiles(in.Path).value()
}

func (e agentEnv) Glob(ctx context.Context, in tools.GlobInput) tools.Result {
	return e.a.glob(ctx, in).value()
}

func (e agentEnv) Grep(ctx context.Context, in tools.GrepInput) tools.Result {
	return e.a.grep(ctx, in).value()
}

func (e agentEnv) WriteFile(ctx context.Context, c tools.Call, in tools.WriteFileInput) (tools.Result, error) {
	r, err := e.a.changeFile(ctx, c, fileEdit{Path: in.Path, Content: in.Content})
	return r.value(), err
}

func (e agentEnv) EditFile(ctx context.Context, c tools.Call, in tools.EditFileInput) (tools.Result, error) {
	r, err := e.a.changeFile(ctx, c, fileEdit{Path: in.Path, OldString: in.OldString, NewString: in.NewString, ReplaceAll: in.ReplaceAll})
	return r.value(), err
}

func (e agentEnv) Bash(ctx context.Context, c tools.Call, in tools.BashInput) (tools.Result, error) {
	r, err := e.a.bash(ctx, c, in)
	return r.value(), err
}

func (e agentEnv) Delegate(ctx context.Context, _ tools.Call, in tools.DelegateInput) (tools.Result, error) {
	r, err := e.a.delegate(ctx, e.model, in.Task, e.emit)
	return r.value(), err
}
