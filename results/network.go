package results

import (
	"fmt"
	"strconv"
	"strings"
)

// What a run behind an emulated network (a scenario's network block,
// package bench/netlab) adds to its result: the network as it ran
// (Run.Network, Labels.Network), per phase the link's own counters and CPU
// (Phase.Link), and per handshake kind the client's round trips and the
// server's first flight (KindNetwork). Runs on loopback have none of it.

// Network is the emulated network of a run as the lab ran it: the
// scenario's network block with the lab's defaults applied.
type Network struct {
	// RTTUS is the round-trip time the link added, in µs: each direction
	// delayed every packet by half of it.
	RTTUS float64 `json:"rtt_us"`
	// JitterUS varies each packet's one-way delay within ± this many µs,
	// never reordering the packets of one flow.
	JitterUS float64 `json:"jitter_us"`
	// Loss is the probability (0..1) that the link dropped a packet, drawn
	// per packet in each direction.
	Loss float64 `json:"loss"`
	// BandwidthBPS is each direction's rate in bits per second; 0:
	// unlimited.
	BandwidthBPS int64 `json:"bandwidth_bps"`
	// Queue is how many packets could wait for the transmitter in each
	// direction before the next was tail-dropped (0 without a bandwidth).
	Queue int `json:"queue"`
	// MTU is both TUN devices' MTU in bytes.
	MTU int `json:"mtu"`
	// MSS is the TCP payload of a full segment: MTU − 52 (IPv4 and TCP
	// headers, and the TCP timestamp option, on by default in Linux).
	MSS int `json:"mss"`
	// InitCwnd is the servers' initial congestion window in segments (the
	// route attribute in the server namespace; 10 is the kernel's
	// default).
	InitCwnd int `json:"initcwnd"`
	// InitialWindowBytes is InitCwnd × MSS: what a server can send before
	// the client's first ACK comes back.
	InitialWindowBytes int `json:"initial_window_bytes"`
	// Congestion is the TCP congestion control of both sides.
	Congestion string `json:"congestion"`
	// Seed seeded the link's loss and jitter draws.
	Seed uint64 `json:"seed"`
	// GeneratorAddresses are the addresses the generator dialled from,
	// ServerAddresses those the servers listened on (198.18.0.0/15, inside
	// network namespaces the run created).
	GeneratorAddresses []string `json:"generator_addresses"`
	ServerAddresses    []string `json:"server_addresses"`
	// Link says how packets crossed: the link process, its own process
	// (`tlsbench link`), whose CPU is in Phase.Link and is counted neither
	// as client nor as server.
	Link string `json:"link"`
}

// NetworkLabels describe a run's network for grouping and titles, in the
// scenario's own terms (network.rtt "40ms", loss "1%", bandwidth
// "20mbit"). Empty fields are the defaults: no jitter, no loss, unlimited
// bandwidth.
type NetworkLabels struct {
	RTT        string `json:"rtt"`
	Jitter     string `json:"jitter,omitempty"`
	Loss       string `json:"loss,omitempty"`
	Bandwidth  string `json:"bandwidth,omitempty"`
	MTU        int    `json:"mtu,omitempty"`
	Queue      int    `json:"queue,omitempty"`
	InitCwnd   int    `json:"initcwnd,omitempty"`
	Congestion string `json:"congestion,omitempty"`
}

// String describes the network in a few words: "40ms RTT, 1% loss,
// 20mbit, initcwnd 4".
func (n *NetworkLabels) String() string {
	if n == nil {
		return "loopback"
	}
	parts := []string{n.RTT + " RTT"}
	if n.Jitter != "" {
		parts = append(parts, "±"+n.Jitter+" jitter")
	}
	if n.Loss != "" {
		parts = append(parts, n.Loss+" loss")
	}
	if n.Bandwidth != "" {
		parts = append(parts, n.Bandwidth)
	}
	if n.MTU != 0 && n.MTU != 1500 {
		parts = append(parts, "MTU "+strconv.Itoa(n.MTU))
	}
	if n.Queue != 0 {
		parts = append(parts, "queue "+strconv.Itoa(n.Queue))
	}
	if n.InitCwnd != 0 {
		parts = append(parts, "initcwnd "+strconv.Itoa(n.InitCwnd))
	}
	if n.Congestion != "" {
		parts = append(parts, n.Congestion)
	}
	return strings.Join(parts, ", ")
}

