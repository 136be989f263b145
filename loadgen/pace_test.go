package loadgen

import (
	"context"
	"crypto/tls"
	"math"
	"net"
	"testing"
	"time"

	"github.com/tlsbench/tlsbench/loadgen/clock"
)

func TestPacerConstant(t *testing.T) {
	t.Parallel()
	start := time.Unix(1000, 0)
	p := newPacer(start, 1000, false, 1)
	p.limit = 5
	for want := int64(0); want < 5; want++ {
		k, at, ok := p.next()
		if !ok || k != want || !at.Equal(start.Add(time.Duration(want)*time.Millisecond)) {
			t.Fatalf("slot %d: got %d at %v (%v), want at +%dms", want, k, at.Sub(start), ok, want)
		}
	}
	if _, _, ok := p.next(); ok {
		t.Error("a count-bounded schedule handed out a slot past its count")
	}
	q := newPacer(start, 1000, false, 1)
	q.end = start.Add(10 * time.Millisecond)
	n := 0
	for {
		if _, _, ok := q.next(); !ok {
			break
		}
		n++
	}
	if n != 10 {
		t.Errorf("a 10 ms schedule at 1000/s handed out %d slots, want 10", n)
	}
}

func TestPacerPoisson(t *testing.T) {
	t.Parallel()
	start := time.Unix(1000, 0)
	p := newPacer(start, 2000, true, 7)
	const n = 20000
	var last time.Time
	for range n {
		_, at, _ := p.next()
		last = at
	}
	mean := last.Sub(start).Seconds() / (n - 1)
	if want := 1.0 / 2000; math.Abs(mean-want) > 0.05*want {
		t.Errorf("mean gap %.6fs, want %.6fs ±5%%", mean, want)
	}
}

// slowClock is an injected clock running factor times faster than real
// time: a real loopback handshake of a few hundred microseconds lasts tens
// of milliseconds on it, far longer than the schedule's gaps.
type slowClock struct {
	base   time.Time
	real0  time.Time
	factor float64
}

func (c *slowClock) Now() time.Time {
	return c.base.Add(time.Duration(float64(time.Since(c.real0)) * c.factor))
}

func (c *slowClock) SleepUntil(t time.Time, stop <-chan struct{}) bool {
	return clock.Real{}.SleepUntil(time.Now().Add(c.real(t.Sub(c.Now()))), stop)
}

func (c *slowClock) AfterFunc(d time.Duration, f func()) clock.Timer {
	return time.AfterFunc(c.real(d), f)
}

// real converts a duration on the clock to real time.
func (c *slowClock) real(d time.Duration) time.Duration {
	return time.Duration(float64(d) / c.factor)
}

// TestOpenLoopOnInjectedClock: when connections take longer than the gaps
// of the schedule, starts fall behind; they are counted as late, and the
// latency measured from the intended start is at least the latency
// measured from the actual start.
func TestOpenLoopOnInjectedClock(t *testing.T) {
	t.Parallel()
	cert, pool := validTestCert(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}})
				if tc.Handshake() == nil {
					tc.Close()
				}
			}()
		}
	}()
	now := time.Now()
	g, err := New(Config{
		Targets: []string{ln.Addr().String()}, ServerName: "tlsbench.test", RootCAs: pool,
		Version: tls.VersionTLS13, Clients: 4, Concurrency: 1, Rate: 1000, AfterHandshake: ReadEOF,
		Clock: &slowClock{base: now, real0: now, factor: 100},
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := g.Run(context.Background(), Phase{Name: "open", Measured: true, Count: 20}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Pacing == nil || p.Pacing.Scheduled != 20 || p.Handshakes.Completed() != 20 {
		t.Fatalf("pacing %+v, handshakes %+v; want 20 scheduled and completed", p.Pacing, p.Handshakes)
	}
	if p.Pacing.Late < 15 {
		t.Errorf("late starts = %d of 20, want nearly all (each connection outlasts the 1 ms gap)", p.Pacing.Late)
	}
	corrected, uncorrected := p.LatencyUS.Connect, p.Pacing.ConnectUncorrectedUS
	if corrected.P50 < uncorrected.P50 || corrected.Max < uncorrected.Max || corrected.Mean < uncorrected.Mean {
		t.Errorf("corrected connect latency %+v is below the uncorrected %+v", corrected, uncorrected)
	}
	if p.Pacing.LagUS.P99 < 1000 {
		t.Errorf("schedule lag p99 = %v µs, want the growing lag of a generator that cannot keep up", p.Pacing.LagUS.P99)
	}
}
