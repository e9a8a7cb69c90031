package gateway

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBudgetFlags(t *testing.T) {
	home := t.TempDir()
	homeFn := func() (string, error) { return home, nil }
	file := filepath.Join(t.TempDir(), "budgets.yaml")
	os.WriteFile(file, []byte("budgets:\n  - {client: gateway-key, tokens: 100, period: hour}\n"), 0o600)

	e, err := (&BudgetOptions{File: file, ClientUSD: "20/day", StoreFail: "closed"}).enforcer(homeFn)
	if err != nil || e == nil || len(e.Rules()) != 2 || e.Rules()[1].USD != 20 {
		t.Fatalf("enforcer = %v, %v", e, err)
	}
	if !strings.HasPrefix(e.Store().Describe(), home) {
		t.Errorf("store %s, want under HERMES_HOME", e.Store().Describe())
	}
	if e, err := (&BudgetOptions{StoreFail: "closed"}).enforcer(homeFn); e != nil || err != nil {
		t.Errorf("no budget: %v, %v", e, err)
	}
	for _, c := range []struct {
		o    BudgetOptions
		want string
	}{
		{BudgetOptions{ClientUSD: "20/day", StoreFail: "maybe"}, "--budget-store-fail must be open or closed"},
		{BudgetOptions{Store: "redis://localhost:6379/0", StoreFail: "closed"}, "--budget-store needs a budget"},
		{BudgetOptions{ClientUSD: "20/week", StoreFail: "closed"}, `unknown budget period "week"`},
		{BudgetOptions{ClientUSD: "1/day", Store: "http://redis:6379", StoreFail: "closed"}, "want redis://HOST:PORT/DB"},
		{BudgetOptions{File: filepath.Join(home, "missing.yaml"), StoreFail: "closed"}, "--budgets"},
	} {
		if _, err := c.o.enforcer(homeFn); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.o, err, c.want)
		}
	}
}
