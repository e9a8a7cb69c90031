package agent

import (
	"context"

	"github.com/hermes-agent/hermes/internal/agent/tools"
)

// readPath is read_file of a whole file.
func (a *Agent) readPath(p string) toolResult {
	return a.readFile(context.Background(), tools.ReadFileInput{Path: p})
}
