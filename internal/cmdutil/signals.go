package cmdutil

import (
	"context"
	"os"
)

// Escalate gives long-running commands (gateway, cron daemon) the usual
// two-step stop: the first signal on sigs ends the returned context (a
// graceful stop, announced by onFirst when it is not nil) and the second
// closes force (stop now, without waiting out a grace period).
//
// Signals are counted rather than inferred from ctx, because the root
// command's own Ctrl-C handler ends ctx on that same first Ctrl-C. The
// parent ending is a graceful stop too. stop releases the goroutine.
func Escalate(ctx context.Context, sigs <-chan os.Signal, onFirst func()) (_ context.Context, force <-chan struct{}, stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	forced := make(chan struct{})
	quit := make(chan struct{})
	exited := make(chan struct{})
	first := func() {
		if onFirst != nil {
			onFirst()
		}
		cancel()
	}
	go func() {
		defer close(exited)
		for _, act := range []func(){first, func() { close(forced) }} {
			select {
			case <-sigs:
				act()
			case <-quit:
				return
			}
		}
	}()
	return ctx, forced, func() {
		close(quit)
		<-exited
		cancel()
	}
}
