package cron

import (
	"strings"
	"testing"
	"time"
)

// Issue 11 item 16: a zero or negative @every says what was given.
func TestEveryNonPositiveSaysWhatWasGiven(t *testing.T) {
	for spec, want := range map[string]string{
		"@every 0s":  "@every interval 0s is not positive",
		"@every -5m": "@every interval -5m is not positive",
		"@every 30s": "@every interval 30s is shorter than 1m0s",
	} {
		_, err := ParseSchedule(spec, time.Now())
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", spec, err, want)
		}
	}
}
