package bench

import (
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"runtime/metrics"
)

// The garbage collector's target (GOGC) during a run, sized for its
// clients (issue 15, lever 3). A handshake's garbage is short-lived
// (about 20-45 KB, crypto/tls's), while the live heap is the clients'
// sessions, about half a kilobyte a client: with Go's default of 100 a
// run of a few dozen clients, whose live heap is a few megabytes,
// collects several times a second for nothing. Up to gcFewClients
// clients the target is gcPercentFew, which lets the heap grow to five
// times the live heap (tens of megabytes at most) and cut the CPU per
// resumed TLS 1.2 handshake by about 8 % in make perf's A/B runs; above,
// it stays at Go's default, so that 100,000 idle clients stay within
// 150 MB. A GOGC the user set stands.
const (
	gcFewClients = 10_000
	gcPercentFew = 400
)

// sizeGC sets the collector's target for a run of clients and returns
// the target the run has and a function that puts the previous one back.
// The target is the process's: runs that overlap in one process (none of
// tlsbench's commands makes them) would share the last one set.
func sizeGC(clients int) (percent int, restore func()) {
	if v, ok := os.LookupEnv("GOGC"); ok && v != "" {
		return gcPercentNow(), func() {}
	}
	percent = 100
	if clients <= gcFewClients {
		percent = gcPercentFew
	}
	prev := debug.SetGCPercent(percent)
	return percent, func() { debug.SetGCPercent(prev) }
}

// gcPercentNow reads the collector's target without changing it (-1: off).
func gcPercentNow() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 100
	}
	if v := s[0].Value.Uint64(); v < math.MaxInt32 {
		return int(v)
	}
	return -1
}

// gcDescription says, for the result, what the collector's target was.
func gcDescription(percent int) string {
	switch {
	case percent < 0:
		return "GOGC=off (the user's)"
	case os.Getenv("GOGC") != "":
		return fmt.Sprintf("GOGC=%d (the user's)", percent)
	case percent == gcPercentFew:
		return fmt.Sprintf("GOGC=%d: up to %d clients, whose sessions are a small live heap, the short-lived garbage of handshakes is collected less often", percent, gcFewClients)
	}
	return fmt.Sprintf("GOGC=%d (Go's default): more than %d clients, whose sessions are the live heap", percent, gcFewClients)
}
