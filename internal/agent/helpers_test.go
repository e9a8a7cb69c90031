package agent

import "context"

// readPath is read_file of a whole file.
func (a *Agent) readPath(p string) toolResult {
	return a.readFile(context.Background(), toolInput{Path: p})
}
