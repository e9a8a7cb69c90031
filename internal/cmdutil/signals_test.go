package cmdutil

import (
	"context"
	"os"
	"syscall"
	"testing"
)

// Escalate: the first signal ends the context without forcing, the second
// forces, and later ones change nothing (and do not block the sender's
// buffered channel being drained).
func TestEscalate(t *testing.T) {
	sigs := make(chan os.Signal)
	ctx, force, stop := Escalate(context.Background(), sigs, nil)
	defer stop()
	if ctx.Err() != nil || isClosed(force) {
		t.Fatal("stopped before any signal")
	}
	sigs <- syscall.SIGTERM
	<-ctx.Done()
	if isClosed(force) {
		t.Fatal("the first signal forced the stop")
	}
	sigs <- syscall.SIGINT
	<-force
	select {
	case sigs <- syscall.SIGTERM:
		t.Fatal("a third signal was still awaited")
	default:
	}
}

// The parent ending is a graceful stop too; stop releases the goroutine
// without forcing.
func TestEscalateParentAndStop(t *testing.T) {
	parent, cancel := context.WithCancel(context.Background())
	ctx, force, stop := Escalate(parent, make(chan os.Signal), nil)
	cancel()
	<-ctx.Done()
	stop()
	if isClosed(force) {
		t.Fatal("stop forced")
	}
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
