package bench

import (
	"context"
	"fmt"
	"os"
)

// Interrupts makes a run's two-stage stop from a stream of interrupts
// (package main feeds it the channel of os/signal.Notify): the first
// cancels the returned context, with "SIGNAL received" as its cause, so
// that the run stops starting connections and lets those in flight finish
// within Options.Grace; the second closes abort (Options.Abort), which cuts
// them at once. Later ones do nothing. note, if not nil, is called with
// each interrupt's number (1, 2, ...) and signal before it takes effect.
// stop ends the watch and releases the context.
func Interrupts(sigs <-chan os.Signal, note func(n int, sig os.Signal)) (ctx context.Context, abort <-chan struct{}, stop func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	ab := make(chan struct{})
	done := make(chan struct{})
	go func() {
		for n := 1; ; n++ {
			select {
			case <-done:
				return
			case sig := <-sigs:
				if note != nil {
					note(n, sig)
				}
				switch n {
				case 1:
					cancel(fmt.Errorf("%v received", sig))
				case 2:
					close(ab)
				}
			}
		}
	}()
	return ctx, ab, func() {
		close(done)
		cancel(nil)
	}
}
