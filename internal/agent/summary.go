package agent

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hermes-agent/hermes/internal/agent/tools"
	"github.com/hermes-agent/hermes/internal/secret"
	"github.com/hermes-agent/hermes/internal/termtext"
)

// ToolSummary is a tool call's input in a few words, for the one-line
// display of a call on a terminal: the path, pattern, command or task (the
// tool value's own summary), masked and cut.
func ToolSummary(tool string, input json.RawMessage) string {
	s := tools.Summary(tools.Builtin(tool), input)
	// The input is the model's text, which may quote a key it was shown.
	return termtext.OneLine(secret.RedactShapes(s), 80)
}

// ResultSummary is a tool result in a few words: a denial or error's
// message (a denial whole enough to keep the rule that would allow it),
// bash's exit status, else the first line and how many more there are.
func ResultSummary(e Event) string {
	out := strings.TrimSpace(e.Output)
	if e.Tool == ToolBash && !e.Denied {
		if i := strings.LastIndex(out, "\n["); i >= 0 {
			out = out[i+1:]
		}
		out = strings.Trim(out, "[]")
	} else if i := strings.IndexByte(out, '\n'); i >= 0 {
		lines := strings.Count(out, "\n") + 1
		out = fmt.Sprintf("%s (+%d lines)", termtext.OneLine(out[:i], 60), lines-1)
	}
	if e.Denied {
		// The rule that would allow the call is at the end: keep it.
		return termtext.OneLine(out, 400)
	}
	return termtext.OneLine(out, 100)
}
