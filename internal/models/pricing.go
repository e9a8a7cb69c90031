package models

//lint:file-ignore SA1019 the model catalogue names deprecated and retired models on purpose

import (
	"strings"

	"github.com/anthropics/anthropic-sdk-go/v2"
)

// PricesCheckedOn is when the price table below was last compared with
// Anthropic's pricing page (platform.claude.com/docs/en/about-claude/pricing)
// and the models' overview pages. Update the table and this date together.
const PricesCheckedOn = "2026-12-07"

// Price is a model's list price in USD per million tokens, for standard
// (not batch, not fast-mode) requests with 5-minute cache writes.
type Price struct {
	Input      float64 // base input tokens
	CacheWrite float64 // 5-minute cache writes
	CacheRead  float64 // cache hits and refreshes
	Output     float64
	// LongPrompt, when set, replaces every rate of a request whose prompt
	// (input + cache writes + cache reads) is over LongPromptTokens.
	LongPrompt       *Price
	LongPromptTokens int64
}

// prices is the table, by model id without a date suffix. A model missing
// here has no cost: hermes never guesses one. Claude Fable 5.2 and Mythos
// 5.2 are left out until their rates can be read from Anthropic's page.
var prices = map[string]Price{
	anthropic.ModelClaudeFable5_1:  {Input: 10, CacheWrite: 12.50, CacheRead: 0.25, Output: 50},
	anthropic.ModelClaudeMythos5_1: {Input: 10, CacheWrite: 12.50, CacheRead: 0.25, Output: 50},
	anthropic.ModelClaudeFable5:    {Input: 10, CacheWrite: 12.50, CacheRead: 1, Output: 50},
	anthropic.ModelClaudeMythos5:   {Input: 10, CacheWrite: 12.50, CacheRead: 1, Output: 50},
	anthropic.ModelClaudeOpus5_5:   {Input: 4, CacheWrite: 5, CacheRead: 0.20, Output: 20},
	anthropic.ModelClaudeOpus5:     {Input: 5, CacheWrite: 6.25, CacheRead: 0.50, Output: 25},
	anthropic.ModelClaudeOpus4_8:   {Input: 5, CacheWrite: 6.25, CacheRead: 0.50, Output: 25},
	anthropic.ModelClaudeOpus4_7:   {Input: 5, CacheWrite: 6.25, CacheRead: 0.50, Output: 25},
	anthropic.ModelClaudeOpus4_6:   {Input: 5, CacheWrite: 6.25, CacheRead: 0.50, Output: 25},
	anthropic.ModelClaudeOpus4_5:   {Input: 5, CacheWrite: 6.25, CacheRead: 0.50, Output: 25},
	// Sonnet 5.5's cache reads went from $0.20 to $0.10 on 2026-10-07.
	anthropic.ModelClaudeSonnet5_5: {Input: 2, CacheWrite: 2.50, CacheRead: 0.10, Output: 10},
	anthropic.ModelClaudeSonnet5:   {Input: 2, CacheWrite: 2.50, CacheRead: 0.20, Output: 10},
	anthropic.ModelClaudeSonnet4_6: {Input: 3, CacheWrite: 3.75, CacheRead: 0.30, Output: 15},
	anthropic.ModelClaudeSonnet4_5: {Input: 3, CacheWrite: 3.75, CacheRead: 0.30, Output: 15},
	anthropic.ModelClaudeHaiku5_5: {Input: 0.10, CacheWrite: 0.125, CacheRead: 0.01, Output: 0.50,
		LongPromptTokens: 100_000, LongPrompt: &Price{Input: 0.50, CacheWrite: 0.625, CacheRead: 0.05, Output: 2.50}},
	anthropic.ModelClaudeHaiku4_5: {Input: 1, CacheWrite: 1.25, CacheRead: 0.10, Output: 5},
}

// PriceOf returns model's price; ok is false for a model not in the table
// (its cost is then unknown, never guessed). A dated snapshot
// (claude-haiku-4-5-20251001) has its model's price.
func PriceOf(model string) (Price, bool) {
	model = strings.TrimSpace(model)
	if p, ok := prices[model]; ok {
		return p, true
	}
	if i := strings.LastIndexByte(model, '-'); i > 0 && dated().MatchString(model[i:]) {
		model = model[:i]
		if p, ok := prices[model]; ok {
			return p, true
		}
	}
	return Price{}, false
}

// Cost is the USD cost of one request's tokens; ok is false when the
// model has no price.
func Cost(model string, input, cacheWrite, cacheRead, output int64) (usd float64, ok bool) {
	p, ok := PriceOf(model)
	if !ok {
		return 0, false
	}
	if p.LongPrompt != nil && input+cacheWrite+cacheRead > p.LongPromptTokens {
		p = *p.LongPrompt
	}
	return (float64(input)*p.Input + float64(cacheWrite)*p.CacheWrite + float64(cacheRead)*p.CacheRead + float64(output)*p.Output) / 1e6, true
}
