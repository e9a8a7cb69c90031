package budget

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// FailOpen and FailClosed say what happens to requests while the store
// cannot be reached: served unmetered, or refused with 503.
const (
	FailOpen   = "open"
	FailClosed = "closed"
)

// Enforcer decides whether a client may make a request and counts what
// each answer cost. Rules can be replaced while it runs (SIGHUP).
type Enforcer struct {
	store    Store
	failOpen bool
	now      func() time.Time
	rules    atomic.Pointer[[]Rule]

	// Process-local totals for /metrics, by rule label (bounded: the
	// configured patterns, and "other" for a client no rule matches).
	mu     sync.Mutex
	totals map[string]*Totals
}

// Totals are one metrics label's counts since the gateway started.
type Totals struct {
	Input, Output, CacheWrite, CacheRead int64
	NanoUSD                              int64
	Refused                              int64
}

// OtherLabel is the metrics label of clients no rule matches.
const OtherLabel = "other"

// NewEnforcer builds an enforcer over store; failOpen serves requests
// unmetered while the store is unreachable (else they are refused).
func NewEnforcer(rules []Rule, store Store, failOpen bool, now func() time.Time) *Enforcer {
	if now == nil {
		now = time.Now
	}
	e := &Enforcer{store: store, failOpen: failOpen, now: now, totals: map[string]*Totals{}}
	e.SetRules(rules)
	return e
}

// SetRules replaces the rules (a reloaded budgets file).
func (e *Enforcer) SetRules(rules []Rule) {
	r := append([]Rule(nil), rules...)
	e.rules.Store(&r)
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, x := range r {
		if e.totals[x.Label()] == nil {
			e.totals[x.Label()] = &Totals{}
		}
	}
	if e.totals[OtherLabel] == nil {
		e.totals[OtherLabel] = &Totals{}
	}
}

// Rules returns the rules in force.
func (e *Enforcer) Rules() []Rule { return *e.rules.Load() }

// Store is the enforcer's store.
func (e *Enforcer) Store() Store { return e.store }

// FailsOpen reports the --budget-store-fail policy.
func (e *Enforcer) FailsOpen() bool { return e.failOpen }

// matching returns the rules that apply to client.
func (e *Enforcer) matching(client string) []Rule {
	var out []Rule
	for _, r := range e.Rules() {
		if r.Matches(client) {
			out = append(out, r)
		}
	}
	return out
}

// label is client's metrics label: the first matching rule's pattern.
func (e *Enforcer) label(client string) string {
	if m := e.matching(client); len(m) > 0 {
		return m[0].Label()
	}
	return OtherLabel
}

// keys are client's counters now, one per period its rules use.
func (e *Enforcer) keys(client string, rules []Rule) []Key {
	now := e.now()
	seen := map[Period]bool{}
	var keys []Key
	for _, r := range rules {
		if seen[r.Period] {
			continue
		}
		seen[r.Period] = true
		start, _ := r.Period.Window(now)
		keys = append(keys, Key{Client: client, Period: r.Period, Start: start})
	}
	return keys
}

// Refusal says why a client may not make a request now.
type Refusal struct {
	// Spent: a budget is used up (429); else the store is unreachable (503).
	Spent   bool
	Rule    Rule
	Client  string
	ResetAt time.Time
	Err     error // the store's error
}

func (r *Refusal) Error() string {
	if !r.Spent {
		return fmt.Sprintf("the budget store is unreachable, so requests are refused until it is back (--budget-store-fail closed): %v", r.Err)
	}
	return fmt.Sprintf("budget of %s for %s is spent; resets at %s", r.Rule.Describe(), r.Client, r.ResetAt.UTC().Format(time.RFC3339))
}

