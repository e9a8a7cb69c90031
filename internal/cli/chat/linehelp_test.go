package chat

import (
	"testing"

	"github.com/hermes-agent/hermes/internal/chatcore"
)

// The line chat's /help (its keys, then the commands) is one column.
func TestLineHelpAligned(t *testing.T) {
	for _, line := range chatcore.MisalignedHelpRows(chatcore.HelpText(lineKeys)) {
		t.Errorf("row not aligned at column 22: %q", line)
	}
}
