package netlab

import (
	"math/rand/v2"
)

// flowSlots is the number of flows whose last departure a shaper
// remembers, to keep their packets in order. Flows are hashed into the
// slots; two flows that share a slot only keep each other in order too,
// which is never wrong, only a little less jitter.
const flowSlots = 4096

// verdict is what a shaper decides for an arriving packet.
type verdict int

const (
	forward  verdict = iota
	lost             // dropped by the loss draw
	tailDrop         // dropped because the queue was full
)

// shaper is the model of one direction of the link, in the manner of
// Mahimahi's shells: a packet is first subject to the loss draw, then waits
// in a drop-tail queue for a transmitter of the configured bandwidth, then
// travels the one-way delay plus jitter. It holds no packets and reads no
// clock: the caller passes arrival times in nanoseconds on the link's
// monotonic clock and gets departure times back, so it can be tested
// without devices. It is not safe for concurrent use.
type shaper struct {
	delay  int64 // one-way delay, ns
	jitter int64 // each packet's delay is delay ± up to jitter, ns
	loss   float64
	// bandwidth is the transmitter's rate in bits per second; 0: no
	// transmitter (unlimited), no queue.
	bandwidth int64
	// queue is the number of packets that may wait for the transmitter;
	// one more arriving is tail-dropped.
	queue int
	rng   *rand.Rand

	// busyUntil is when the transmitter finishes the last accepted packet.
	busyUntil int64
	// starts are the transmission starts of the accepted packets that had
	// not started at the last arrival, oldest first (a ring of queue+1).
	starts       []int64
	head, length int
	// last is the departure of the last packet of each flow slot.
	last [flowSlots]int64
}

func newShaper(delay, jitter int64, loss float64, bandwidth int64, queue int, seed uint64) *shaper {
	s := &shaper{delay: delay, jitter: jitter, loss: loss, bandwidth: bandwidth, queue: queue,
		rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	if bandwidth > 0 {
		s.starts = make([]int64, queue+1)
	}
	return s
}

// admit decides the fate of a packet of size bytes of flow slot flow that
// arrives at now. For a forwarded packet it returns its departure time and
// how long it waits for the transmitter behind earlier packets.
func (s *shaper) admit(now int64, size int, flow uint32) (departs, queued int64, v verdict) {
	if s.loss > 0 && s.rng.Float64() < s.loss {
		return 0, 0, lost
	}
	sent := now // when the packet has left the transmitter
	if s.bandwidth > 0 {
		for s.length > 0 && s.starts[s.head] <= now {
			s.head = (s.head + 1) % len(s.starts)
			s.length--
		}
		if s.length >= s.queue {
			return 0, 0, tailDrop
		}
		start := max(now, s.busyUntil)
		s.busyUntil = start + int64(size)*8*1e9/s.bandwidth
		if start > now {
			s.starts[(s.head+s.length)%len(s.starts)] = start
			s.length++
		}
		queued, sent = start-now, s.busyUntil
	}
	departs = sent + s.delay
	if s.jitter > 0 {
		departs += s.rng.Int64N(2*s.jitter+1) - s.jitter
	}
	slot := &s.last[flow%flowSlots]
	departs = max(departs, *slot) // never overtake the flow's previous packet
	*slot = departs
	return departs, queued, forward
}

// waiting returns the number of packets that waited for the transmitter at
// the last arrival.
func (s *shaper) waiting() int { return s.length }

// flowOf hashes the flow of an IP packet: for IPv4 TCP and UDP its
// addresses, protocol and ports; for other IPv4 packets addresses and
// protocol; anything else is flow 0.
func flowOf(p []byte) uint32 {
	if len(p) < 20 || p[0]>>4 != 4 {
		return 0
	}
	ihl := int(p[0]&0x0f) * 4
	key := p[12:20] // source and destination addresses
	h := fnv(2166136261, key)
	h = fnv(h, p[9:10]) // protocol
	if (p[9] == 6 || p[9] == 17) && ihl >= 20 && len(p) >= ihl+4 {
		h = fnv(h, p[ihl:ihl+4]) // ports
	}
	return h
}

func fnv(h uint32, b []byte) uint32 {
	for _, c := range b {
		h ^= uint32(c)
		h *= 16777619
	}
	return h
}
