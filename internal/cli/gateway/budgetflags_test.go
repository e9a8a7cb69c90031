package gateway

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
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

// SIGHUP rereads --budgets; a file that does not parse keeps the rules in
// force and says why.
func TestBudgetsReloadOnSIGHUP(t *testing.T) {
	file := filepath.Join(t.TempDir(), "budgets.yaml")
	os.WriteFile(file, []byte("budgets: [{client: '*', usd: 1, period: day}]\n"), 0o600)
	o := &BudgetOptions{File: file}
	e, err := o.enforcer(func() (string, error) { return t.TempDir(), nil })
	if err != nil {
		t.Fatal(err)
	}
	logs := make(chan string, 10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o.reloadOnHUP(ctx, e, func(msg string, args ...any) { logs <- fmt.Sprint(append([]any{msg}, args...)...) })

	os.WriteFile(file, []byte("budgets: [{client: '*', usd: 7, period: hour}]\n"), 0o600)
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	if msg := <-logs; !strings.Contains(msg, "budgets reloaded") || e.Rules()[0].USD != 7 {
		t.Fatalf("after SIGHUP: %q, rules %+v", msg, e.Rules())
	}
	os.WriteFile(file, []byte("budgets: [{client: '*', period: hour}]\n"), 0o600)
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	if msg := <-logs; !strings.Contains(msg, "not reloaded") || !strings.Contains(msg, "no limit") || e.Rules()[0].USD != 7 {
		t.Fatalf("after a bad file: %q, rules %+v", msg, e.Rules())
	}
}
