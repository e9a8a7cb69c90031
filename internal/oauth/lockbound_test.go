package oauth

import (
	"testing"

	"github.com/hermes-agent/hermes/internal/fsutil"
)

// A refresh runs under the store's lock: a waiter must not give up while
// a refresh may still legitimately be running.
func TestLockWaitCoversRefresh(t *testing.T) {
	if refreshBound >= fsutil.LockTimeout {
		t.Fatalf("a refresh may hold the lock %s, but waiters give up after %s", refreshBound, fsutil.LockTimeout)
	}
}
