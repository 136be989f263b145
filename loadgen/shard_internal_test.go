package loadgen

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// shardCase is a whole run that the property tests split into 1..64
// shards.
type shardCase struct {
	clients, concurrency int
	count                int64 // a count-bounded phase's connections
	rate                 float64
}

var shardCases = []shardCase{
	{clients: 64, concurrency: 64, count: 64, rate: 1000},
	{clients: 97, concurrency: 64, count: 1000, rate: 1234},
	{clients: 1000, concurrency: 70, count: 12345, rate: 5000},
	{clients: 130, concurrency: 100, count: 1, rate: 100},
	{clients: 200, concurrency: 64, count: 199, rate: 3000},
}

// TestShardUnionIsTheWholeRun checks, for every N from 1 to 64, that the
// shards' clients, workers, count-bounded connection slots and open-loop
// ticks are exactly those of the one-process run, each in one shard only,
// and that every client's slots and ticks are in the shard that holds the
// client.
func TestShardUnionIsTheWholeRun(t *testing.T) {
	t.Parallel()
	for _, tc := range shardCases {
		t.Run(fmt.Sprintf("clients=%d,concurrency=%d,count=%d", tc.clients, tc.concurrency, tc.count), func(t *testing.T) {
			t.Parallel()
			whole := wholeRun(t, tc)
			for n := 1; n <= 64; n++ {
				var got plan
				for i := range n {
					got.add(t, tc, Shard{Index: i, Count: n})
				}
				got.sort()
				if err := whole.equal(got); err != nil {
					t.Fatalf("%d shards: %v", n, err)
				}
			}
		})
	}
}

// plan is what a run (or the union of shards) does: its clients, its
// workers, its count-bounded slots (total) and its ticks, each tick with
// the client that connects at it.
type plan struct {
	clients []int
	workers int
	served  []int // clients served by some worker, each once
	slots   int64 // count-bounded closed-loop connections
	ticks   []tick
	poisson []int64 // the Poisson streams' slots per shard
}

type tick struct {
	at     time.Duration // intended start from the origin
	client int
}

var origin = time.Unix(1_700_000_000, 0)

func (p *plan) add(t *testing.T, tc shardCase, s Shard) {
	t.Helper()
	cfg := Config{Clients: tc.clients, Concurrency: tc.concurrency, Targets: []string{"a", "b", "c"}, Shard: s}
	if err := s.validate(tc.clients, tc.concurrency); err != nil {
		t.Fatalf("shard %s: %v", s, err)
	}
	cs := s.newClients(&cfg)
	for _, c := range cs {
		if !s.Owns(int64(c.id)) {
			t.Fatalf("shard %s holds client %d", s, c.id)
		}
		if c.next != c.id%3 {
			t.Fatalf("shard %s: client %d starts its round robin at node %d, want %d as in one process", s, c.id, c.next, c.id%3)
		}
		p.clients = append(p.clients, c.id)
	}
	workers := int(s.Share(int64(tc.concurrency)))
	if workers < 1 {
		t.Fatalf("shard %s has no worker", s)
	}
	p.workers += workers
	for w := range workers {
		v := workerClients(cs, w, workers)
		for i := range v.n {
			p.served = append(p.served, v.at(i).id)
		}
	}
	for _, q := range s.quotas(tc.count, tc.clients, workers) {
		p.slots += q
	}
	// Constant arrivals, count-bounded: every tick the shard starts, and
	// the client it goes to (the open loop's clients[k mod len]).
	pc, rate := s.newPacer(origin, tc.rate, false, 1, tc.count, tc.clients)
	var own int64
	for {
		k, at, ok := pc.next()
		if !ok {
			break
		}
		p.ticks = append(p.ticks, tick{at: at.Sub(origin), client: cs[k%int64(len(cs))].id})
		own++
	}
	if want := tc.rate * float64(own) / float64(tc.count); tc.count >= int64(tc.clients) && tc.count%int64(tc.clients) == 0 && !near(rate, want) {
		t.Errorf("shard %s offers %.3f/s, want %.3f/s (its share of the ticks)", s, rate, want)
	}
	pp, prate := s.newPacer(origin, tc.rate, true, 1, tc.count, tc.clients)
	if !near(prate*float64(max(s.Count, 1)), tc.rate) {
		t.Errorf("shard %s: Poisson stream at %.3f/s, want rate/N", s, prate)
	}
	p.poisson = append(p.poisson, pp.limit)
}

func near(a, b float64) bool { return a-b < 1e-9*b && b-a < 1e-9*b }

func (p *plan) sort() {
	slices.Sort(p.clients)
	slices.Sort(p.served)
	slices.SortFunc(p.ticks, func(a, b tick) int { return int(a.at - b.at) })
}

