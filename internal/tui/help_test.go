package tui

import (
	"fmt"
	"strings"
	"testing"
)

// Every row of /help (keys, then commands) starts its description in the
// same column.
func TestHelpAligned(t *testing.T) {
	var b strings.Builder
	b.WriteString(helpText)
	for _, c := range commands {
		fmt.Fprintf(&b, "\n  %-19s %s", c.name, c.help)
	}
	for _, line := range strings.Split(b.String(), "\n") {
		if !strings.HasPrefix(line, "  ") {
			continue // a heading
		}
		if len(line) < 23 || line[21] != ' ' || line[22] == ' ' {
			t.Errorf("row not aligned at column 22: %q", line)
		}
	}
}
