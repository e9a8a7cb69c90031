package tui

import (
	"testing"

	"github.com/hermes-agent/hermes/internal/chatcore"
)

// Every row of /help (keys, then commands) starts its description in the
// same column.
func TestHelpAligned(t *testing.T) {
	for _, line := range chatcore.MisalignedHelpRows(chatcore.HelpText(keysHelp)) {
		t.Errorf("row not aligned at column 22: %q", line)
	}
}
