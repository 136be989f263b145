package netlab

import (
	"math/bits"
	"time"
)

// LinkStats are the link's counters since it started, one Direction per
// direction. Take two snapshots and Sub them for the figures of a phase.
type LinkStats struct {
	// ToServer is the generator → server direction (what clients send).
	ToServer Direction `json:"to_server"`
	// ToClient is the server → generator direction (what servers send).
	ToClient Direction `json:"to_client"`
}

// Sub returns the counters of s minus those of an earlier snapshot: what
// happened between the two. The Max fields of the distributions and
// MaxWaiting stay those of s (a maximum cannot be subtracted).
func (s LinkStats) Sub(earlier LinkStats) LinkStats {
	return LinkStats{ToServer: s.ToServer.Sub(earlier.ToServer), ToClient: s.ToClient.Sub(earlier.ToClient)}
}

// Direction is what one direction of the link did with the IP packets it
// read from the near TUN device. Every packet read is, by the time of a
// snapshot, either forwarded, dropped (by the loss draw, by the queue or by
// a failed write) or still in flight:
//
//	Received = Packets + LossDrops + QueueDrops + WriteErrors + InFlight
type Direction struct {
	// Received counts the packets the link read from the near device.
	Received uint64 `json:"received"`
	// Packets and Bytes count the packets written to the far device and
	// their IP bytes (headers included).
	Packets uint64 `json:"packets"`
	Bytes   uint64 `json:"bytes"`
	// LossDrops counts the packets dropped by the loss draw (Config.Loss,
	// independently per packet).
	LossDrops uint64 `json:"loss_drops"`
	// QueueDrops counts the packets tail-dropped because QueueLimit
	// packets were already waiting for the transmitter (only with a
	// bandwidth), or, with any bandwidth, because the delay line already
	// held 65536 packets (more than this machine's TUN devices can carry
	// in 150 ms).
	QueueDrops uint64 `json:"queue_drops"`
	// WriteErrors counts the packets the far device refused.
	WriteErrors uint64 `json:"write_errors"`
	// DeviceDrops counts packets dropped by the kernel outside the link:
	// the near device's transmit drops (the link did not read fast
	// enough) plus the far device's receive drops. They are read from the
	// devices' statistics by the parent (Lab.Stats), not by the link.
	DeviceDrops uint64 `json:"device_drops"`
	// InFlight is the number of packets in the link at the snapshot:
	// waiting for the transmitter or for their delay to pass. At Stop they
	// are discarded.
	InFlight uint64 `json:"in_flight"`
	// MaxWaiting is the most packets that waited for the transmitter at
	// once, since the link started (0 without a bandwidth).
	MaxWaiting int `json:"max_waiting"`
	// Queued is, per packet written (or refused), how long it waited for the
	// transmitter behind earlier packets: from its arrival to the start of
	// its own transmission at the bandwidth. Always 0 without a
	// bandwidth. It is the queueing delay beyond the configured delay and
	// transmission time that a bandwidth cap adds under load.
	Queued Durations `json:"queued"`
	// Late is, per packet written (or refused), how much later than its
	// scheduled departure (arrival + queueing + transmission + delay +
	// jitter) the link began to write it to the far device: the link
	// process's own lag, which no scenario asks for. Together with Queued it is everything a packet spent in the
	// link beyond the configured delay, jitter and transmission time.
	Late Durations `json:"late"`
}

// Sub returns d minus an earlier snapshot; see LinkStats.Sub. DeviceDrops
// and InFlight are subtracted like the counters, so a phase's InFlight is
// the change of the packets in flight.
func (d Direction) Sub(e Direction) Direction {
	return Direction{
		Received:    d.Received - e.Received,
		Packets:     d.Packets - e.Packets,
		Bytes:       d.Bytes - e.Bytes,
		LossDrops:   d.LossDrops - e.LossDrops,
		QueueDrops:  d.QueueDrops - e.QueueDrops,
		WriteErrors: d.WriteErrors - e.WriteErrors,
		DeviceDrops: d.DeviceDrops - e.DeviceDrops,
		InFlight:    d.InFlight - e.InFlight,
		MaxWaiting:  d.MaxWaiting,
		Queued:      d.Queued.Sub(e.Queued),
		Late:        d.Late.Sub(e.Late),
	}
}

// durationBuckets is the number of buckets of a Durations: bucket 0 holds
// durations under 1 µs, bucket i (i ≥ 1) those in [2^(i-1), 2^i) µs, the
// last everything from 2^(n-2) µs (about 18 minutes) up.
const durationBuckets = 32

// Durations is a distribution of durations in power-of-two buckets of
// microseconds: cheap enough to update per packet, exact in its count, sum
// and maximum, and within a factor of two in its quantiles.
type Durations struct {
	// Count is the number of durations recorded.
	Count uint64 `json:"count"`
	// Sum is their total.
	Sum time.Duration `json:"sum_ns"`
	// Max is the largest.
	Max time.Duration `json:"max_ns"`
	// Buckets counts the durations by bucket (see durationBuckets): 0:
	// under 1 µs; i: [2^(i-1), 2^i) µs.
	Buckets [durationBuckets]uint64 `json:"buckets"`
}

// Add records one duration; a negative one counts as 0.
func (h *Durations) Add(d time.Duration) {
	d = max(d, 0)
	h.Count++
	h.Sum += d
	h.Max = max(h.Max, d)
	h.Buckets[bucketOf(d)]++
}

func bucketOf(d time.Duration) int {
	us := uint64(d / time.Microsecond)
	return min(bits.Len64(us), durationBuckets-1)
}

// Mean returns the mean duration, 0 when none was recorded.
func (h Durations) Mean() time.Duration {
	if h.Count == 0 {
		return 0
	}
	return h.Sum / time.Duration(h.Count)
}

// Quantile returns an upper bound of the q-quantile (0 ≤ q ≤ 1): the upper
// edge of the bucket that holds it, but no more than Max. It is 0 when
// none was recorded or the quantile falls in the first bucket (under 1 µs).
func (h Durations) Quantile(q float64) time.Duration {
	if h.Count == 0 {
		return 0
	}
	rank := uint64(q*float64(h.Count) + 0.5)
	rank = min(max(rank, 1), h.Count)
	var seen uint64
	for i, n := range h.Buckets {
		seen += n
		if seen >= rank {
			if i == 0 {
				return 0
			}
			return min(time.Duration(1)<<(i)*time.Microsecond, h.Max)
		}
	}
	return h.Max
}

// Sub returns h minus an earlier snapshot of the same distribution; Max
// stays h's.
func (h Durations) Sub(e Durations) Durations {
	out := Durations{Count: h.Count - e.Count, Sum: h.Sum - e.Sum, Max: h.Max}
	for i := range h.Buckets {
		out.Buckets[i] = h.Buckets[i] - e.Buckets[i]
	}
	return out
}
