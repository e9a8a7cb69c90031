package cron

import "time"

// Clock is the daemon's time: the real one in production, one that tests
// step by hand so no test sleeps.
type Clock interface {
	Now() time.Time
	// Until returns a channel that receives once the clock reaches t, and
	// a function that releases it early.
	Until(t time.Time) (<-chan time.Time, func())
}

// SystemClock is the wall clock.
type SystemClock struct{}

func (SystemClock) Now() time.Time { return time.Now() }

func (SystemClock) Until(t time.Time) (<-chan time.Time, func()) {
	timer := time.NewTimer(time.Until(t))
	return timer.C, func() { timer.Stop() }
}
