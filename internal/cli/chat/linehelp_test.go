package chat

import (
	"strings"
	"testing"
)

// The line-mode /help lists its commands in one column.
func TestLineHelpAligned(t *testing.T) {
	col := -1
	for _, line := range strings.Split(strings.TrimSpace(lineHelp), "\n") {
		if !strings.HasPrefix(line, "/") {
			continue
		}
		i := strings.Index(line, "  ")
		j := i + len(line[i:]) - len(strings.TrimLeft(line[i:], " "))
		if col == -1 {
			col = j
		}
		if j != col {
			t.Errorf("description at column %d, want %d: %q", j, col, line)
		}
	}
}
