package models_test

import (
	"math"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/hermes-agent/hermes/internal/models"
)

func TestCost(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		model                string
		in, write, read, out int64
		want                 float64
		priced               bool
	}{
		// $2 input, $2.50 writes, $0.10 reads, $10 output per MTok.
		{anthropic.ModelClaudeSonnet5_5, 1_000_000, 1_000_000, 1_000_000, 1_000_000, 2 + 2.5 + 0.1 + 10, true},
		{anthropic.ModelClaudeHaiku4_5_20251001, 1_000_000, 0, 0, 0, 1, true},
		// Haiku 5.5: the long-prompt rates on every token of a request
		// whose prompt is over 100,000 tokens.
		{anthropic.ModelClaudeHaiku5_5, 100_000, 0, 0, 1_000_000, 0.01 + 0.5, true},
		{anthropic.ModelClaudeHaiku5_5, 100_001, 0, 0, 1_000_000, 100_001*0.5/1e6 + 2.5, true},
		{"claude-unknown-9", 1000, 0, 0, 1000, 0, false},
		// Not on the pricing page yet: no cost rather than a guess.
		{anthropic.ModelClaudeFable5_2, 1000, 0, 0, 1000, 0, false},
	} {
		got, ok := models.Cost(c.model, c.in, c.write, c.read, c.out)
		if ok != c.priced || math.Abs(got-c.want) > 1e-9 {
			t.Errorf("Cost(%s, %d, %d, %d, %d) = %v, %t; want %v, %t", c.model, c.in, c.write, c.read, c.out, got, ok, c.want, c.priced)
		}
	}
}

func TestContextWindow(t *testing.T) {
	t.Parallel()
	if w := models.ContextWindow(anthropic.ModelClaudeHaiku4_5_20251001); w != 200_000 {
		t.Errorf("Haiku 4.5 window = %d", w)
	}
	if w := models.ContextWindow(anthropic.ModelClaudeSonnet5_5); w != models.DefaultContextWindow {
		t.Errorf("Sonnet 5.5 window = %d", w)
	}
}
