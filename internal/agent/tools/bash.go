package tools

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/anthropics/anthropic-sdk-go/v2"
)

// NameBash is bash's name.
const NameBash = "bash"

// BashInput is bash's input.
type BashInput struct {
	Command   string `json:"command"`
	TimeoutMS int64  `json:"timeout_ms"`
}

type bash struct{}

// Bash runs a command in the sandbox.
var Bash Tool = bash{}

func (bash) Name() string { return NameBash }
func (bash) Kind() Kind   { return Execute }
func (bash) Definition() anthropic.ToolUnionParam {
	return def(NameBash,
		fmt.Sprintf("Run a command with bash -c in the working directory and return its exit code and output (stdout and stderr together; long output keeps its head and tail). Default timeout %v, at most %v. Background processes are stopped when the command ends.", DefaultBashTimeout, MaxBashTimeout),
		map[string]any{"command": str("the bash command line"), "timeout_ms": map[string]any{"type": "integer", "description": "timeout in milliseconds"}},
		"command")
}
func (bash) Summary(input json.RawMessage) string {
	var in BashInput
	json.Unmarshal(input, &in)
	if in.Command == "" {
		return string(input)
	}
	return in.Command
}
func (bash) Run(ctx context.Context, env *Env, c Call) (Result, error) {
	var in BashInput
	if r, ok := decode(c, &in); !ok {
		return r, nil
	}
	return env.BashFunc(ctx, c, in)
}
