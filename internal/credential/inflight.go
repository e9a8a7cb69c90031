package credential

import (
	"sync"
	"time"
)

// An irreversible credential request (an OAuth refresh, which spends a
// single-use refresh token; a WIF exchange, which spends a single-use
// identity token) must be allowed to finish and have its answer saved
// even when the command that wanted it is interrupted: exiting in between
// loses the only copy of the rotated refresh token (the next run resends
// the spent one and the server revokes the whole login) or of the minted
// token (the identity token is spent for nothing). Such a request marks
// itself with Spend; the process waits for it with WaitSpends before it
// exits. Each request is bounded by its own deadline.
var inflight struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed when n drops to 0; nil while n is 0
}

// Spend marks an irreversible request as started; call done once its
// answer is saved (or it failed).
func Spend() (done func()) {
	inflight.mu.Lock()
	if inflight.n == 0 {
		inflight.idle = make(chan struct{})
	}
	inflight.n++
	inflight.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			inflight.mu.Lock()
			defer inflight.mu.Unlock()
			if inflight.n--; inflight.n == 0 {
				close(inflight.idle)
				inflight.idle = nil
			}
		})
	}
}

// Spending reports whether an irreversible request is in flight.
func Spending() bool {
	inflight.mu.Lock()
	defer inflight.mu.Unlock()
	return inflight.n > 0
}

// WaitSpends waits until no irreversible request is in flight, or at most
// limit; it reports whether none is left.
func WaitSpends(limit time.Duration) bool {
	inflight.mu.Lock()
	idle := inflight.idle
	inflight.mu.Unlock()
	if idle == nil {
		return true
	}
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-idle:
		return true
	case <-t.C:
		return false
	}
}

// SpendBound is the longest WaitSpends should wait at exit: longer than
// any one refresh or exchange is allowed to take (each has its own
// deadline, at most two minutes), so it only stops a wedged process.
const SpendBound = 150 * time.Second
