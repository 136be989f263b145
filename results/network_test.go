package results

import (
	"reflect"
	"testing"
	"time"
)

func TestMedianRoundTrips(t *testing.T) {
	tests := []struct {
		name   string
		counts []int64
		want   int
		ok     bool
	}{
		{"none", nil, 0, false},
		{"zeros", []int64{0, 0, 0}, 0, false},
		{"all one", []int64{0, 12}, 1, true},
		{"mostly two", []int64{0, 3, 5}, 2, true},
		{"even split: the lower", []int64{0, 4, 4}, 1, true},
		{"a tail in the last bucket", []int64{0, 9, 0, 0, 0, 0, 0, 2}, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := MedianRoundTrips(tt.counts)
			if got != tt.want || ok != tt.ok {
				t.Errorf("MedianRoundTrips(%v) = %d, %v; want %d, %v", tt.counts, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestLinkDelayQuantile(t *testing.T) {
	b := make([]uint64, 32)
	b[0], b[5], b[11] = 50, 49, 1 // under 1 µs; [16, 32) µs; [1024, 2048) µs
	d := NewLinkDelay(100, 50*0+49*20+1500, 1500, b)
	if d.P50US != 0 {
		t.Errorf("p50 = %g, want 0 (under 1 µs)", d.P50US)
	}
	if d.P99US != 32 {
		t.Errorf("p99 = %g, want 32 (the upper edge of [16, 32))", d.P99US)
	}
	if q := d.Quantile(1); q != 1500 {
		t.Errorf("q(1) = %g, want the max 1500", q)
	}
}

// networkPhase is a phase behind a link: round trips, first flights and
// the link's counters set.
func networkPhase(t *testing.T, start time.Time, trips []int64, flight []int64, lossDrops uint64) Phase {
	t.Helper()
	p := fullPhase(t, "measure", start, []int64{40000, 41000, 42000})
	med, _ := MedianRoundTrips(trips)
	ff := summaryOf(t, flight)
	p.Kinds.Full.KindNetwork = KindNetwork{RoundTrips: &med, RoundTripCounts: trips, FirstFlightBytes: &ff}
	p.Handshakes.HelloRetry = 2
	late := make([]uint64, 32)
	late[3] = 10
	p.Link = &Link{
		ToServer:           LinkDirection{Received: 10, Packets: 10 - lossDrops, LossDrops: lossDrops, Late: NewLinkDelay(10, 50, 7, late)},
		ToClient:           LinkDirection{Received: 20, Packets: 20, MaxWaiting: 3},
		CPUS:               0.1,
		CPUUtil:            0.05,
		CPUUSPerHandshake:  0.1e6 / float64(p.Handshakes.Completed()),
		RTTUS:              40000,
		InitialWindowBytes: 14480,
	}
	return p
}

// TestMergeNetwork: one phase behind a link merges into itself; two add
// their counts and histograms and read the medians again.
func TestMergeNetwork(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	a := networkPhase(t, start, []int64{0, 3, 0}, []int64{3000, 3000, 3010}, 1)
	one, err := MergePhases([]Phase{a})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(one.Kinds.Full.KindNetwork, a.Kinds.Full.KindNetwork) || !reflect.DeepEqual(one.Link, a.Link) || one.Handshakes.HelloRetry != 2 {
		t.Errorf("one phase merged:\n%+v\n%+v\nwant\n%+v\n%+v", one.Kinds.Full.KindNetwork, one.Link, a.Kinds.Full.KindNetwork, a.Link)
	}
	b := networkPhase(t, start.Add(3*time.Second), []int64{0, 1, 4}, []int64{16000, 16000, 16000}, 2)
	m, err := MergePhases([]Phase{a, b})
	if err != nil {
		t.Fatal(err)
	}
	full := m.Kinds.Full
	if !reflect.DeepEqual(full.RoundTripCounts, []int64{0, 4, 4}) || full.RoundTrips == nil || *full.RoundTrips != 1 {
		t.Errorf("round trips %v (median %v), want [0 4 4] and 1", full.RoundTripCounts, full.RoundTrips)
	}
	if f := full.FirstFlightBytes; f == nil || f.Count != 6 || f.Max < 15990 {
		t.Errorf("first flight %+v, want 6 values up to 16000", f)
	}
	if m.Handshakes.HelloRetry != 4 {
		t.Errorf("hello_retry %d, want 4", m.Handshakes.HelloRetry)
	}
	l := m.Link
	if l.ToServer.LossDrops != 3 || l.ToServer.Received != 20 || l.ToServer.Late.Count != 20 || l.ToClient.MaxWaiting != 3 || l.CPUS < 0.199 || l.CPUS > 0.201 {
		t.Errorf("link %+v, want the counters added", l)
	}
	if m.Kinds.Resumed.RoundTrips != nil || m.Kinds.Resumed.FirstFlightBytes != nil {
		t.Errorf("resumed kind got network figures it never had: %+v", m.Kinds.Resumed.KindNetwork)
	}
	if us, ok := m.RTTs(80000); !ok || us != 2 {
		t.Errorf("RTTs(80 ms) = %g, %v; want 2 at 40 ms", us, ok)
	}
}