// Check returns nil when client may make a request now. An answer already
// running is never cut: only the next request is refused.
func (e *Enforcer) Check(ctx context.Context, client string) *Refusal {
	rules := e.matching(client)
	if len(rules) == 0 {
		return nil
	}
	keys := e.keys(client, rules)
	spends, err := e.store.Get(ctx, keys)
	if err != nil {
		if e.failOpen {
			return nil
		}
		return &Refusal{Client: client, Err: err}
	}
	byPeriod := map[Period]Spend{}
	for i, k := range keys {
		byPeriod[k.Period] = spends[i]
	}
	var worst *Refusal
	for _, r := range rules {
		s := byPeriod[r.Period]
		if (r.USD > 0 && s.USD() >= r.USD) || (r.Tokens > 0 && s.Tokens >= r.Tokens) {
			_, end := r.Period.Window(e.now())
			// The refusal that lasts longest is the one to report.
			if worst == nil || end.After(worst.ResetAt) {
				worst = &Refusal{Spent: true, Rule: r, Client: client, ResetAt: end}
			}
		}
	}
	if worst != nil {
		e.count(client, func(t *Totals) { t.Refused++ })
	}
	return worst
}

// Record counts one answer's usage against client's budgets. The cost of
// a model without a price counts as zero dollars (its tokens still count).
func (e *Enforcer) Record(ctx context.Context, client string, u Usage) error {
	nano, _ := u.NanoUSD()
	e.count(client, func(t *Totals) {
		t.Input += u.Input
		t.Output += u.Output
		t.CacheWrite += u.CacheWrite
		t.CacheRead += u.CacheRead
		t.NanoUSD += nano
	})
	rules := e.matching(client)
	if len(rules) == 0 {
		return nil
	}
	return e.store.Add(ctx, e.keys(client, rules), Spend{Tokens: u.Tokens(), NanoUSD: nano})
}

func (e *Enforcer) count(client string, f func(*Totals)) {
	label := e.label(client)
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.totals[label]
	if t == nil {
		t = &Totals{}
		e.totals[label] = t
	}
	f(t)
}

// Totals returns a copy of the per-label totals.
func (e *Enforcer) Totals() map[string]Totals {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]Totals, len(e.totals))
	for k, v := range e.totals {
		out[k] = *v
	}
	return out
}

// ClientUsage is one client's spend in one budget's current window.
type ClientUsage struct {
	Client      string    `json:"client"`
	Budget      string    `json:"budget"` // the rule's client pattern
	Period      Period    `json:"period"`
	WindowStart time.Time `json:"window_start"`
	ResetsAt    time.Time `json:"resets_at"`
	Tokens      int64     `json:"tokens"`
	USD         float64   `json:"usd"`
	LimitTokens int64     `json:"limit_tokens,omitempty"`
	LimitUSD    float64   `json:"limit_usd,omitempty"`
	Spent       bool      `json:"spent"`
}

// Usage lists every client's spend in the current window of each rule
// that applies to it, sorted by client then period.
func (e *Enforcer) Usage(ctx context.Context) ([]ClientUsage, error) {
	now := e.now()
	rules := e.Rules()
	lists := map[Period]map[string]Spend{}
	var out []ClientUsage
	for _, r := range rules {
		start, end := r.Period.Window(now)
		list, ok := lists[r.Period]
		if !ok {
			var err error
			if list, err = e.store.List(ctx, r.Period, start); err != nil {
				return nil, err
			}
			lists[r.Period] = list
		}
		for client, s := range list {
			if !r.Matches(client) {
				continue
			}
			out = append(out, ClientUsage{
				Client: client, Budget: r.Client, Period: r.Period, WindowStart: start, ResetsAt: end,
				Tokens: s.Tokens, USD: s.USD(), LimitTokens: r.Tokens, LimitUSD: r.USD,
				Spent: (r.USD > 0 && s.USD() >= r.USD) || (r.Tokens > 0 && s.Tokens >= r.Tokens),
			})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Client != out[j].Client {
			return out[i].Client < out[j].Client
		}
		return out[i].Period < out[j].Period
	})
	return out, nil
}

// Applies reports whether any budget applies to client.
func (e *Enforcer) Applies(client string) bool { return len(e.matching(client)) > 0 }
