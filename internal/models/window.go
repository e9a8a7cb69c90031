package models

//lint:file-ignore SA1019 the model catalogue names deprecated and retired models on purpose

import (
	"strings"

	"github.com/anthropics/anthropic-sdk-go/v2"
)

// contextWindows are the models' context windows in tokens, from the same
// Anthropic pages as the price table (PricesCheckedOn). Models not listed
// get DefaultContextWindow.
var contextWindows = map[string]int64{
	anthropic.ModelClaudeHaiku4_5:  200_000,
	anthropic.ModelClaudeOpus4_5:   200_000,
	anthropic.ModelClaudeSonnet4_5: 200_000,
}

// DefaultContextWindow is the window of the current models (1M tokens
// from Claude Opus 4.6 and Sonnet 4.6 on), used for a model the table
// does not list.
const DefaultContextWindow = 1_000_000

// ContextWindow is model's context window in tokens.
func ContextWindow(model string) int64 {
	model = strings.TrimSpace(model)
	if i := strings.LastIndexByte(model, '-'); i > 0 && dated().MatchString(model[i:]) {
		model = model[:i]
	}
	if w, ok := contextWindows[model]; ok {
		return w
	}
	return DefaultContextWindow
}
