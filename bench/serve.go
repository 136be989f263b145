package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/scenarios"
)

// Served is a scenario's servers running on their own, as a long-running
// target for generators elsewhere (tlsbench serve): the shards of a run on
// one machine, or generators on several, then share one fleet, with its
// nodes, keys, caches and rotation, instead of each starting its own.
// Its methods are safe for concurrent use.
type Served struct {
	fleet Fleet
	base  *ServerCounts // at the start
	// Target is where the servers listen, the name they serve and where
	// their state lives.
	Target results.Target
	// CAFile verifies their certificate chain (empty for a user's chain
	// without a CA file).
	CAFile string
	// StartedAt is when they were ready.
	StartedAt time.Time
	clock     func() time.Time
}

// ServedCounts are a served fleet's own counts from when it was ready.
type ServedCounts struct {
	StartedAt time.Time `json:"started_at"`
	StoppedAt time.Time `json:"stopped_at"`
	// Handshakes = Full + Resumed, completed on the servers; Failed
	// failed there.
	Handshakes int64 `json:"handshakes"`
	Full       int64 `json:"full"`
	Resumed    int64 `json:"resumed"`
	Failed     int64 `json:"failed"`
	// Nodes are each node's counts, by version.
	Nodes []NodeCounts `json:"nodes"`
}

// Serve starts sc's servers (the embedded testbed, or real servers) on
// loopback as a run would, each node on its own address and on port
// (0: a free port each), and returns once they accept connections. They
// run until Stop, or until ctx's process dies. A scenario with a remote
// target, a network block or faults is refused: there is nothing to serve,
// or nothing to time its faults from.
func Serve(ctx context.Context, sc *scenarios.Scenario, opts Options, port int) (*Served, error) {
	var errs []error
	if !sc.Target.Embedded() {
		errs = append(errs, errors.New("the scenario's target is remote: there is nothing to serve"))
	}
	if sc.Network != nil {
		errs = append(errs, errors.New("a network block is not served: the lab lives inside a run"))
	}
	if len(sc.Faults) > 0 {
		errs = append(errs, errors.New("faults are timed from a run's first phase: a served fleet has none (leave faults out)"))
	}
	if port < 0 || port > 65535 {
		errs = append(errs, fmt.Errorf("port %d is not a TCP port", port))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("bench: serve %s: %w", sc.Name, err)
	}
	s, err := resolveScenario(sc, opts)
	if err != nil {
		return nil, err
	}
	f, err := startFleet(ctx, s, Placement{Port: port}, opts)
	if err != nil {
		return nil, err
	}
	// The counts start from here: what the start's own probes of the
	// servers did (a connection that waited for nginx to accept, say) is
	// not the generators'.
	base, err := f.Counts(ctx)
	if err != nil {
		f.Stop()
		return nil, err
	}
	clk := opts.clock()
	return &Served{fleet: f, base: base, Target: f.Target(), CAFile: s.certs.CAFile, StartedAt: clk.Now(), clock: clk.Now}, nil
}

// ServedTarget is what generators need to reach a served fleet, as
// tlsbench serve prints it: the addresses (a scenario's target.addresses),
// the name to send and verify (target.server_name) and the CA file
// (target.ca_file), and where the servers keep resumption state.
type ServedTarget struct {
	Addresses    []string `json:"addresses"`
	ServerName   string   `json:"server_name"`
	CAFile       string   `json:"ca_file"`
	SessionStore string   `json:"session_store"`
}

// Ready returns what generators need to reach the fleet.
func (s *Served) Ready() ServedTarget {
	return ServedTarget{Addresses: s.Target.Addresses, ServerName: s.Target.ServerName, CAFile: s.CAFile, SessionStore: s.Target.SessionStore}
}

// Counts returns the servers' own counts since they were ready.
func (s *Served) Counts(ctx context.Context) (*ServedCounts, error) {
	c, err := s.fleet.Counts(ctx)
	if err != nil {
		return nil, err
	}
	out := &ServedCounts{StartedAt: s.StartedAt, StoppedAt: s.clock(), Nodes: []NodeCounts{}}
	if c != nil {
		for i, n := range c.Nodes {
			if s.base != nil && i < len(s.base.Nodes) {
				b := s.base.Nodes[i]
				n.Full12, n.Full13, n.Resumed12, n.Resumed13, n.Failed = n.Full12-b.Full12, n.Full13-b.Full13, n.Resumed12-b.Resumed12, n.Resumed13-b.Resumed13, n.Failed-b.Failed
				for r, v := range b.Fallbacks {
					n.Fallbacks[r] -= v
				}
			}
			out.Full += n.Full()
			out.Resumed += n.Resumed()
			out.Failed += n.Failed
			out.Nodes = append(out.Nodes, n)
		}
	}
	out.Handshakes = out.Full + out.Resumed
	return out, nil
}

// Stop stops the servers.
func (s *Served) Stop() error { return s.fleet.Stop() }

// Length returns how long sc's phases (or its sweep's steps) run when
// every one is bounded by a duration, and false when one is bounded by a
// count: then only the servers' speed says.
func Length(sc *scenarios.Scenario) (time.Duration, bool) {
	phases := sc.Phases
	if sc.Sweep != nil {
		phases = sweepPhases(sc)
	}
	return plannedLength(phases)
}
