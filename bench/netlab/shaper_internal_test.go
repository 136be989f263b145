package netlab

import (
	"strings"
	"testing"
	"time"
)

const (
	us = int64(time.Microsecond)
	ms = int64(time.Millisecond)
)

// TestShaperRateAndQueue checks the transmitter and the drop-tail queue at
// 8 Mbit/s (one byte per µs): a burst of 1000-byte packets leaves one per
// millisecond, at most queue of them wait, the next is dropped, and the
// queue takes packets again once it drains.
func TestShaperRateAndQueue(t *testing.T) {
	t.Parallel()
	s := newShaper(20*ms, 0, 0, 8_000_000, 3, 1)
	type want struct {
		departs, queued int64
		v               verdict
	}
	tests := []struct {
		name string
		at   int64
		want want
	}{
		{"first: transmitter free", 0, want{1*ms + 20*ms, 0, forward}},
		{"second waits 1ms", 0, want{2*ms + 20*ms, 1 * ms, forward}},
		{"third waits 2ms", 0, want{3*ms + 20*ms, 2 * ms, forward}},
		{"fourth waits 3ms", 0, want{4*ms + 20*ms, 3 * ms, forward}},
		{"fifth: 3 waiting, dropped", 0, want{0, 0, tailDrop}},
		{"after 1.5ms: 2 waiting", 1500 * us, want{5*ms + 20*ms, 2500 * us, forward}},
		{"then 3 waiting, dropped", 1500 * us, want{0, 0, tailDrop}},
		{"after the queue drained", 10 * ms, want{11*ms + 20*ms, 0, forward}},
	}
	for _, tt := range tests {
		departs, queued, v := s.admit(tt.at, 1000, 7)
		if got := (want{departs, queued, v}); got != tt.want {
			t.Errorf("%s: admit(%d µs) = %+v, want %+v", tt.name, tt.at/us, got, tt.want)
		}
	}
}

// TestShaperDelayOnly checks that without a bandwidth nothing waits: every
// packet departs exactly one delay after it arrived.
func TestShaperDelayOnly(t *testing.T) {
	t.Parallel()
	s := newShaper(20*ms, 0, 0, 0, 0, 1)
	for i := range int64(1000) {
		departs, queued, v := s.admit(i*us, 1500, uint32(i))
		if v != forward || queued != 0 || departs != i*us+20*ms {
			t.Fatalf("packet %d: admit = %d, %d, %v; want %d, 0, forward", i, departs, queued, v, i*us+20*ms)
		}
	}
	if s.waiting() != 0 {
		t.Errorf("waiting = %d, want 0", s.waiting())
	}
}

// TestShaperJitterKeepsFlowOrder checks that jitter never reorders the
// packets of one flow, while packets of different flows may pass each
// other. In a dense flow a packet waits for its predecessor, so the delays
// bunch up towards delay + jitter.
func TestShaperJitterKeepsFlowOrder(t *testing.T) {
	t.Parallel()
	s := newShaper(20*ms, 5*ms, 0, 0, 0, 42)
	last := map[uint32]int64{}
	crossed := 0
	var prev int64
	for i := range int64(20000) {
		now := i * 100 * us // one packet per 100 µs, alternating flows
		flow := uint32(i % 2)
		departs, _, v := s.admit(now, 100, flow)
		if v != forward {
			t.Fatalf("packet %d: %v", i, v)
		}
		if departs < last[flow] {
			t.Fatalf("packet %d of flow %d departs at %d, before the flow's previous packet at %d", i, flow, departs, last[flow])
		}
		if d := departs - now; d < 15*ms || d > 25*ms {
			t.Fatalf("packet %d delayed %d µs, outside delay ± jitter", i, d/us)
		}
		last[flow] = departs
		if departs < prev {
			crossed++
		}
		prev = departs
	}
	if crossed == 0 {
		t.Errorf("no packet of one flow passed the other's: jitter between flows is lost")
	}
}

