package budget

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 7, 10, 30, 0, 0, time.UTC)

func TestParseYAMLAndJSON(t *testing.T) {
	yaml := `
budgets:
  - client: "*"
    usd: 20
    period: day
  - client: https://kubernetes.default.svc#system:serviceaccount:team-a:*
    tokens: 2000000
    usd: 50.5
    period: monthly
  - client: gateway-key
    tokens: 1000
    period: hour
`
	rules, err := Parse([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 3 || rules[1].Period != Month || rules[1].USD != 50.5 || rules[2].Tokens != 1000 {
		t.Fatalf("rules = %+v", rules)
	}
	if got := rules[1].Describe(); got != "$50.5 and 2000000 tokens/month" {
		t.Errorf("Describe = %q", got)
	}
	js := `{"budgets":[{"client":"*","usd":1,"period":"hour"}]}`
	if rules, err := Parse([]byte(js)); err != nil || len(rules) != 1 || rules[0].Period != Hour {
		t.Fatalf("JSON: %+v, %v", rules, err)
	}
}

func TestParseRefusesWhatItCannotEnforce(t *testing.T) {
	for _, bad := range []struct{ in, want string }{
		{`budgets: [{client: "*", period: day}]`, "no limit"},
		{`budgets: [{client: "*", usd: 5}]`, "no period"},
		{`budgets: [{client: "*", usd: 5, period: week}]`, `unknown budget period "week"`},
		{`budgets: [{client: "*", usd: -5, period: day}]`, "positive"},
		{`budgets: [{client: "team-a", usd: 5, period: day}]`, "ISSUER#SUBJECT"},
		{`budgets: [{client: "*", usd: 5, period: day, dollars: 3}]`, "unknown field"},
		{`budget: []`, "unknown field"},
	} {
		_, err := Parse([]byte(bad.in))
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("Parse(%s) = %v, want an error with %q", bad.in, err, bad.want)
		}
	}
}

func TestParseFlagUSD(t *testing.T) {
	r, err := ParseFlagUSD("20/day")
	if err != nil || r.Client != "*" || r.USD != 20 || r.Period != Day {
		t.Fatalf("20/day = %+v, %v", r, err)
	}
	for _, bad := range []string{"20", "0/day", "abc/day", "20/week", "-1/hour"} {
		if _, err := ParseFlagUSD(bad); err == nil {
			t.Errorf("ParseFlagUSD(%q) accepted", bad)
		}
	}
}

func TestRuleMatches(t *testing.T) {
	team := Rule{Client: "https://k8s.example#system:serviceaccount:team-a:*"}
	cases := []struct {
		rule   Rule
		client string
		want   bool
	}{
		{Rule{Client: "*"}, KeyClient, true},
		{Rule{Client: "*"}, "jwt:https://x#y", true},
		{Rule{Client: KeyPattern}, KeyClient, true},
		{Rule{Client: KeyPattern}, "jwt:https://x#gateway", false},
		{team, "jwt:https://k8s.example#system:serviceaccount:team-a:ci", true},
		{team, "jwt:https://k8s.example#system:serviceaccount:team-b:ci", false},
		// Same subject, another issuer: not the team's budget.
		{team, "jwt:https://evil.example#system:serviceaccount:team-a:ci", false},
		{team, KeyClient, false},
	}
	for _, c := range cases {
		if got := c.rule.Matches(c.client); got != c.want {
			t.Errorf("%q matches %q = %v, want %v", c.rule.Client, c.client, got, c.want)
		}
	}
}

func TestWindows(t *testing.T) {
	for _, c := range []struct {
		p          Period
		start, end string
	}{
		{Hour, "2026-12-07T10:00:00Z", "2026-12-07T11:00:00Z"},
		{Day, "2026-12-07T00:00:00Z", "2026-12-08T00:00:00Z"},
		{Month, "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"},
	} {
		s, e := c.p.Window(t0)
		if s.Format(time.RFC3339) != c.start || e.Format(time.RFC3339) != c.end {
			t.Errorf("%s window = %s..%s", c.p, s, e)
		}
	}
}

func TestMeterStreamCountsStartAndDeltaWithCache(t *testing.T) {
	m := NewMeter(true)
	stream := "event: message_start\n" +
		`data: {"type":"message_start","message":{"model":"claude-sonnet-4-5","usage":{"input_tokens":10,"cache_creation_input_tokens":100,"cache_read_input_tokens":1000,"output_tokens":1}}}` + "\n\n" +
		"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"text\":\"data: {\\\"type\\\":\\\"message_delta\\\"}\"}}\n\n" +
		"event: message_delta\r\n" +
		`data: {"type":"message_delta","delta":{},"usage":{"output_tokens":42}}` + "\r\n\r\n"
	// Byte by byte: events split anywhere across reads.
	for i := range len(stream) {
		m.Write([]byte{stream[i]})
	}
	u, ok := m.Usage()
	want := Usage{Model: "claude-sonnet-4-5", Input: 10, Output: 42, CacheWrite: 100, CacheRead: 1000}
	if !ok || u != want {
		t.Fatalf("usage = %+v, %v; want %+v", u, ok, want)
	}
	// $3 in, $3.75 write, $0.30 read, $15 out per MTok.
	if n, ok := u.NanoUSD(); !ok || n != (30+375+300+630)*1000 {
		t.Errorf("nano-USD = %d, %v", n, ok)
	}
}

func TestMeterUnary(t *testing.T) {
	m := NewMeter(false)
	m.Write([]byte(`{"model":"claude-haiku-4-5-20251001","usage":{"input_tokens":3,`))
	m.Write([]byte(`"output_tokens":2,"cache_read_input_tokens":5}}`))
	u, ok := m.Usage()
	if !ok || u.Tokens() != 10 || u.Model != "claude-haiku-4-5-20251001" {
		t.Fatalf("usage = %+v, %v", u, ok)
	}
	if _, ok := NewMeter(false).Usage(); ok {
		t.Error("an empty body reported usage")
	}
}

func TestEnforcerRefusesAfterTheOverrunAndKeepsSpendAcrossRestart(t *testing.T) {
	home := t.TempDir()
	now := func() time.Time { return t0 }
	store, err := OpenFileStore(home, now)
	if err != nil {
		t.Fatal(err)
	}
	rules := []Rule{{Client: "*", Tokens: 100, Period: Day}, {Client: "*", USD: 1, Period: Hour}}
	e := NewEnforcer(rules, store, false, now)
	ctx := context.Background()
	if ref := e.Check(ctx, "jwt:https://i#a"); ref != nil {
		t.Fatalf("fresh client refused: %v", ref)
	}
	// One answer overruns the budget: it is counted whole.
	if err := e.Record(ctx, "jwt:https://i#a", Usage{Model: "claude-haiku-4-5", Input: 90, Output: 30}); err != nil {
		t.Fatal(err)
	}
	ref := e.Check(ctx, "jwt:https://i#a")
	if ref == nil || !ref.Spent {
		t.Fatalf("over budget, not refused: %v", ref)
	}
	want := "budget of 100 tokens/day for jwt:https://i#a is spent; resets at 2026-12-08T00:00:00Z"
	if ref.Error() != want {
		t.Errorf("refusal %q, want %q", ref.Error(), want)
	}
	if e.Check(ctx, "jwt:https://i#b") != nil {
		t.Error("another client shares the budget of '*'")
	}
	// A restart keeps the window's spend.
	if st, err := os.Stat(filepath.Join(home, FileName)); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("state file: %v, %v", st, err)
	}
	store2, err := OpenFileStore(home, now)
	if err != nil {
		t.Fatal(err)
	}
	e2 := NewEnforcer(rules, store2, false, now)
	if ref := e2.Check(ctx, "jwt:https://i#a"); ref == nil {
		t.Error("the restarted enforcer forgot the spend")
	}
	// The next day starts from zero.
	later := func() time.Time { return t0.Add(14 * time.Hour) }
	store3, _ := OpenFileStore(home, later)
	if ref := NewEnforcer(rules, store3, false, later).Check(ctx, "jwt:https://i#a"); ref != nil {
		t.Errorf("next day still refused: %v", ref)
	}
	usage, err := e.Usage(ctx)
	if err != nil || len(usage) != 2 || usage[0].Tokens != 120 || !usage[0].Spent {
		t.Errorf("usage = %+v, %v", usage, err)
	}
}

func TestFileStoreRefusesAStateFileOthersCanWrite(t *testing.T) {
	home := t.TempDir()
	p := filepath.Join(home, FileName)
	if err := os.WriteFile(p, []byte("[]"), 0o666); err != nil {
		t.Fatal(err)
	}
	os.Chmod(p, 0o666)
	if _, err := OpenFileStore(home, nil); err == nil {
		t.Fatal("a world-writable state file was trusted")
	}
}

type downStore struct{ Store }

func (downStore) Get(context.Context, []Key) ([]Spend, error) {
	return nil, os.ErrDeadlineExceeded
}

func TestStoreFailurePolicy(t *testing.T) {
	rules := []Rule{{Client: "*", USD: 1, Period: Day}}
	if ref := NewEnforcer(rules, downStore{}, true, nil).Check(context.Background(), KeyClient); ref != nil {
		t.Errorf("fail open refused: %v", ref)
	}
	ref := NewEnforcer(rules, downStore{}, false, nil).Check(context.Background(), KeyClient)
	if ref == nil || ref.Spent || !strings.Contains(ref.Error(), "--budget-store-fail closed") {
		t.Errorf("fail closed: %v", ref)
	}
}
