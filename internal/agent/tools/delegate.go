package tools

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/anthropics/anthropic-sdk-go/v2"
)

// NameDelegate is delegate's name.
const NameDelegate = "delegate"

// DelegateInput is delegate's input.
type DelegateInput struct {
	Task string `json:"task"`
}

type delegate struct{}

// DelegateTool hands a task to a sub-agent.
var DelegateTool Tool = delegate{}

func (delegate) Name() string { return NameDelegate }
func (delegate) Kind() Kind   { return Delegate }
func (delegate) Definition() anthropic.ToolUnionParam {
	return def(NameDelegate,
		"Hand a self-contained task to a sub-agent that has the same tools and permissions and returns its final answer. Several delegate calls in one turn run in parallel.",
		map[string]any{"task": str("the complete task; the sub-agent sees nothing else of this conversation")},
		"task")
}
func (delegate) Summary(input json.RawMessage) string {
	var in DelegateInput
	json.Unmarshal(input, &in)
	if in.Task == "" {
		return string(input)
	}
	return in.Task
}
func (delegate) Run(ctx context.Context, env *Env, c Call) (Result, error) {
	var in DelegateInput
	if r, ok := decode(c, &in); !ok {
		return r, nil
	}
	if strings.TrimSpace(in.Task) == "" {
		return Errorf("delegate needs a task"), nil
	}
	if env.SubAgent == nil {
		return Errorf("delegate: no sub-agent can be made here: do this task yourself"), nil
	}
	return env.SubAgent(ctx, in.Task)
}