func wholeRun(t *testing.T, tc shardCase) plan {
	var p plan
	p.add(t, tc, Shard{})
	p.sort()
	// The one-process run, as loadgen has always made it: clients
	// 0..n-1, every worker; tick k at k/rate for client k mod clients.
	for i, id := range p.clients {
		if id != i {
			t.Fatalf("one process: client %d at %d", id, i)
		}
	}
	if len(p.clients) != tc.clients || p.workers != tc.concurrency || p.slots != tc.count || int64(len(p.ticks)) != tc.count {
		t.Fatalf("one process: %d clients, %d workers, %d slots, %d ticks; want %d, %d, %d, %d",
			len(p.clients), p.workers, p.slots, len(p.ticks), tc.clients, tc.concurrency, tc.count, tc.count)
	}
	step := time.Duration(float64(time.Second) / tc.rate)
	for k, tk := range p.ticks {
		if tk.at != time.Duration(k)*step || tk.client != k%tc.clients {
			t.Fatalf("one process: tick %d at %v for client %d", k, tk.at, tk.client)
		}
	}
	return p
}

func (p plan) equal(q plan) error {
	switch {
	case !slices.Equal(p.clients, q.clients):
		return fmt.Errorf("clients: the shards hold %d (%v...), the one-process run %d", len(q.clients), head(q.clients), len(p.clients))
	case q.workers != p.workers:
		return fmt.Errorf("workers: the shards run %d, the one-process run %d", q.workers, p.workers)
	case !slices.Equal(p.served, q.served):
		return fmt.Errorf("served clients: %v..., want %v...", head(q.served), head(p.served))
	case q.slots != p.slots:
		return fmt.Errorf("count-bounded connections: the shards make %d, the one-process run %d", q.slots, p.slots)
	case !slices.Equal(p.ticks, q.ticks):
		return fmt.Errorf("constant ticks differ: %d vs %d (first %v vs %v)", len(q.ticks), len(p.ticks), q.ticks[:min(3, len(q.ticks))], p.ticks[:min(3, len(p.ticks))])
	}
	var sum int64
	for _, n := range q.poisson {
		sum += n
	}
	if sum != p.poisson[0] {
		return fmt.Errorf("Poisson streams: %d slots in all, want %d", sum, p.poisson[0])
	}
	return nil
}

func head(v []int) []int { return v[:min(5, len(v))] }

// TestShardDurationTicks checks a duration-bounded constant open loop:
// the shards' ticks before the end are the one-process run's.
func TestShardDurationTicks(t *testing.T) {
	t.Parallel()
	const clients, rate = 37, 997.0
	end := origin.Add(300 * time.Millisecond)
	drain := func(s Shard) []time.Duration {
		p, _ := s.newPacer(origin, rate, false, 1, 0, clients)
		p.end = end
		var out []time.Duration
		for {
			_, at, ok := p.next()
			if !ok {
				return out
			}
			out = append(out, at.Sub(origin))
		}
	}
	whole := drain(Shard{})
	for _, n := range []int{2, 3, 7, 36, 37} {
		var got []time.Duration
		for i := range n {
			got = append(got, drain(Shard{Index: i, Count: n})...)
		}
		slices.Sort(got)
		if !slices.Equal(got, whole) {
			t.Errorf("%d shards: %d ticks, want the one-process run's %d", n, len(got), len(whole))
		}
	}
}

// TestShardPoissonStreams checks that the shards' Poisson streams are
// independent (no two start alike) and each at rate/N.
func TestShardPoissonStreams(t *testing.T) {
	t.Parallel()
	const n, rate = 4, 4000.0
	firsts := map[time.Duration]int{}
	for i := range n {
		p, own := Shard{Index: i, Count: n}.newPacer(origin, rate, true, 99, 0, 100)
		if own != rate/n {
			t.Errorf("shard %d at %.1f/s, want %.1f/s", i, own, rate/n)
		}
		var last time.Time
		const slots = 20000
		for j := range slots {
			_, at, _ := p.next()
			if j == 1 {
				firsts[at.Sub(origin)] = i
			}
			last = at
		}
		if mean, want := last.Sub(origin).Seconds()/(slots-1), n/rate; mean < 0.95*want || mean > 1.05*want {
			t.Errorf("shard %d: mean gap %.6fs, want %.6fs ±5%%", i, mean, want)
		}
	}
	if len(firsts) != n {
		t.Errorf("the shards' streams are not independent: first gaps %v", firsts)
	}
}

func TestShardValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s       Shard
		clients int
		conc    int
		ok      bool
	}{
		{Shard{}, 10, 4, true},
		{Shard{Index: 0, Count: 1}, 10, 4, true},
		{Shard{Index: 3, Count: 4}, 10, 4, true},
		{Shard{Index: 4, Count: 4}, 10, 4, false},
		{Shard{Index: -1, Count: 4}, 10, 4, false},
		{Shard{Index: 0, Count: 5}, 10, 4, false}, // fewer workers than shards
		{Shard{Count: -1}, 10, 4, false},
		{Shard{Index: 1}, 10, 4, false},
	}
	for _, tt := range tests {
		err := tt.s.validate(tt.clients, tt.conc)
		if (err == nil) != tt.ok {
			t.Errorf("%+v with %d clients, concurrency %d: error %v, want ok=%v", tt.s, tt.clients, tt.conc, err, tt.ok)
		}
	}
}