// WithoutRTT returns the labels with RTT empty: the network of an RTT
// sweep's runs apart from the RTT itself.
func (n NetworkLabels) WithoutRTT() NetworkLabels {
	n.RTT = ""
	return n
}

// KindNetwork is what a handshake kind's handshakes did on the wire,
// counted by the generator on each connection when a network link is
// present (nil and empty otherwise). It is part of Kind.
type KindNetwork struct {
	// RoundTrips is the median number of round trips of the kind's
	// handshakes: how many times the client waited for the server during
	// the handshake (from TCP established to HandshakeContext returning),
	// counted as a write to the connection followed by a read that needed
	// new data. TLS 1.3 full and every resumed handshake take 1, TLS 1.2
	// full 2, and a HelloRetryRequest one more. A server flight larger
	// than its initial congestion window costs a TCP round trip more but
	// no TLS one: it shows in the latency, not here. The median is the
	// lower median of RoundTripCounts.
	RoundTrips *int `json:"round_trips,omitempty"`
	// RoundTripCounts counts the kind's handshakes by round trips:
	// [i] handshakes took i round trips; the last entry counts those that
	// took that many or more.
	RoundTripCounts []int64 `json:"round_trip_counts,omitempty"`
	// FirstFlightBytes is the distribution over the kind's handshakes of
	// the server's first flight in TLS record bytes (TCP payload): what
	// the client read from its ClientHello to its next write (or to the
	// handshake's end), which is what the server's initial congestion
	// window must carry. A TLS 1.3 server that sends its session tickets
	// right after its Finished, as Go's does, has them in it when they
	// arrive with it. After a HelloRetryRequest it is the flight that
	// answers the second ClientHello (the largest flight of the handshake
	// is counted, and the HelloRetryRequest is never it). Its HDR
	// histogram holds bytes, not µs.
	FirstFlightBytes *Summary `json:"first_flight_bytes,omitempty"`
}

// MaxRoundTrips is the length of RoundTripCounts: handshakes of more
// round trips are counted in its last entry.
const MaxRoundTrips = 8

// MedianRoundTrips returns the lower median of counts (see
// KindNetwork.RoundTripCounts), and false when it counts nothing.
func MedianRoundTrips(counts []int64) (int, bool) {
	var n int64
	for _, c := range counts {
		n += c
	}
	if n == 0 {
		return 0, false
	}
	var seen int64
	for i, c := range counts {
		seen += c
		if 2*seen >= n {
			return i, true
		}
	}
	return len(counts) - 1, true
}

// Link is what the network link did in a phase: its counters per
// direction over the phase window (from the snapshot at the phase's start
// to the one at its end) and the link process's CPU.
type Link struct {
	// ToServer is the generator → server direction, ToClient the other.
	ToServer LinkDirection `json:"to_server"`
	ToClient LinkDirection `json:"to_client"`
	// CPUS is the link process's user+system CPU seconds over the phase
	// (from /proc, 10 ms ticks), counted neither as client nor as server;
	// CPUUtil is CPUS / window in cores.
	CPUS    float64 `json:"cpu_s"`
	CPUUtil float64 `json:"cpu_util_cores"`
	// CPUUSPerHandshake is CPUS in µs over the phase's completed
	// handshakes.
	CPUUSPerHandshake float64 `json:"cpu_us_per_handshake"`
	// RTTUS and InitialWindowBytes repeat Run.Network's, so that a phase
	// (or phases merged, see MergePhases) can be read alone; a merge of
	// phases of different networks keeps the first's.
	RTTUS              float64 `json:"rtt_us"`
	InitialWindowBytes int     `json:"initial_window_bytes"`
	// BandwidthBPS repeats Run.Network's: with a bandwidth, queueing and
	// tail drops are what the scenario asked for.
	BandwidthBPS int64 `json:"bandwidth_bps"`
}

