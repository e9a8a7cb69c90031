// Package budget enforces spend budgets per gateway client: tokens and/or
// USD per hour, day or month, counted from the usage of every answer the
// gateway forwards and priced with internal/models' one price table.
//
// Rules say which clients a limit applies to; every client is counted on
// its own (a pattern that matches many clients gives each its budget).
// Counters live in a Store: in memory and persisted under HERMES_HOME for
// one gateway, or in Redis so that replicas enforce one budget.
package budget

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

// Period is a budget's window. Windows are calendar-aligned in UTC: an
// hour from :00, a day from midnight, a month from the 1st.
type Period string

const (
	Hour  Period = "hour"
	Day   Period = "day"
	Month Period = "month"
)

// ParsePeriod accepts hour, day and month (and the adjectives).
func ParsePeriod(s string) (Period, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "hour", "hourly", "h":
		return Hour, nil
	case "day", "daily", "d":
		return Day, nil
	case "month", "monthly":
		return Month, nil
	}
	return "", fmt.Errorf("unknown budget period %q: want hour, day or month", s)
}

// Window returns the start of the window holding t and the start of the next.
func (p Period) Window(t time.Time) (start, end time.Time) {
	t = t.UTC()
	switch p {
	case Hour:
		start = t.Truncate(time.Hour)
		return start, start.Add(time.Hour)
	case Month:
		start = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
		return start, start.AddDate(0, 1, 0)
	default:
		start = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		return start, start.AddDate(0, 0, 1)
	}
}

// Rule is one budget: the clients it applies to and its limits.
type Rule struct {
	// Client is a client pattern: "*" (every client, each separately),
	// "gateway-key" (holders of the gateway key), or ISSUER#SUBJECT for
	// workload-identity clients, where '*' matches any run of characters
	// and '?' one (e.g. https://kubernetes.default.svc#system:serviceaccount:team-a:*).
	Client string  `json:"client"`
	Tokens int64   `json:"tokens,omitempty"` // 0: no token limit
	USD    float64 `json:"usd,omitempty"`    // 0: no USD limit
	Period Period  `json:"period"`
}

// Label is the rule's name in metrics and messages.
func (r Rule) Label() string { return r.Client }

// Describe says the limits in words: "$20/day", "1000000 tokens/hour".
func (r Rule) Describe() string {
	var parts []string
	if r.USD > 0 {
		parts = append(parts, "$"+strconv.FormatFloat(r.USD, 'f', -1, 64))
	}
	if r.Tokens > 0 {
		parts = append(parts, strconv.FormatInt(r.Tokens, 10)+" tokens")
	}
	return strings.Join(parts, " and ") + "/" + string(r.Period)
}

// Matches reports whether the rule applies to client, a gateway client
// name: "key:gateway" or "jwt:ISSUER#SUBJECT".
func (r Rule) Matches(client string) bool {
	switch r.Client {
	case "*":
		return true
	case KeyPattern, KeyClient:
		return client == KeyClient
	}
	name, ok := strings.CutPrefix(client, "jwt:")
	if !ok {
		return false
	}
	return globMatch(strings.TrimPrefix(r.Client, "jwt:"), name)
}

// KeyClient is the client name of the gateway key's holders; KeyPattern
// is the rule pattern for them.
const (
	KeyClient  = "key:gateway"
	KeyPattern = "gateway-key"
)

// Config is the budgets file: {"budgets": [Rule...]}, YAML or JSON.
type Config struct {
	Budgets []Rule `json:"budgets"`
}

// Parse reads a budgets file (YAML or JSON) and checks every rule.
func Parse(data []byte) ([]Rule, error) {
	var c Config
	if err := yaml.UnmarshalStrict(bytes.TrimSpace(data), &c); err != nil {
		return nil, fmt.Errorf("budgets file: %w (want {budgets: [{client, usd and/or tokens, period}]})", err)
	}
	for i := range c.Budgets {
		if err := c.Budgets[i].check(); err != nil {
			return nil, fmt.Errorf("budgets file: budget %d: %w", i+1, err)
		}
	}
	return c.Budgets, nil
}

func (r *Rule) check() error {
	if strings.TrimSpace(r.Client) == "" {
		return errors.New(`no client: give "*", "gateway-key" or ISSUER#SUBJECT-PATTERN`)
	}
	if r.Client != "*" && r.Client != KeyPattern && r.Client != KeyClient && !strings.Contains(r.Client, "#") {
		return fmt.Errorf(`client %q: want "*", "gateway-key" or ISSUER#SUBJECT-PATTERN`, r.Client)
	}
	if r.Tokens < 0 || r.USD < 0 || math.IsNaN(r.USD) || math.IsInf(r.USD, 0) {
		return fmt.Errorf("client %q: limits must be positive numbers", r.Client)
	}
	if r.Tokens == 0 && r.USD == 0 {
		return fmt.Errorf("client %q: no limit: give usd, tokens or both", r.Client)
	}
	if r.Period == "" {
		return fmt.Errorf("client %q: no period: give hour, day or month", r.Client)
	}
	p, err := ParsePeriod(string(r.Period))
	if err != nil {
		return fmt.Errorf("client %q: %w", r.Client, err)
	}
	r.Period = p
	return nil
}

// ParseFlagUSD reads --client-budget-usd AMOUNT/PERIOD (e.g. 20/day): a
// USD budget for every client, each separately.
func ParseFlagUSD(s string) (Rule, error) {
	amount, period, ok := strings.Cut(s, "/")
	if !ok {
		return Rule{}, fmt.Errorf("--client-budget-usd %q: want AMOUNT/PERIOD, e.g. 20/day", s)
	}
	usd, err := strconv.ParseFloat(strings.TrimPrefix(strings.TrimSpace(amount), "$"), 64)
	if err != nil || usd <= 0 || math.IsInf(usd, 0) {
		return Rule{}, fmt.Errorf("--client-budget-usd %q: the amount must be a positive number of dollars", s)
	}
	p, err := ParsePeriod(period)
	if err != nil {
		return Rule{}, fmt.Errorf("--client-budget-usd %q: %w", s, err)
	}
	return Rule{Client: "*", USD: usd, Period: p}, nil
}

// globMatch matches s against a pattern where '*' is any run of
// characters and '?' one character; everything else is literal.
func globMatch(pattern, s string) bool {
	px, sx := 0, 0
	nextPx, nextSx := -1, -1
	for px < len(pattern) || sx < len(s) {
		if px < len(pattern) {
			switch c := pattern[px]; c {
			case '*':
				nextPx, nextSx = px, sx+1
				px++
				continue
			case '?':
				if sx < len(s) {
					px++
					sx++
					continue
				}
			default:
				if sx < len(s) && s[sx] == c {
					px++
					sx++
					continue
				}
			}
		}
		if nextSx > 0 && nextSx <= len(s) {
			px, sx = nextPx, nextSx
			continue
		}
		return false
	}
	return true
}
