package clock_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/tlsbench/tlsbench/loadgen/clock"
)

func TestRealSleepUntil(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var c clock.Real
		start := c.Now()
		open, closed := make(chan struct{}), make(chan struct{})
		close(closed)
		if !c.SleepUntil(start.Add(-time.Second), open) || !c.Now().Equal(start) {
			t.Error("a time already past: want true at once")
		}
		if c.SleepUntil(start.Add(-time.Second), closed) {
			t.Error("a time already past with stop closed: want false")
		}
		if !c.SleepUntil(start.Add(time.Second), open) || !c.Now().Equal(start.Add(time.Second)) {
			t.Errorf("want true at exactly 1 s, woke at %v", c.Now().Sub(start))
		}
		stop := make(chan struct{})
		c.AfterFunc(time.Second, func() { close(stop) })
		if c.SleepUntil(c.Now().Add(time.Hour), stop) || !c.Now().Equal(start.Add(2*time.Second)) {
			t.Errorf("stop closed after 1 s of an hour's wait: want false at 2 s, woke at %v", c.Now().Sub(start))
		}
	})
}

func TestRealAfterFuncStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var c clock.Real
		called := false
		timer := c.AfterFunc(time.Second, func() { called = true })
		if !timer.Stop() {
			t.Error("Stop of a pending call: want true")
		}
		time.Sleep(2 * time.Second)
		if called {
			t.Error("a stopped call ran")
		}
	})
}
