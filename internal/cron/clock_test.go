package cron

import (
	"sync"
	"time"
)

// fakeClock is a Clock that moves only when a test says so.
type fakeClock struct {
	mu      sync.Mutex
	cond    *sync.Cond
	now     time.Time
	waiters []*fakeWaiter
}

type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock(t time.Time) *fakeClock {
	c := &fakeClock{now: t}
	c.cond = sync.NewCond(&c.mu)
	return c
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Until(t time.Time) (<-chan time.Time, func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := &fakeWaiter{at: t, ch: make(chan time.Time, 1)}
	if !t.After(c.now) {
		w.ch <- c.now
		return w.ch, func() {}
	}
	c.waiters = append(c.waiters, w)
	c.cond.Broadcast()
	return w.ch, func() { c.remove(w) }
}

func (c *fakeClock) remove(w *fakeWaiter) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.waiters {
		if x == w {
			c.waiters = append(c.waiters[:i], c.waiters[i+1:]...)
			c.cond.Broadcast()
			return
		}
	}
}

// Set moves the clock to t and wakes every waiter that is due.
func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(t) {
			w.ch <- t
		} else {
			kept = append(kept, w)
		}
	}
	c.waiters = kept
	c.cond.Broadcast()
}

// BlockUntilWaiting returns once someone is waiting on the clock: the
// daemon has finished looking at its jobs and gone to sleep.
func (c *fakeClock) BlockUntilWaiting() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.waiters) == 0 {
		c.cond.Wait()
	}
	return c.waiters[0].at
}

// BlockUntilWaiter returns once someone waits for exactly at.
func (c *fakeClock) BlockUntilWaiter(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for !c.hasWaiter(at) {
		c.cond.Wait()
	}
}

func (c *fakeClock) hasWaiter(at time.Time) bool {
	for _, w := range c.waiters {
		if w.at.Equal(at) {
			return true
		}
	}
	return false
}
