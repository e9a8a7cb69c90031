package agent

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/hermes-agent/hermes/internal/anthropictest"
)

// TestBudgetStopsAfterTheCallThatPassesIt: the run stops after the model
// call that takes the cost over the budget, with the partial result and
// a history without a dangling tool call; a shared Budget counts earlier
// Sends (an ACP session).
func TestBudgetStopsAfterTheCallThatPassesIt(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("hello"), 0o600)
	api, rt := standIn(t, anthropictest.Config{})
	api.SetAutoTool(ToolReadFile, map[string]string{"path": "a.txt"})
	budget := &Budget{MaxUSD: 1}
	a := newAgent(t, rt, Config{Model: anthropic.ModelClaudeSonnet5_5, Tools: []string{ToolReadFile}, WorkDir: dir, Budget: budget})
	conv := NewConversation(time.Now())
	res, err := a.Send(context.Background(), conv, "first", nil)
	if err != nil {
		t.Fatalf("first prompt: %v", err)
	}
	first, _ := res.Usage.Cost()
	if spent := budget.Spent(); spent != first || spent <= 0 {
		t.Fatalf("spent %v after the first prompt (cost %v)", spent, first)
	}
	// Just above what was spent: the next call passes it.
	budget.MaxUSD = first + 1e-9
	before := len(api.MessageRequests())
	res, err = a.Send(context.Background(), conv, "second", nil)
	var be *BudgetError
	if !errors.As(err, &be) || res == nil || res.StopReason != "budget" {
		t.Fatalf("second prompt: res %+v, err %v", res, err)
	}
	if be.SpentUSD <= be.MaxUSD || be.MaxUSD != first+1e-9 {
		t.Errorf("budget error = %+v", be)
	}
	// Stopped after the call that passed it: no tool ran, no more calls.
	if n := len(api.MessageRequests()) - before; n != 1 {
		t.Errorf("%d calls after the budget passed, want 1", n)
	}
	if p := toolPairsIntact(conv.Messages); p != "" {
		t.Errorf("history after the stop: %s", p)
	}
}

// TestBudgetNeedsAPrice: a budget for a model without a price is refused
// up front rather than never enforced.
func TestBudgetNeedsAPrice(t *testing.T) {
	api, rt := standIn(t, anthropictest.Config{})
	a := newAgent(t, rt, Config{Model: "claude-unpriced-1", Budget: &Budget{MaxUSD: 1}})
	_, err := a.Send(context.Background(), NewConversation(time.Now()), "hi", nil)
	if !errors.Is(err, ErrNoPrice) {
		t.Fatalf("err = %v", err)
	}
	if n := len(api.MessageRequests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}
