package tui

import (
	"github.com/charmbracelet/x/ansi"

	"github.com/hermes-agent/hermes/internal/markdown"
)

func renderMarkdown(s string, width int) string { return markdown.Render(s, width) }

// wrapPlain word-wraps text that is not Markdown (prompts, notes).
func wrapPlain(s string, width int) string { return ansi.Wrap(s, width, "") }

// truncate cuts s to width cells with an ellipsis.
func truncate(s string, width int) string {
	if width < 1 {
		return ""
	}
	return ansi.Truncate(s, width, "…")
}

// textWidth is how many cells s takes.
func textWidth(s string) int { return ansi.StringWidth(s) }
