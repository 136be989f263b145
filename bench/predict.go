package bench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/scenarios"
	"github.com/tlsbench/tlsbench/scenarios/tlsfleet"
)

// predictor computes the resumption rate a topology and client model
// should give, by simulating the clients' visits with the same rules as the
// testbed: which node a balance policy picks, which keys or store a node
// shares, when keys rotate and what they keep, and how long sessions live.
//
// Its model of the client: each of the scenario's clients comes back every
// revisit interval R (clients / measured rate, plus its think time),
// evenly staggered; every handshake leaves it holding a fresh session from
// the node that served it (crypto/tls re-issues tickets on resumption). It
// leaves out queueing jitter, least-conn (treated as random), store
// eviction, and the sessions nginx drops when a client closes without
// close_notify (named in the model text when the scenario does that).
type predictor struct {
	sc    *scenarios.Scenario
	epoch time.Time // the testbed's key-rotation epoch
	// notify says whether the clients send close_notify
	// (loadgen.Config.CloseNotify).
	notify bool
}

// session is what a simulated client holds.
type session struct {
	ok     bool
	node   int
	gen    int64
	issued float64 // seconds since the epoch
}

// predict returns the prediction for phase i of run, or nil when there is
// no model for it.
func (pr *predictor) predict(run *results.Run, i int) *results.Prediction {
	sc := pr.sc
	p := run.Phases[i]
	completed := p.Handshakes.Completed()
	if (!sc.Target.Embedded() && len(run.Target.Addresses) < 2) || completed == 0 || p.RatePerS <= 0 {
		return nil // a remote fleet of several addresses is modelled like nodes
	}
	if sc.Topology.Balancer == scenarios.BalancerHAProxy {
		return nil // HAProxy's policies apply to all connections: not modelled
	}
	revisit := float64(sc.Clients.Count)/p.RatePerS + time.Duration(sc.Clients.ThinkTime).Seconds()
	pred := &results.Prediction{
		MeasuredShare: float64(p.Handshakes.Resumed) / float64(completed),
		RevisitS:      revisit,
	}
	share, model := pr.simulate(run, i, revisit)
	pred.ResumedShare, pred.Model = share, model
	pred.Tolerance = 4*math.Sqrt(share*(1-share)/float64(completed)) + 0.02
	return pred
}

// simulate runs the visits of every client from the first phase's start to
// the end of phase i and returns the resumed share of the visits in phase
// i, with the model in words.
func (pr *predictor) simulate(run *results.Run, i int, revisit float64) (float64, string) {
	sc, topo := pr.sc, pr.sc.Topology
	n, m := topo.Nodes, sc.Clients.Count
	stores := sc.Resumption != scenarios.ResumeNone &&
		!(sc.AfterHandshake == scenarios.Close && sc.TLS.Version == scenarios.TLS13) &&
		!(sc.Resumption == scenarios.ResumeTickets && topo.TicketKeys == tlsfleet.Off) &&
		!(sc.Resumption == scenarios.ResumeIDs && topo.SessionCache == tlsfleet.Off)
	model := fmt.Sprintf("%d clients revisiting every %.3fs, %d node(s), %s balance", m, revisit, n, topo.Balance)
	if !stores {
		return 0, model + "; no session is ever stored or accepted (resumption none, tickets off, or TLS 1.3 closed before the ticket)"
	}
	shared := topo.TicketKeys == tlsfleet.Shared
	what := string(topo.TicketKeys) + " ticket keys"
	if sc.Resumption == scenarios.ResumeCache || sc.Resumption == scenarios.ResumeIDs {
		// Session IDs (real servers) live in the same per-node or shared
		// cache as the testbed's stateful tickets.
		shared = topo.SessionCache == tlsfleet.Shared
		what = string(topo.SessionCache) + " session cache"
	}
	model += ", " + what
	every := time.Duration(topo.RotateKeysEvery).Seconds()
	if every > 0 && sc.Resumption == scenarios.ResumeTickets {
		model += fmt.Sprintf(", keys rotated every %s with %s overlap", topo.RotateKeysEvery, topo.RotationOverlap)
		if topo.RotationStagger {
			model += ", staggered"
		}
	} else {
		every = 0
	}
	if sc.Server == scenarios.ServerNginx && sc.Resumption == scenarios.ResumeCache && !pr.notify {
		model += "; not modelled: the clients close without close_notify, and nginx (OpenSSL 3) then drops the " +
			"session it issued last whenever the client's FIN is already in when nginx looks for the client's " +
			"close_notify: a scheduling race, 8-16 % of offers lost in runs on 2 shared cores"
	}
	overlap := time.Duration(topo.RotationOverlap).Seconds()
	lifetime := time.Duration(topo.SessionLifetime).Seconds()
	offset := func(node int) float64 {
		if topo.RotationStagger {
			return every * float64(node) / float64(n)
		}
		return 0
	}
	gen := func(node int, t float64) int64 {
		if every == 0 || t < offset(node) {
			return 0
		}
		return int64((t - offset(node)) / every)
	}
	accepts := func(node int, s session, t float64) bool {
		if node != s.node && !shared {
			return false
		}
		if lifetime > 0 && t-s.issued > lifetime {
			return false
		}
		if every == 0 {
			return true
		}
		cur := gen(node, t)
		if s.gen == cur {
			return true
		}
		// An older generation is kept until its successor's rotation
		// plus the overlap.
		return s.gen < cur && offset(node)+float64(s.gen+1)*every+overlap > t
	}

	epoch := pr.epoch
	if epoch.IsZero() {
		// No rotation schedule (real servers): any origin will do, but a
		// zero time would saturate Sub.
		epoch = run.Phases[0].StartedAt
	}
	first := run.Phases[0].StartedAt.Sub(epoch).Seconds()
	from := run.Phases[i].StartedAt.Sub(epoch).Seconds()
	to := run.Phases[i].EndedAt.Sub(epoch).Seconds()
	rng := rand.New(rand.NewPCG(1, 2))
	var visits, resumed int64
	for c := range m {
		var s session
		next := c % n // round-robin: the client's next node
		for t := first + revisit*float64(c)/float64(m); t < to; t += revisit {
			var node int
			switch topo.Balance {
			case scenarios.Sticky:
				node = c % n
			case scenarios.RoundRobin:
				node = next
				next = (next + 1) % n
			default: // random, least-conn
				node = rng.IntN(n)
			}
			ok := s.ok && accepts(node, s, t)
			if t >= from {
				visits++
				if ok {
					resumed++
				}
			}
			s = session{ok: true, node: node, gen: gen(node, t), issued: t}
		}
	}
	if visits == 0 {
		return 0, model
	}
	return float64(resumed) / float64(visits), model
}
