package wif

import (
	"testing"

	"github.com/hermes-agent/hermes/internal/fsutil"
)

// An exchange runs under the cache lock: a waiter must not give up while
// an exchange may still legitimately be running.
func TestLockWaitCoversExchange(t *testing.T) {
	if refreshTimeout >= fsutil.LockTimeout {
		t.Fatalf("an exchange may hold the lock %s, but waiters give up after %s", refreshTimeout, fsutil.LockTimeout)
	}
}
