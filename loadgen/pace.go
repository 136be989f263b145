package loadgen

import (
	"math/rand/v2"
	"sync"
	"time"
)

// LateStart is how far behind its intended start a connection may begin
// before it counts as a late start: the generator (or its concurrency)
// could not keep up with the offered rate.
const LateStart = time.Millisecond

// pacer hands out the intended start times of an open-loop phase: slot k
// starts at start + k/rate (constant arrivals) or after exponentially
// distributed gaps of mean 1/rate (Poisson arrivals). The schedule never
// waits for completions. Safe for concurrent use: one short lock per
// connection, which only open-loop phases pay.
type pacer struct {
	rate    float64 // connections per second
	poisson bool
	limit   int64     // slots to hand out (count-bounded phase); <0: no limit
	end     time.Time // no slot starts at or after end (duration-bounded); zero: no end

	mu   sync.Mutex
	k    int64
	at   time.Time
	rng  *rand.Rand
	step time.Duration

	// ticks, when set, maps the k-th slot to its global tick: the slot
	// starts at origin + ticks(k) steps (a shard's striped constant
	// arrivals; see Shard).
	ticks  func(k int64) int64
	origin time.Time
}

func newPacer(start time.Time, rate float64, poisson bool, seed uint64) *pacer {
	return &pacer{
		rate: rate, poisson: poisson, limit: -1,
		at: start, step: time.Duration(float64(time.Second) / rate),
		rng: rand.New(rand.NewPCG(seed, 0x9ace)),
	}
}

// next returns the next slot and its intended start, or false when the
// schedule is over.
func (p *pacer) next() (int64, time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.limit >= 0 && p.k >= p.limit {
		return 0, time.Time{}, false
	}
	if p.ticks != nil {
		p.at = p.origin.Add(time.Duration(p.ticks(p.k)) * p.step)
	}
	if !p.end.IsZero() && !p.at.Before(p.end) {
		return 0, time.Time{}, false
	}
	k, at := p.k, p.at
	p.k++
	if p.poisson {
		p.at = p.at.Add(time.Duration(p.rng.ExpFloat64() * float64(time.Second) / p.rate))
	} else {
		p.at = p.at.Add(p.step)
	}
	return k, at, true
}
