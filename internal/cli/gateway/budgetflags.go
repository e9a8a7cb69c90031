package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/hermes-agent/hermes/internal/budget"
	"github.com/hermes-agent/hermes/internal/cmdutil"
	"github.com/hermes-agent/hermes/internal/fsutil"
)

// BudgetOptions are the --budget* flags.
type BudgetOptions struct {
	File      string // --budgets: YAML or JSON rules, reloaded on SIGHUP
	ClientUSD string // --client-budget-usd AMOUNT/PERIOD for every client
	Store     string // --budget-store redis://HOST:PORT/DB ("": HERMES_HOME)
	StoreFail string // --budget-store-fail open|closed
}

func addBudgetFlags(cmd *cobra.Command, o *BudgetOptions) {
	fl := cmd.Flags()
	fl.StringVar(&o.File, "budgets", "", "per-client spend budgets, YAML or JSON (reloaded on SIGHUP; see README: Budgets)")
	fl.StringVar(&o.ClientUSD, "client-budget-usd", "", "USD budget for each client, AMOUNT/PERIOD with PERIOD hour, day or month (e.g. 20/day)")
	fl.StringVar(&o.Store, "budget-store", "", "share budget counters across replicas: redis://HOST:PORT/DB (default: in memory, kept in HERMES_HOME)")
	fl.StringVar(&o.StoreFail, "budget-store-fail", budget.FailClosed, "with the budget store unreachable: closed (refuse with 503) or open (serve unmetered)")
	_ = cmd.RegisterFlagCompletionFunc("budget-store-fail", cobra.FixedCompletions([]string{budget.FailClosed, budget.FailOpen}, cobra.ShellCompDirectiveNoFileComp))
}

// enabled reports whether any budget is asked for.
func (o *BudgetOptions) enabled() bool { return o.File != "" || o.ClientUSD != "" }

// rules reads the budgets file and the flag's rule (last: the file's
// specific rules come first in listings).
func (o *BudgetOptions) rules() ([]budget.Rule, error) {
	var rules []budget.Rule
	if o.File != "" {
		data, err := fsutil.ReadFileLimited(o.File, 1<<20)
		if err != nil {
			return nil, fmt.Errorf("--budgets: %w", err)
		}
		r, err := budget.Parse(data)
		if err != nil {
			return nil, fmt.Errorf("--budgets %s: %w", o.File, err)
		}
		rules = r
	}
	if o.ClientUSD != "" {
		r, err := budget.ParseFlagUSD(o.ClientUSD)
		if err != nil {
			return nil, cmdutil.FlagErrorf("%v", err)
		}
		rules = append(rules, r)
	}
	return rules, nil
}

// enforcer builds the budget enforcer, or nil when no budget is set.
func (o *BudgetOptions) enforcer(home func() (string, error)) (*budget.Enforcer, error) {
	if o.StoreFail == "" {
		o.StoreFail = budget.FailClosed
	}
	if o.StoreFail != budget.FailClosed && o.StoreFail != budget.FailOpen {
		return nil, cmdutil.FlagErrorf("--budget-store-fail must be open or closed, not %q", o.StoreFail)
	}
	if !o.enabled() {
		if o.Store != "" {
			return nil, cmdutil.FlagErrorf("--budget-store needs a budget: --budgets FILE or --client-budget-usd AMOUNT/PERIOD")
		}
		return nil, nil
	}
	rules, err := o.rules()
	if err != nil {
		return nil, err
	}
	var store budget.Store
	if o.Store != "" {
		s, err := budget.OpenRedisStore(o.Store)
		if err != nil {
			return nil, cmdutil.FlagErrorf("%v", err)
		}
		store = s
	} else {
		h, err := home()
		if err != nil {
			return nil, err
		}
		s, err := budget.OpenFileStore(h, nil)
		if err != nil {
			return nil, err
		}
		store = s
	}
	return budget.NewEnforcer(rules, store, o.StoreFail == budget.FailOpen, time.Now), nil
}

// reloadOnHUP rereads the budgets on SIGHUP until ctx ends; a file that
// does not parse keeps the rules in force, and says why.
func (o *BudgetOptions) reloadOnHUP(ctx context.Context, e *budget.Enforcer, log func(msg string, args ...any)) {
	if e == nil {
		return
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				rules, err := o.rules()
				if err != nil {
					log("hermes gateway: budgets not reloaded, the previous ones stay in force", "err", err)
					continue
				}
				e.SetRules(rules)
				log("hermes gateway: budgets reloaded", "budgets", len(rules))
			}
		}
	}()
}

func slogOrStderr(l *slog.Logger, w func(string)) func(string, ...any) {
	if l != nil {
		return func(msg string, args ...any) { l.Warn(msg, args...) }
	}
	return func(msg string, args ...any) { w(fmt.Sprint(append([]any{msg}, args...)...)) }
}
