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
	s := newStats(1)
	o := sampleOutcome(1)
	if n := testing.AllocsPerRun(1000, func() { s.record(&o) }); n != 0 {
		t.Errorf("record allocates %.1f times per handshake, want 0", n)
	}
}

// BenchmarkRecord measures the per-handshake recording path.
func BenchmarkRecord(b *testing.B) {
	s := newStats(3)
	outcomes := make([]outcome, 1024)
	for i := range outcomes {
		outcomes[i] = sampleOutcome(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		s.record(&outcomes[i&1023])
	}
}
