package agent

import (
	"errors"
	"fmt"
	"sync"

	"github.com/hermes-agent/hermes/internal/models"
)

// Budget caps what a run may spend at list price (--max-budget-usd). One
// Budget is shared by the Sends of a run: a one-shot or cron run has one
// Send, an ACP session many. Sub-agents' cost counts.
type Budget struct {
	MaxUSD float64

	mu    sync.Mutex
	spent float64
}

// Spent is what the run's finished Sends cost.
func (b *Budget) Spent() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.spent
}

func (b *Budget) charge(usd float64) {
	b.mu.Lock()
	b.spent += usd
	b.mu.Unlock()
}

// BudgetError is returned by Send, with the partial Result, when the run
// passed its budget: the answer stopped after the call that passed it.
type BudgetError struct {
	SpentUSD, MaxUSD float64
}

func (e *BudgetError) Error() string {
	return fmt.Sprintf("stopped: this run cost %s, over its budget of %s (--max-budget-usd); the answer so far is what the model wrote before the stop, and the session keeps it",
		FormatUSD(e.SpentUSD), FormatUSD(e.MaxUSD))
}

// ErrNoPrice is wrapped when a budget is set for a model without a price.
var ErrNoPrice = errors.New("no price for this model")

func checkBudgetModel(b *Budget, model string) error {
	if b == nil || b.MaxUSD <= 0 {
		return nil
	}
	if _, ok := models.PriceOf(model); !ok {
		return fmt.Errorf("%w: --max-budget-usd needs a model hermes knows the price of, and %s is not in its table (internal/models/pricing.go, prices of %s); drop the budget or pick a listed model", ErrNoPrice, model, models.PricesCheckedOn)
	}
	return nil
}

// overBudget reports the BudgetError once what the run spent before this
// Send plus res passes the budget.
func overBudget(b *Budget, before float64, res *Result) *BudgetError {
	if b == nil || b.MaxUSD <= 0 {
		return nil
	}
	cost, _ := res.Usage.Cost()
	if before+cost > b.MaxUSD {
		return &BudgetError{SpentUSD: before + cost, MaxUSD: b.MaxUSD}
	}
	return nil
}
