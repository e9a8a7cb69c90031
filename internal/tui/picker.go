package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/hermes-agent/hermes/internal/chatcore"
)

// picker is a list the user chooses from with Up/Down/Enter/Esc.
type picker struct {
	title  string
	items  []chatcore.Choice
	cursor int
	// onPick runs on the value picked; the commands it asks for are
	// returned.
	onPick func(value string)
}

// pickerRows is how many items a picker shows at once.
const pickerRows = 10

func (m *Model) onPickerKey(ks string) tea.Cmd {
	p := m.picker
	switch ks {
	case "up", "ctrl+p":
		p.cursor = (p.cursor + len(p.items) - 1) % len(p.items)
	case "down", "ctrl+n", "tab":
		p.cursor = (p.cursor + 1) % len(p.items)
	case "enter":
		m.picker = nil
		p.onPick(p.items[p.cursor].Value)
		m.layout()
		return m.takePending()
	case "esc", "ctrl+c":
		m.picker = nil
		m.layout()
	}
	return nil
}

// pickerView draws the picker: its title and up to pickerRows items
// around the cursor.
func (m *Model) pickerView(b *strings.Builder) {
	p := m.picker
	b.WriteString(st.dim.Render(p.title+" (↑/↓, Enter, Esc)") + "\n")
	start := max(0, min(p.cursor-(pickerRows-1), len(p.items)-pickerRows))
	for i := start; i < len(p.items) && i < start+pickerRows; i++ {
		line := truncate(p.items[i].Label, m.width-2)
		if i == p.cursor {
			line = st.sel.Render(line)
		}
		b.WriteString("  " + line + "\n")
	}
}

func (m *Model) pickerHeight() int { return min(len(m.picker.items), pickerRows) + 1 }