// TestShaperJitterSpread checks that packets further apart than twice the
// jitter get delays spread over the whole of delay ± jitter.
func TestShaperJitterSpread(t *testing.T) {
	t.Parallel()
	s := newShaper(20*ms, 5*ms, 0, 0, 0, 7)
	var minDelay, maxDelay, sum int64 = 1 << 62, 0, 0
	const n = 5000
	for i := range int64(n) {
		now := i * 11 * ms
		departs, _, _ := s.admit(now, 100, 1)
		d := departs - now
		minDelay, maxDelay, sum = min(minDelay, d), max(maxDelay, d), sum+d
	}
	if minDelay < 15*ms || minDelay > 15*ms+100*us || maxDelay > 25*ms || maxDelay < 25*ms-100*us {
		t.Errorf("delays spread over %d..%d µs, want 15000..25000", minDelay/us, maxDelay/us)
	}
	if mean := sum / n; mean < 19800*us || mean > 20200*us {
		t.Errorf("mean delay %d µs, want about 20000", mean/us)
	}
}

// TestShaperLoss checks the loss draw's rate over many packets (the seed
// is fixed, so this is deterministic).
func TestShaperLoss(t *testing.T) {
	t.Parallel()
	tests := []struct {
		loss float64
		seed uint64
	}{{0.01, 1}, {0.05, 2}, {0.3, 3}}
	for _, tt := range tests {
		s := newShaper(0, 0, tt.loss, 0, 0, tt.seed)
		const n = 200_000
		lostN := 0
		for i := range n {
			if _, _, v := s.admit(int64(i), 100, 0); v == lost {
				lostN++
			}
		}
		if got := float64(lostN) / n; got < tt.loss*0.9 || got > tt.loss*1.1 {
			t.Errorf("loss %g: dropped %.4f of the packets", tt.loss, got)
		}
	}
}

// ipv4 builds the first bytes of an IPv4 packet with ports.
func ipv4(proto byte, src, dst [4]byte, sport, dport uint16) []byte {
	p := make([]byte, 40)
	p[0] = 0x45
	p[9] = proto
	copy(p[12:16], src[:])
	copy(p[16:20], dst[:])
	p[20], p[21] = byte(sport>>8), byte(sport)
	p[22], p[23] = byte(dport>>8), byte(dport)
	return p
}

func TestFlowOf(t *testing.T) {
	t.Parallel()
	a, b := [4]byte{198, 18, 0, 1}, [4]byte{198, 19, 0, 2}
	base := flowOf(ipv4(6, a, b, 40000, 443))
	tests := []struct {
		name string
		p    []byte
		same bool
	}{
		{"same flow", ipv4(6, a, b, 40000, 443), true},
		{"other source port", ipv4(6, a, b, 40001, 443), false},
		{"other destination", ipv4(6, a, [4]byte{198, 19, 0, 3}, 40000, 443), false},
		{"udp", ipv4(17, a, b, 40000, 443), false},
	}
	for _, tt := range tests {
		if got := flowOf(tt.p) == base; got != tt.same {
			t.Errorf("%s: same flow = %v, want %v", tt.name, got, tt.same)
		}
	}
	if flowOf([]byte{0x60, 0, 0}) != 0 || flowOf(nil) != 0 {
		t.Errorf("a packet that is not IPv4 is not flow 0")
	}
}

func TestQueueLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want int
	}{
		{"no bandwidth", Config{RTT: 40 * time.Millisecond, Queue: 50}, 0},
		{"set", Config{Bandwidth: 20e6, RTT: 40 * time.Millisecond, Queue: 50}, 50},
		{"one BDP: 20mbit × 40ms / 1500 B = 66.7", Config{Bandwidth: 20e6, RTT: 40 * time.Millisecond}, 67},
		{"BDP with mtu 9000", Config{Bandwidth: 1e9, RTT: 40 * time.Millisecond, MTU: 9000}, 556},
		{"small BDP: at least MinQueue", Config{Bandwidth: 1e6, RTT: 10 * time.Millisecond}, MinQueue},
		{"zero rtt", Config{Bandwidth: 1e9}, MinQueue},
	}
	for _, tt := range tests {
		if got := tt.cfg.QueueLimit(); got != tt.want {
			t.Errorf("%s: QueueLimit = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want []string // substrings, one per problem
	}{
		{"zero", Config{}, nil},
		{"full", Config{RTT: 40 * time.Millisecond, Jitter: 20 * time.Millisecond, Loss: 0.05, Bandwidth: 20e6, MTU: 9000, Queue: 100, InitCwnd: 4, Servers: 64, Sources: 4}, nil},
		{"jitter over half the rtt", Config{RTT: 10 * time.Millisecond, Jitter: 6 * time.Millisecond}, []string{"jitter must be 0..rtt/2 (5ms), got 6ms"}},
		{"everything wrong", Config{RTT: -1, Loss: 1, Bandwidth: -1, MTU: 100, Queue: -1, InitCwnd: -1, Servers: 251, Sources: -1}, []string{
			"rtt must not be negative", "loss must be in [0, 1), got 1", "bandwidth", "mtu must be 576..65535, got 100",
			"queue", "initcwnd", "servers must be 0..250, got 251", "sources"}},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		var got []string
		if err != nil {
			got = strings.Split(err.Error(), "\n")
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s: Validate = %v, want %d problems", tt.name, err, len(tt.want))
			continue
		}
		for i := range got {
			if !strings.Contains(got[i], tt.want[i]) || !strings.HasPrefix(got[i], "netlab: ") {
				t.Errorf("%s: problem %d = %q, want it to contain %q", tt.name, i, got[i], tt.want[i])
			}
		}
	}
}

func TestParseCapEff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, status string
		want         uint64
		err          bool
	}{
		{"root", "Name:\tx\nCapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\n", 0x1ffffffffff, false},
		{"none", "CapEff:\t0000000000000000\n", 0, false},
		{"net admin only", "CapEff:\t0000000000001000\n", 1 << capNetAdmin, false},
		{"missing", "Name:\tx\n", 0, true},
	}
	for _, tt := range tests {
		got, err := parseCapEff(strings.NewReader(tt.status))
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("%s: parseCapEff = %#x, %v; want %#x, error %v", tt.name, got, err, tt.want, tt.err)
		}
	}
}

func TestOwnerOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want int
	}{
		{labName(1234, "abcdef", "gen"), 1234},
		{"tlsbench-pid77-x-srv", 77},
		{"tlsbench-pid-1-x-srv", 0},
		{"tlsbench-pidx-a-gen", 0},
		{"other", 0},
		{"tlsbench-pid12", 0},
	}
	for _, tt := range tests {
		if got := ownerOf(tt.name); got != tt.want {
			t.Errorf("ownerOf(%q) = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestDurations(t *testing.T) {
	t.Parallel()
	var h Durations
	if h.Quantile(0.5) != 0 || h.Mean() != 0 {
		t.Errorf("empty: quantile %v, mean %v", h.Quantile(0.5), h.Mean())
	}
	for range 90 {
		h.Add(300 * time.Nanosecond) // bucket 0
	}
	for range 9 {
		h.Add(3 * time.Millisecond) // [2048, 4096) µs
	}
	h.Add(-time.Second) // counts as 0
	tests := []struct {
		q    float64
		want time.Duration
	}{
		{0.5, 0},
		{0.95, 3 * time.Millisecond}, // the bucket's edge, 4.096 ms, capped at Max
		{1, 3 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := h.Quantile(tt.q); got != tt.want {
			t.Errorf("Quantile(%g) = %v, want %v", tt.q, got, tt.want)
		}
	}
	if h.Count != 100 || h.Max != 3*time.Millisecond || h.Mean() != (90*300*time.Nanosecond+27*time.Millisecond)/100 {
		t.Errorf("count %d, max %v, mean %v", h.Count, h.Max, h.Mean())
	}
	var e Durations
	e.Add(4 * time.Millisecond)
	h.Add(5 * time.Millisecond)
	h.Add(time.Minute)
	d := h.Sub(Durations{Count: 100, Sum: h.Sum - 5*time.Millisecond - time.Minute, Buckets: func() [durationBuckets]uint64 {
		b := h.Buckets
		b[bucketOf(5*time.Millisecond)]--
		b[bucketOf(time.Minute)]--
		return b
	}()})
	if d.Count != 2 || d.Sum != 5*time.Millisecond+time.Minute || d.Quantile(0.5) != 8192*time.Microsecond {
		t.Errorf("Sub: count %d, sum %v, median %v", d.Count, d.Sum, d.Quantile(0.5))
	}
}

// TestLine checks the delay line's order: by departure, then by arrival.
func TestLine(t *testing.T) {
	t.Parallel()
	var l line
	departs := []int64{50, 10, 30, 10, 70, 20, 30, 0, 90, 10}
	for i, d := range departs {
		l.push(entry{departs: d, seq: uint64(i)})
	}
	var prev entry
	for i := range departs {
		e := l.pop()
		if i > 0 && (e.departs < prev.departs || e.departs == prev.departs && e.seq < prev.seq) {
			t.Fatalf("popped %+v after %+v", e, prev)
		}
		prev = e
	}
	if len(l) != 0 {
		t.Errorf("%d left", len(l))
	}
}