// LinkDirection is what one direction of the link did with the IP packets
// it read in a phase: every packet read was forwarded, dropped (by the
// loss draw, the queue, or a failed write) or was still in flight at the
// phase's end (InFlight, the change of the packets in flight, may be
// negative).
type LinkDirection struct {
	// Received counts the packets the link read from the near device.
	Received uint64 `json:"received"`
	// Packets and Bytes count the packets written to the far device and
	// their IP bytes, headers included.
	Packets uint64 `json:"packets"`
	Bytes   uint64 `json:"bytes"`
	// LossDrops counts the packets the loss draw dropped (network.loss).
	LossDrops uint64 `json:"loss_drops"`
	// QueueDrops counts tail drops: the queue was full (network.queue,
	// with a bandwidth), or the delay line held 65536 packets.
	QueueDrops uint64 `json:"queue_drops"`
	// WriteErrors counts packets the far device refused.
	WriteErrors uint64 `json:"write_errors"`
	// DeviceDrops counts packets the kernel dropped at the TUN devices
	// outside the link (the link did not read fast enough).
	DeviceDrops uint64 `json:"device_drops"`
	// InFlight is the change of the packets held in the link.
	InFlight int64 `json:"in_flight"`
	// MaxWaiting is the most packets that waited for the transmitter at
	// once since the lab started.
	MaxWaiting int `json:"max_waiting"`
	// Queued is how long each packet waited for the transmitter behind
	// earlier ones (only with a bandwidth); Late how much later than its
	// scheduled departure the link wrote it: the link process's own lag,
	// which no scenario asks for.
	Queued LinkDelay `json:"queued"`
	Late   LinkDelay `json:"late"`
}

// LinkDelay is a distribution of per-packet delays in power-of-two buckets
// of µs (bucket 0: under 1 µs; bucket i: [2^(i-1), 2^i) µs), exact in its
// count, sum and maximum, within a factor of two in its quantiles.
type LinkDelay struct {
	Count uint64  `json:"count"`
	SumUS float64 `json:"sum_us"`
	MaxUS float64 `json:"max_us"`
	// P50US and P99US are upper bounds of the quantiles: the upper edge
	// of the bucket that holds them, at most MaxUS.
	P50US   float64  `json:"p50_us"`
	P99US   float64  `json:"p99_us"`
	Buckets []uint64 `json:"buckets"`
}

// Quantile returns an upper bound of the q-quantile (0 ≤ q ≤ 1) in µs: the
// upper edge of its bucket, at most MaxUS; 0 when empty or under 1 µs.
func (d LinkDelay) Quantile(q float64) float64 {
	if d.Count == 0 {
		return 0
	}
	rank := min(max(uint64(q*float64(d.Count)+0.5), 1), d.Count)
	var seen uint64
	for i, n := range d.Buckets {
		seen += n
		if seen >= rank {
			if i == 0 {
				return 0
			}
			return min(float64(uint64(1)<<i), d.MaxUS)
		}
	}
	return d.MaxUS
}

// ShareAtLeast returns a lower bound of the share (0..1) of delays of at
// least us µs: those in buckets whose lower edge is us or more.
func (d LinkDelay) ShareAtLeast(us float64) float64 {
	if d.Count == 0 {
		return 0
	}
	var n uint64
	for i, c := range d.Buckets {
		if i > 0 && float64(uint64(1)<<(i-1)) >= us {
			n += c
		}
	}
	return float64(n) / float64(d.Count)
}

// MeanUS returns the mean delay, 0 when empty.
func (d LinkDelay) MeanUS() float64 {
	if d.Count == 0 {
		return 0
	}
	return d.SumUS / float64(d.Count)
}

// add adds e into d and reads the quantiles again.
func (d *LinkDelay) add(e LinkDelay) {
	d.Count += e.Count
	d.SumUS += e.SumUS
	d.MaxUS = max(d.MaxUS, e.MaxUS)
	if len(e.Buckets) > len(d.Buckets) {
		d.Buckets = append(d.Buckets, make([]uint64, len(e.Buckets)-len(d.Buckets))...)
	}
	for i, n := range e.Buckets {
		d.Buckets[i] += n
	}
	d.P50US, d.P99US = d.Quantile(0.5), d.Quantile(0.99)
}

