package loadgen

import (
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/tlsbench/tlsbench/results"
)

// probeEvery is how often the scheduler probe wakes.
const probeEvery = 5 * time.Millisecond

// schedProbe measures how late the Go runtime wakes a timer in the
// generator's process while a phase runs: when the generator is starved of
// CPU, its own measurements include its queueing, and this lag shows it.
// It reads the runtime's own timer and clock, not Config.Clock: that timer
// is what it measures, and its figure is a duration, never compared with
// the run's times.
func schedProbe(done <-chan struct{}) <-chan *hdrhistogram.Histogram {
	out := make(chan *hdrhistogram.Histogram, 1)
	go func() {
		h := results.NewHistogram()
		t := time.NewTimer(probeEvery)
		defer t.Stop()
		due := time.Now().Add(probeEvery)
		for {
			select {
			case <-done:
				out <- h
				return
			case now := <-t.C:
				h.RecordValue(now.Sub(due).Microseconds())
				due = now.Add(probeEvery)
				t.Reset(probeEvery)
			}
		}
	}()
	return out
}
