package agent

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/hermes-agent/hermes/internal/models"
)

// Usage counts tokens, sub-agents included, and what they cost.
type Usage struct {
	// InputTokens is the plain input: neither read from nor written to
	// the prompt cache.
	InputTokens              int64 `json:"input_tokens"`
	OutputTokens             int64 `json:"output_tokens"`
	CacheCreationInputTokens int64 `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int64 `json:"cache_read_input_tokens"`
	// CostUSD is the tokens' cost by models' price table; nil when a
	// request's model has no price (a cost is never guessed).
	CostUSD *float64 `json:"cost_usd,omitempty"`
}

// requestUsage is one API call's usage, priced for model.
func requestUsage(model string, u anthropic.Usage) Usage {
	out := Usage{InputTokens: u.InputTokens, OutputTokens: u.OutputTokens,
		CacheCreationInputTokens: u.CacheCreationInputTokens, CacheReadInputTokens: u.CacheReadInputTokens}
	if cost, ok := models.Cost(model, u.InputTokens, u.CacheCreationInputTokens, u.CacheReadInputTokens, u.OutputTokens); ok {
		out.CostUSD = &cost
	}
	return out
}

// PromptTokens is the whole input: plain, written to and read from the
// cache.
func (u Usage) PromptTokens() int64 {
	return u.InputTokens + u.CacheCreationInputTokens + u.CacheReadInputTokens
}

func (u Usage) empty() bool { return u.PromptTokens()+u.OutputTokens == 0 && u.CostUSD == nil }

// Cost is the USD cost; ok is false when some of the tokens have no price.
func (u Usage) Cost() (usd float64, ok bool) {
	if u.CostUSD == nil {
		return 0, u.empty()
	}
	return *u.CostUSD, true
}

// Add adds o to u; the cost stays known only while both are.
func (u *Usage) Add(o Usage) { u.add(o) }

func (u *Usage) add(o Usage) {
	if o.empty() {
		return
	}
	wasEmpty := u.empty()
	u.InputTokens += o.InputTokens
	u.OutputTokens += o.OutputTokens
	u.CacheCreationInputTokens += o.CacheCreationInputTokens
	u.CacheReadInputTokens += o.CacheReadInputTokens
	switch {
	case wasEmpty && o.CostUSD != nil:
		c := *o.CostUSD
		u.CostUSD = &c
	case u.CostUSD != nil && o.CostUSD != nil:
		c := *u.CostUSD + *o.CostUSD
		u.CostUSD = &c
	default:
		u.CostUSD = nil
	}
}

// markCacheBreakpoints sets the request's prompt-cache breakpoints (the
// API allows four; two are used): one at the end of the stable prefix,
// the last system block (or, without a system prompt, the last tool
// definition), and one on the last block of the last message, so each
// call writes the history so far and the next call, which only appends,
// reads it back.
func markCacheBreakpoints(p *anthropic.MessageNewParams) {
	switch {
	case len(p.System) > 0:
		p.System[len(p.System)-1].CacheControl = anthropic.NewCacheControlEphemeralParam()
	case len(p.Tools) > 0:
		if cc := p.Tools[len(p.Tools)-1].GetCacheControl(); cc != nil {
			*cc = anthropic.NewCacheControlEphemeralParam()
		}
	}
	if n := len(p.Messages); n > 0 {
		var blocks []anthropic.ContentBlockParamUnion
		switch last := p.Messages[n-1]; {
		case last.OfUser != nil:
			blocks = last.OfUser.Content
		case last.OfAssistant != nil:
			blocks = last.OfAssistant.Content
		}
		if len(blocks) > 0 {
			if cc := blocks[len(blocks)-1].GetCacheControl(); cc != nil {
				*cc = anthropic.NewCacheControlEphemeralParam()
			}
		}
	}
}

// UsageSummary is one line for people: "1,204 in · 3,100 cache write ·
// 18,022 cache read · 310 out · $0.0123" (cost left out when unknown).
func UsageSummary(u Usage) string {
	parts := []string{
		groupDigits(u.InputTokens) + " in",
		groupDigits(u.CacheCreationInputTokens) + " cache write",
		groupDigits(u.CacheReadInputTokens) + " cache read",
		groupDigits(u.OutputTokens) + " out",
	}
	if c, ok := u.Cost(); ok {
		parts = append(parts, FormatUSD(c))
	} else {
		parts = append(parts, "cost unknown for this model")
	}
	return strings.Join(parts, " · ")
}

// FormatUSD prints a cost with four decimals under a dollar, two above.
func FormatUSD(usd float64) string {
	if usd < 1 {
		return fmt.Sprintf("$%.4f", usd)
	}
	return fmt.Sprintf("$%.2f", usd)
}

func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
