package loadgen

import (
	"crypto/tls"
	"testing"
	"time"
)

func sampleOutcome(i int) outcome {
	return outcome{
		node: 0, issuer: 0, offered: i%2 == 0, resumed: i%2 == 0,
		connect: time.Duration(50+i%100) * time.Microsecond, handshake: time.Duration(500+i%1000) * time.Microsecond,
		in: 4000, out: 500, version: tls.VersionTLS13, suite: tls.TLS_AES_128_GCM_SHA256, curve: tls.X25519,
	}
}

// TestRecordDoesNotAllocate holds the hot path to zero allocations per
// recorded handshake (allocations are counted, not timed).
func TestRecordDoesNotAllocate(t *testing.T) {
	s := newStats(1, &latencies{})
	o := sampleOutcome(1)
	for range 2 * latencyBufLen { // the histograms are made at the first flush
		s.record(&o)
	}
	if n := testing.AllocsPerRun(1000, func() { s.record(&o) }); n != 0 {
		t.Errorf("record allocates %.1f times per handshake, want 0", n)
	}
}

// BenchmarkRecord measures the per-handshake recording path.
func BenchmarkRecord(b *testing.B) {
	s := newStats(3, &latencies{})
	outcomes := make([]outcome, 1024)
	for i := range outcomes {
		outcomes[i] = sampleOutcome(i)
	}
	for i := range 2 * latencyBufLen { // the histograms are made at the first flush
		s.record(&outcomes[i&1023])
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		s.record(&outcomes[i&1023])
	}
}

// TestIntervalNoteDoesNotAllocate holds the per-interval path to zero
// allocations within an interval.
func TestIntervalNoteDoesNotAllocate(t *testing.T) {
	tl := &timeline{start: time.Now()}
	w := workerInterval{hist: newIntervalHistogram()}
	o := sampleOutcome(1)
	now := tl.start.Add(10 * time.Millisecond)
	if n := testing.AllocsPerRun(1000, func() { w.note(tl, now, &o) }); n != 0 {
		t.Errorf("note allocates %.1f times per handshake, want 0", n)
	}
}

func TestTimeline(t *testing.T) {
	start := time.Now()
	tl := &timeline{start: start}
	a := workerInterval{hist: newIntervalHistogram()}
	b := workerInterval{hist: newIntervalHistogram()}
	full := outcome{handshake: 1000 * time.Microsecond}
	resumed := outcome{resumed: true, offered: true, handshake: 100 * time.Microsecond}
	failed := outcome{failed: true}
	for i := range 10 {
		a.note(tl, start.Add(time.Duration(i)*100*time.Millisecond), &full) // second 0
	}
	b.note(tl, start.Add(500*time.Millisecond), &failed) // second 0
	for i := range 4 {
		b.note(tl, start.Add(2*time.Second+time.Duration(i)*time.Millisecond), &resumed) // second 2
	}
	a.flush(tl)
	b.flush(tl)
	got := tl.intervals(start.Add(2500 * time.Millisecond))
	if len(got) != 3 {
		t.Fatalf("%d intervals, want 3: %+v", len(got), got)
	}
	if g := got[0]; g.Full != 10 || g.Failed != 1 || g.RatePerS != 10 || g.HandshakeUS.P99 < 990 || g.HandshakeUS.P99 > 1010 {
		t.Errorf("second 0 = %+v, want 10 full at 1000 µs and 1 failed", g)
	}
	if g := got[1]; g.Full+g.Resumed+g.Failed != 0 || g.RatePerS != 0 {
		t.Errorf("second 1 = %+v, want empty", g)
	}
	if g := got[2]; g.Resumed != 4 || g.Offered != 4 || g.IntervalS != 0.5 || g.RatePerS != 8 {
		t.Errorf("second 2 = %+v, want 4 resumed over the last half second (8/s)", g)
	}
}

// TestSharedLatencies: workers' latencies land in the one set of
// histograms they share, whether their buffers filled or were flushed at
// the end, and a value out of range is counted by the worker that had it.
func TestSharedLatencies(t *testing.T) {
	lat := &latencies{}
	a, b := newStats(1, lat), newStats(1, lat)
	o := sampleOutcome(1) // full
	for range latencyBufLen + 10 {
		a.record(&o)
	}
	far := sampleOutcome(1)
	far.connect = 2 * time.Minute // past the histograms' 60 s
	b.record(&far)
	b.record(&o)
	if got := lat.h[latHandshake][kindFull].TotalCount(); got >= int64(latencyBufLen+12) {
		t.Fatalf("%d values before the buffers were flushed", got)
	}
	a.flushLatencies()
	b.flushLatencies()
	if got, want := lat.h[latHandshake][kindFull].TotalCount(), int64(latencyBufLen+12); got != want {
		t.Errorf("%d handshake latencies in the shared histogram, want %d", got, want)
	}
	if got, want := lat.h[latConnect][kindFull].TotalCount(), int64(latencyBufLen+11); got != want {
		t.Errorf("%d connect latencies, want %d (one out of range)", got, want)
	}
	if a.outOfRange != 0 || b.outOfRange != 2 { // its connect and its whole
		t.Errorf("out of range: %d and %d, want 0 and 2", a.outOfRange, b.outOfRange)
	}
	if lat.h[latHandshake][kindResumed] != nil {
		t.Error("a histogram of a kind no worker recorded was made")
	}
}
