package loadgen

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Shard selects one of Count parts of a run that Count generators make
// together, each in a process of its own (on one machine or on many), as
// if they were one generator. Everything is striped by client id:
//
//   - Clients: client k belongs to shard k mod Count, so that its session
//     chain (its full handshake, then its resumed ones) and its topology
//     role (its sticky node, its round-robin cursor) stay in one process.
//     Client ids keep their value in the whole run.
//   - Connections in flight: shard I runs Share(Concurrency) workers, so
//     the shards' workers add up to Concurrency.
//   - Slots: a count-bounded phase, or an open loop, is a sequence of
//     connection slots in which slot s goes to client s mod Clients; a
//     shard takes the slots of its own clients (Slots, Tick), so the
//     shards' slots are the one-process run's, each exactly once.
//   - Open loop, arrival constant: the shard starts its slots at their
//     global ticks, origin + s/Rate, from a common origin
//     (Phase.ScheduleFrom). The union is the one-process schedule, to the
//     shards' clock skew, which must stay far below 1/Rate.
//   - Open loop, Poisson arrivals: each shard runs an independent Poisson
//     stream at Rate/Count, seeded from Config.Seed and Index. The union of
//     independent Poisson streams is a Poisson stream at Rate, whatever
//     the shards' clock skew.
//
// The balance policies that decide per client (RoundRobin, Random,
// Sticky) are the same in a shard as in one process. LeastConn counts the
// connections in flight of one process only: across shards it is not the
// one-generator policy.
//
// The zero value (Count 0) is the whole run, as is Count 1.
type Shard struct {
	// Index is this shard's index, 0..Count-1.
	Index int
	// Count is the number of shards. 0 or 1: the whole run.
	Count int
}

// Whole reports whether s is the whole run (no sharding).
func (s Shard) Whole() bool { return s.Count <= 1 }

// n is the number of shards, at least 1.
func (s Shard) n() int64 { return int64(max(s.Count, 1)) }

// Owns reports whether the shard holds client (or slot owner) k: k mod
// Count == Index.
func (s Shard) Owns(k int64) bool { return s.Whole() || k%s.n() == int64(s.Index) }

// Share returns the shard's share of n striped items, the number of k < n
// it owns: n/Count, plus one for the first n mod Count shards. The shares
// of all shards add up to n.
func (s Shard) Share(n int64) int64 {
	if s.Whole() {
		return n
	}
	q := n / s.n()
	if int64(s.Index) < n%s.n() {
		q++
	}
	return q
}

// Slots returns how many of the first n slots of a schedule over clients
// (slot t goes to client t mod clients) go to the shard's clients.
func (s Shard) Slots(n int64, clients int) int64 {
	if s.Whole() {
		return n
	}
	c := int64(clients)
	return n/c*s.Share(c) + s.Share(n%c)
}

// Tick returns the global index of the shard's m-th slot (m from 0) of a
// schedule over clients: the m-th t whose client t mod clients the shard
// owns. The shard's m-th slot goes to its local client m mod
// Share(clients), which is that client.
func (s Shard) Tick(m int64, clients int) int64 {
	if s.Whole() {
		return m
	}
	local := s.Share(int64(clients))
	return m/local*int64(clients) + int64(s.Index) + m%local*s.n()
}

// String returns "I/N".
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.n()) }

// validate checks the shard against the whole run's clients and
// concurrency.
func (s Shard) validate(clients, concurrency int) error {
	switch {
	case s.Count < 0:
		return fmt.Errorf("shard count must not be negative, got %d", s.Count)
	case s.Whole():
		if s.Index != 0 {
			return fmt.Errorf("shard index %d of a whole run", s.Index)
		}
		return nil
	case s.Index < 0 || s.Index >= s.Count:
		return fmt.Errorf("shard index must be 0..%d, got %d", s.Count-1, s.Index)
	case concurrency < s.Count:
		return fmt.Errorf("%d shards need at least %d connections in flight (concurrency), got %d: each shard runs its share", s.Count, s.Count, concurrency)
	}
	return nil
}

// newClients returns the shard's clients: ids Index, Index+Count, ... of
// the whole run's, in order.
func (s Shard) newClients(cfg *Config) []*client {
	step := int(s.n())
	n := (cfg.Clients - s.Index + step - 1) / step
	// One array for them all: no per-client allocation, no slice grown
	// and thrown away (100,000 clients are several MB).
	all := make([]client, max(n, 0))
	out := make([]*client, 0, len(all))
	for i, id := 0, s.Index; id < cfg.Clients; i, id = i+1, id+step {
		c := &all[i]
		c.id, c.next = id, id%len(cfg.Targets)
		if cfg.Resume {
			c.slot.issuer = -1
			c.cache = &c.slot
		}
		out = append(out, c)
	}
	return out
}

// clientView is the clients one worker serves: every step-th of all from
// first on, n of them (a view, not a copy: 100,000 clients' pointers
// copied per worker were 0.8 MB).
type clientView struct {
	all         []*client
	first, step int
	n           int
}

// at returns the view's i-th client.
func (v clientView) at(i int) *client { return v.all[v.first+i*v.step] }

// workerClients returns the clients worker w of workers serves: the w-th,
// (w+workers)-th, ... of clients.
func workerClients(clients []*client, w, workers int) clientView {
	return clientView{all: clients, first: w, step: workers, n: max((len(clients)-w+workers-1)/workers, 0)}
}

// workerStream is the random stream of the shard's worker w: the whole
// run's worker w·Count+Index, so that no two workers of any shard share
// one.
func (s Shard) workerStream(w int) uint64 { return uint64(int64(w)*s.n() + int64(s.Index)) }

// quotas splits the shard's slots of a count-bounded closed-loop phase of
// count connections over workers workers, evenly (the first get one more).
func (s Shard) quotas(count int64, clients, workers int) []int64 {
	total := s.Slots(count, clients)
	out := make([]int64, workers)
	for i := range out {
		out[i] = total / int64(workers)
		if int64(i) < total%int64(workers) {
			out[i]++
		}
	}
	return out
}

// newPacer returns the shard's open-loop schedule from origin at the whole
// run's rate, and the rate it offers itself. limit is the phase's count
// (0: none); clients the whole run's.
func (s Shard) newPacer(origin time.Time, rate float64, poisson bool, seed uint64, limit int64, clients int) (*pacer, float64) {
	if s.Whole() {
		p := newPacer(origin, rate, poisson, seed)
		if limit > 0 {
			p.limit = limit
		}
		return p, rate
	}
	if poisson {
		own := rate / float64(s.n())
		p := newPacer(origin, own, true, seed)
		p.rng = rand.New(rand.NewPCG(seed, 0x9ace+uint64(s.Index)<<32))
		if limit > 0 {
			p.limit = s.Slots(limit, clients)
		}
		return p, own
	}
	p := newPacer(origin, rate, false, seed)
	p.ticks = func(m int64) int64 { return s.Tick(m, clients) }
	p.origin = origin
	if limit > 0 {
		p.limit = s.Slots(limit, clients)
	}
	return p, rate * float64(s.Share(int64(clients))) / float64(clients)
}
