package bench_test

import (
	"context"
	"errors"
	"os"
	"syscall"
	"testing"

	"github.com/tlsbench/tlsbench/bench"
)

func TestInterrupts(t *testing.T) {
	t.Parallel()
	sigs := make(chan os.Signal)
	noted := make(chan int, 3)
	ctx, abort, stop := bench.Interrupts(sigs, func(n int, _ os.Signal) { noted <- n })
	defer stop()
	sigs <- syscall.SIGTERM
	<-ctx.Done()
	if cause := context.Cause(ctx); cause == nil || cause.Error() != "terminated received" || errors.Is(cause, context.Canceled) {
		t.Errorf("cause %v, want the signal", cause)
	}
	select {
	case <-abort:
		t.Fatal("aborted after one interrupt")
	default:
	}
	sigs <- os.Interrupt
	<-abort
	sigs <- os.Interrupt // a third does nothing
	if a, b, c := <-noted, <-noted, <-noted; a != 1 || b != 2 || c != 3 {
		t.Errorf("noted %d, %d, %d", a, b, c)
	}
}
