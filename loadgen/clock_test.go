package loadgen_test

import (
	"context"
	"crypto/tls"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tlsbench/tlsbench/loadgen"
	"github.com/tlsbench/tlsbench/loadgen/clock"
)

// shiftedClock is the real clock moved by a fixed offset. Under synctest
// the real clock is the bubble's fake time, which starts in 2000; shifted
// to today, certificates verify on it, and any time the generator read
// past its Config.Clock would be decades away from the others.
type shiftedClock struct{ by time.Duration }

func (c shiftedClock) Now() time.Time { return time.Now().Add(c.by) }

func (c shiftedClock) SleepUntil(t time.Time, stop <-chan struct{}) bool {
	return clock.Real{}.SleepUntil(t.Add(-c.by), stop)
}

func (c shiftedClock) AfterFunc(d time.Duration, f func()) clock.Timer {
	return time.AfterFunc(d, f)
}

// onFakeClock runs f in a synctest bubble with a generator config whose
// clock reads today's time. The server runs outside the bubble, so a
// connection takes no fake time: the bubble's clock only moves while every
// goroutine of the generator waits for a time.
func onFakeClock(t *testing.T, f func(t *testing.T, cfg loadgen.Config)) {
	addr, pool := server(t)
	today := time.Now()
	synctest.Test(t, func(t *testing.T) {
		cfg := config(addr, pool, tls.VersionTLS13, false)
		cfg.Clock = shiftedClock{by: today.Sub(time.Now())}
		f(t, cfg)
	})
}

// TestThinkTimeOnFakeClock: a closed loop whose one client thinks between
// connections runs for exactly the time the clock says, and files each
// connection in the interval of its end on the clock.
func TestThinkTimeOnFakeClock(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		think     time.Duration
		phase     loadgen.Phase
		window    time.Duration
		intervals []int64 // full handshakes per interval
	}{
		// Connections at 0, 1, 2 and 3 s.
		{"count", time.Second, loadgen.Phase{Count: 4}, 3 * time.Second, []int64{1, 1, 1, 1}},
		// Connections at 0, 300, 600 and 900 ms; the next would start
		// at 1200 ms, after the phase's end.
		{"duration", 300 * time.Millisecond, loadgen.Phase{Duration: time.Second}, time.Second, []int64{4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			onFakeClock(t, func(t *testing.T, cfg loadgen.Config) {
				cfg.Clients, cfg.Concurrency, cfg.ThinkTime = 1, 1, tt.think
				g, err := loadgen.New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				start := cfg.Clock.Now()
				ph := tt.phase
				ph.Name, ph.Measured = "think", true
				p, err := g.Run(context.Background(), ph, nil)
				if err != nil {
					t.Fatal(err)
				}
				var want int64
				for _, n := range tt.intervals {
					want += n
				}
				if p.Handshakes.Full != want || p.Handshakes.Failed != 0 {
					t.Fatalf("handshakes %+v (errors %v), want %d full", p.Handshakes, p.Errors, want)
				}
				if !p.StartedAt.Equal(start) || !p.EndedAt.Equal(start.Add(tt.window)) {
					t.Errorf("phase from %v to %v, want from the clock's %v for %v", p.StartedAt, p.EndedAt, start, tt.window)
				}
				if len(p.Intervals) != len(tt.intervals) {
					t.Fatalf("%d intervals, want %d: %+v", len(p.Intervals), len(tt.intervals), p.Intervals)
				}
				for i, iv := range p.Intervals {
					if iv.StartS != float64(i) || iv.Full != tt.intervals[i] {
						t.Errorf("interval %d = %+v, want %d full handshakes at %d s", i, iv, tt.intervals[i], i)
					}
				}
			})
		})
	}
}

// TestOpenLoopOnFakeClock: connections that take no time start exactly on
// the schedule (100/s for 200 ms: 20 starts, none late), the phase
// stops at its duration on the clock, and its window ends at the last
// start.
func TestOpenLoopOnFakeClock(t *testing.T) {
	t.Parallel()
	onFakeClock(t, func(t *testing.T, cfg loadgen.Config) {
		cfg.Rate = 100
		g, err := loadgen.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		start := cfg.Clock.Now()
		var last loadgen.Progress
		p, err := g.Run(context.Background(), loadgen.Phase{Name: "open", Measured: true, Duration: 200 * time.Millisecond}, func(pr loadgen.Progress) { last = pr })
		if err != nil {
			t.Fatal(err)
		}
		if p.Pacing == nil || p.Pacing.Scheduled != 20 || p.Handshakes.Full != 20 {
			t.Fatalf("pacing %+v, handshakes %+v (errors %v); want 20 scheduled and completed", p.Pacing, p.Handshakes, p.Errors)
		}
		if p.Pacing.Late != 0 || p.Pacing.LagUS.Max != 0 {
			t.Errorf("%d late starts, lag max %v µs; want every start on time", p.Pacing.Late, p.Pacing.LagUS.Max)
		}
		if !p.StartedAt.Equal(start) || !p.EndedAt.Equal(start.Add(190*time.Millisecond)) {
			t.Errorf("phase from %v to %v, want from the clock's %v to the last start 190 ms later", p.StartedAt, p.EndedAt, start)
		}
		if len(p.Intervals) != 1 || p.Intervals[0].Full != 20 {
			t.Errorf("intervals %+v, want one with the 20 handshakes", p.Intervals)
		}
		if last.Completed != 20 || last.Elapsed != 190*time.Millisecond {
			t.Errorf("last progress %+v, want 20 handshakes after 190 ms", last)
		}
	})
}
