package models

//lint:file-ignore SA1019 the model catalogue names deprecated and retired models on purpose

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
)

// DeprecationsURL is Anthropic's page of model deprecations.
const DeprecationsURL = "https://docs.anthropic.com/en/docs/resources/model-deprecations"

// Retired is a known retirement: the model, the day it reaches (or
// reached) end-of-life, and the model to migrate to.
type Retired struct {
	Model       string
	EndOfLife   time.Time // midnight UTC of the end-of-life day
	Replacement string
}

// Past reports whether the end-of-life day has begun at now.
func (r Retired) Past(now time.Time) bool { return !now.Before(r.EndOfLife) }

// Date is the end-of-life day as the SDK's notes write it.
func (r Retired) Date() string { return r.EndOfLife.Format("January 2, 2006") }

// retirements is the table, built on first use (never at init: every
// hermes command links this package). Each row is copied from a
// "Deprecated: Will reach end-of-life on …. Please migrate to …" note in
// the SDK's message.go; TestRetirementsMatchSDK keeps them in step.
var retirements = sync.OnceValue(func() map[string]Retired {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	rows := []Retired{
		{anthropic.ModelClaudeMythosPreview, day(2026, time.June, 30), anthropic.ModelClaudeMythos5},
		{anthropic.ModelClaudeOpus4_5, day(2027, time.January, 22), anthropic.ModelClaudeOpus5_5},
		{anthropic.ModelClaudeOpus4_5_20251101, day(2027, time.January, 22), anthropic.ModelClaudeOpus5_5},
		{anthropic.ModelClaudeSonnet4_5, day(2026, time.November, 30), anthropic.ModelClaudeSonnet5_5},
		{anthropic.ModelClaudeSonnet4_5_20250929, day(2026, time.November, 30), anthropic.ModelClaudeSonnet5_5},
	}
	m := make(map[string]Retired, len(rows))
	for _, r := range rows {
		m[r.Model] = r
	}
	return m
})

// Retirement returns the known retirement of model, if it has one.
func Retirement(model string) (Retired, bool) {
	r, ok := retirements()[model]
	return r, ok
}

// Warner prints each model's deprecation warning once, as the
// TypeScript SDK does per run. The zero value is ready; whoever runs many
// sessions (acp's server, the cron daemon's runner) owns one, so no state
// is shared through the package.
type Warner struct{ warned sync.Map }

// Warn prints one line to w when model has a known retirement, the first
// time this Warner is asked about that model. It reports whether it
// printed.
func (wr *Warner) Warn(w io.Writer, model string, now time.Time) bool {
	if _, ok := Retirement(model); !ok || w == nil {
		return false
	}
	if _, seen := wr.warned.LoadOrStore(model, true); seen {
		return false
	}
	return WarnDeprecated(w, model, now)
}

// WarnDeprecated prints one line to w when model has a known retirement,
// for a command that asks once. It reports whether it printed.
func WarnDeprecated(w io.Writer, model string, now time.Time) bool {
	r, ok := Retirement(model)
	if !ok || w == nil {
		return false
	}
	fmt.Fprintln(w, r.Warning(now))
	return true
}

// Warning is the one-line deprecation notice for r at now.
func (r Retired) Warning(now time.Time) string {
	if r.Past(now) {
		return fmt.Sprintf("hermes: warning: the model %s reached end-of-life on %s and may be refused; use %s instead (-m %s). See %s",
			r.Model, r.Date(), r.Replacement, r.Replacement, DeprecationsURL)
	}
	return fmt.Sprintf("hermes: warning: the model %s is deprecated and will reach end-of-life on %s; please migrate to %s. See %s",
		r.Model, r.Date(), r.Replacement, DeprecationsURL)
}