// NewLinkDelay returns the distribution of count delays of sum and max µs
// in buckets (see LinkDelay), its quantiles read.
func NewLinkDelay(count uint64, sumUS, maxUS float64, buckets []uint64) LinkDelay {
	d := LinkDelay{Count: count, SumUS: sumUS, MaxUS: maxUS, Buckets: buckets}
	d.P50US, d.P99US = d.Quantile(0.5), d.Quantile(0.99)
	return d
}

func (l *LinkDirection) add(e LinkDirection) {
	l.Received += e.Received
	l.Packets += e.Packets
	l.Bytes += e.Bytes
	l.LossDrops += e.LossDrops
	l.QueueDrops += e.QueueDrops
	l.WriteErrors += e.WriteErrors
	l.DeviceDrops += e.DeviceDrops
	l.InFlight += e.InFlight
	l.MaxWaiting = max(l.MaxWaiting, e.MaxWaiting)
	l.Queued.add(e.Queued)
	l.Late.add(e.Late)
}

// RTTs returns a latency in µs as a multiple of the link's RTT, and false
// without a link or with an RTT of 0.
func (p *Phase) RTTs(us float64) (float64, bool) {
	if p.Link == nil || p.Link.RTTUS <= 0 {
		return 0, false
	}
	return us / p.Link.RTTUS, true
}

// mergeNetwork merges what the network adds to phases into m (see
// MergePhases): HelloRetryRequests and round-trip counts add up, the
// medians are read again, the first-flight histograms are added exactly,
// the link's counters add up (its CPU per handshake recomputed from the
// sums), and the link's configuration is the first phase's.
func mergeNetwork(m *Phase, phases []Phase) error {
	m.Handshakes.HelloRetry = 0
	kinds := []func(*Phase) *Kind{
		func(p *Phase) *Kind { return &p.Kinds.Full },
		func(p *Phase) *Kind { return &p.Kinds.Resumed },
	}
	for _, kind := range kinds {
		mk := kind(m)
		mk.RoundTripCounts, mk.RoundTrips, mk.FirstFlightBytes = nil, nil, nil
		var flights []*Summary
		all := true
		for i := range phases {
			k := kind(&phases[i])
			if k.RoundTripCounts != nil {
				if mk.RoundTripCounts == nil {
					mk.RoundTripCounts = make([]int64, len(k.RoundTripCounts))
				}
				for j, c := range k.RoundTripCounts {
					mk.RoundTripCounts[min(j, len(mk.RoundTripCounts)-1)] += c
				}
			}
			if k.FirstFlightBytes == nil {
				all = false
			} else {
				flights = append(flights, k.FirstFlightBytes)
			}
		}
		if med, ok := MedianRoundTrips(mk.RoundTripCounts); ok {
			mk.RoundTrips = &med
		}
		if all && len(flights) > 0 {
			h, err := MergeHistograms(flights...)
			if err != nil {
				return fmt.Errorf("results: first_flight_bytes: %w", err)
			}
			s, err := Summarize(h)
			if err != nil {
				return err
			}
			mk.FirstFlightBytes = &s
		}
	}
	m.Link = nil
	var cpu mean
	for _, p := range phases {
		m.Handshakes.HelloRetry += p.Handshakes.HelloRetry
		if p.Link == nil {
			continue
		}
		if m.Link == nil {
			m.Link = &Link{RTTUS: p.Link.RTTUS, InitialWindowBytes: p.Link.InitialWindowBytes, BandwidthBPS: p.Link.BandwidthBPS}
		}
		m.Link.ToServer.add(p.Link.ToServer)
		m.Link.ToClient.add(p.Link.ToClient)
		m.Link.CPUS += p.Link.CPUS
		cpu.add(p.Link.CPUUtil, p.WindowS)
	}
	if m.Link != nil {
		m.Link.CPUUtil = cpu.value()
		if n := m.Handshakes.Completed(); n > 0 {
			m.Link.CPUUSPerHandshake = m.Link.CPUS * 1e6 / float64(n)
		}
	}
	return nil
}
