package bench

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"time"

	"github.com/tlsbench/tlsbench/bench/testbed"
	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/scenarios"
	"github.com/tlsbench/tlsbench/scenarios/tlsfleet"
)

// A Fleet is the servers a run measures: the embedded testbed in a child
// process, real servers (nginx, HAProxy, openssl s_server) that bench
// configures and starts, or a remote service that it neither starts nor
// observes. startFleet starts the one a scenario names, where a Placement
// puts it; a network lab wraps the fleet it starts. Its methods are safe
// for concurrent use.
type Fleet interface {
	// Target describes the fleet for the result: its kind, its software,
	// the addresses the clients dial (in node order, or the balancer's
	// alone), the name they send and verify, and where the servers keep
	// resumption state.
	Target() results.Target

	// Roots verify the fleet's certificate chain. Nil: the system roots.
	Roots() *x509.CertPool

	// Epoch is the start of the fleet's key-rotation schedule, from which
	// the predictor counts key generations. Zero: no schedule that
	// tlsbench knows (real and remote servers).
	Epoch() time.Time

	// PIDs are the processes whose CPU time is the servers'. None for a
	// remote fleet.
	PIDs() []int

	// Counts returns the servers' own counts since the fleet started. It
	// returns nil and no error when the fleet keeps none that tlsbench
	// can read (a remote one), and an error when the servers stopped
	// answering.
	Counts(ctx context.Context) (*ServerCounts, error)

	// Fault injects a scenario's fault now. It fails for a fleet that
	// cannot be given one (only the testbed can; scenarios refuse faults
	// elsewhere).
	Fault(ctx context.Context, f scenarios.Fault) error

	// Stop stops the servers and removes what they left behind. It is
	// safe to call more than once and returns the first problem met.
	Stop() error
}

// ServerCounts are a fleet's own counts of the handshakes it served, per
// node, since the fleet started, as the servers recorded them: the
// testbed's counters, or the real servers' logs and statistics. Counters
// only grow; a phase's server side is the difference of the counts read
// at its start and at its end (see serverSide).
type ServerCounts struct {
	Nodes []NodeCounts `json:"nodes"`
}

// NodeCounts are one node's counts since the fleet started.
type NodeCounts struct {
	// Node is the node's index; Address its listen address.
	Node    int    `json:"node"`
	Address string `json:"address"`
	// Full12, Full13, Resumed12 and Resumed13 count completed handshakes
	// by kind and version.
	Full12    int64 `json:"full_tls12"`
	Full13    int64 `json:"full_tls13"`
	Resumed12 int64 `json:"resumed_tls12"`
	Resumed13 int64 `json:"resumed_tls13"`
	// Failed counts handshakes that failed on the server.
	Failed int64 `json:"failed"`
	// Fallbacks count the sessions the node was offered and did not
	// resume, by the server's reason. Nil when the servers do not say why
	// (real servers).
	Fallbacks map[tlsfleet.Fallback]int64 `json:"fallbacks,omitempty"`
	// Generation is the node's current ticket-key generation (the
	// testbed's; zero elsewhere).
	Generation int64 `json:"generation"`
}

// Full returns the node's completed full handshakes.
func (n NodeCounts) Full() int64 { return n.Full12 + n.Full13 }

// Resumed returns the node's completed resumed handshakes.
func (n NodeCounts) Resumed() int64 { return n.Resumed12 + n.Resumed13 }

// serverSide returns what the servers counted between two reads, per node
// and in all, or nil when either read is missing.
func serverSide(before, after *ServerCounts) *results.Server {
	if before == nil || after == nil {
		return nil
	}
	srv := &results.Server{}
	for i, nb := range after.Nodes {
		var na NodeCounts
		if i < len(before.Nodes) {
			na = before.Nodes[i]
		}
		nc := results.NodeCounts{
			Node:          nb.Node,
			Address:       nb.Address,
			Full:          nb.Full() - na.Full(),
			Resumed:       nb.Resumed() - na.Resumed(),
			Failed:        nb.Failed - na.Failed,
			TLS12:         (nb.Full12 + nb.Resumed12) - (na.Full12 + na.Resumed12),
			TLS13:         (nb.Full13 + nb.Resumed13) - (na.Full13 + na.Resumed13),
			KeyGeneration: nb.Generation,
		}
		if nb.Fallbacks != nil {
			nc.Fallbacks = map[string]int64{}
			if srv.Fallbacks == nil {
				srv.Fallbacks = map[string]int64{}
			}
			for reason, n := range nb.Fallbacks {
				d := n - na.Fallbacks[reason]
				nc.Fallbacks[string(reason)] = d
				srv.Fallbacks[string(reason)] += d
			}
		}
		srv.Full += nc.Full
		srv.Resumed += nc.Resumed
		srv.Failed += nc.Failed
		srv.Nodes = append(srv.Nodes, nc)
	}
	srv.Handshakes = srv.Full + srv.Resumed
	return srv
}

// Placement is where the servers that bench starts listen, how their
// processes are started, and how tlsbench reaches them. Its zero value is
// loopback, as every run without a network lab has it: node i on
// 127.0.0.(i+2) on a free port, the HAProxy balancer on 127.0.1.1,
// processes started as they are, and connections made from this process's
// own network namespace. A network lab fills it to put the nodes in its
// server namespace and to create the generator's sockets in its generator
// namespace. A remote fleet uses only Dial.
type Placement struct {
	// NodeHost returns node i's listen IP address. Nil: 127.0.0.(i+2).
	NodeHost func(i int) string

	// FrontHost is the balancer's listen IP address (topology.balancer
	// haproxy). Empty: 127.0.1.1.
	FrontHost string

	// Port is every node's listen port. Zero: a free port each (the
	// testbed child binds port 0; the real servers' ports are found by
	// listening on their hosts from this process, which therefore must
	// have them among its addresses).
	Port int

	// Command returns the command line that runs a server process's argv:
	// the testbed child, or an nginx, HAProxy or openssl node. The process
	// it starts must be the server itself (an exec, not a fork), since its
	// PID gives the server's CPU time. Nil: argv as it is.
	Command func(argv []string) []string

	// Dial makes every TCP connection tlsbench makes to the servers: the
	// generator's (loadgen.Config.Dial), the waits for real servers to
	// accept, and the reads of s_server's statistics. It is given a
	// dialer whose timeout (and, for the generator, source address) is
	// set. Nil: d.DialContext(ctx, "tcp", address).
	Dial func(ctx context.Context, d *net.Dialer, address string) (net.Conn, error)
}

// host returns node i's listen IP address.
func (p Placement) host(i int) string {
	if p.NodeHost != nil {
		return p.NodeHost(i)
	}
	return fmt.Sprintf("127.0.0.%d", i+2)
}

// command returns the command line that runs argv.
func (p Placement) command(argv []string) []string {
	if p.Command != nil {
		return p.Command(argv)
	}
	return argv
}

// startFleet starts the fleet s's scenario names, placed by place.
func startFleet(ctx context.Context, s *setup, place Placement, opts Options) (Fleet, error) {
	switch {
	case !s.sc.Target.Embedded():
		return newRemote(ctx, s, opts)
	case s.sc.Server.Real():
		return startReal(ctx, s, place)
	}
	return startTestbed(ctx, s, place, opts)
}

// testbedFleet is the embedded testbed, in a child process.
type testbedFleet struct {
	proc   *testbed.Process
	target results.Target
	roots  *x509.CertPool
}

// startTestbed starts the testbed child with s's topology.
func startTestbed(ctx context.Context, s *setup, place Placement, opts Options) (*testbedFleet, error) {
	argv := opts.TestbedCommand
	if len(argv) == 0 {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("bench: find own executable for the testbed: %w", err)
		}
		argv = []string{exe, "testbed"}
	}
	sc := s.sc
	topo := sc.Topology
	tcfg := testbed.Config{
		CertFile:         s.certs.CertFile,
		KeyFile:          s.certs.KeyFile,
		Store:            tlsfleet.Tickets,
		TicketKeys:       topo.TicketKeys,
		SharedCache:      topo.SessionCache == tlsfleet.Shared,
		RotateEvery:      time.Duration(topo.RotateKeysEvery),
		RotationOverlap:  time.Duration(topo.RotationOverlap),
		RotationStagger:  topo.RotationStagger,
		SessionLifetime:  time.Duration(topo.SessionLifetime),
		HandshakeTimeout: time.Duration(sc.Timeouts.Handshake) + time.Duration(sc.Timeouts.IO),
	}
	for _, g := range sc.TLS.ServerGroups {
		id, ok := g.ID()
		if !ok {
			return nil, fmt.Errorf("bench: unknown group %q", g)
		}
		tcfg.CurvePreferences = append(tcfg.CurvePreferences, id)
	}
	if s.client != nil {
		tcfg.ClientCAFile = s.client.caFile
	}
	if sc.TLS.ECH {
		tcfg.ECHPublicName = ECHPublicName
	}
	store := "stateless tickets (crypto/tls EncryptTicket), " + string(topo.TicketKeys) + " ticket keys"
	if topo.Nodes == 1 {
		store = "stateless tickets (crypto/tls EncryptTicket) under the node's ticket key" // per-node or shared is the same on one node
	}
	if topo.TicketKeys == tlsfleet.Off {
		store = "no tickets: the servers issue none"
	}
	if topo.RotateKeysEvery > 0 {
		store += fmt.Sprintf(", rotated every %s (overlap %s, staggered %v)", topo.RotateKeysEvery, topo.RotationOverlap, topo.RotationStagger)
	}
	if sc.Resumption == scenarios.ResumeCache {
		tcfg.Store = tlsfleet.Cache
		scope := "(" + string(topo.SessionCache) + ")"
		if topo.Nodes == 1 {
			scope = "(the node's)"
		}
		store = "server-side session cache " + scope +
			": Go stateful tickets via WrapSession/UnwrapSession; the ticket field carries a 16-byte handle"
	}
	for i := range topo.Nodes {
		tcfg.Addresses = append(tcfg.Addresses, net.JoinHostPort(place.host(i), strconv.Itoa(place.Port)))
	}
	proc, err := testbed.Start(ctx, place.command(argv), tcfg)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	if sc.TLS.ECH {
		if s.ech, err = parseECHConfigList(proc.ECHConfigList); err != nil {
			proc.Stop()
			return nil, fmt.Errorf("bench: the testbed's ECH config list: %w", err)
		}
		s.ech.source = "the testbed's config list, of one X25519 HPKE key made in the testbed process for the run,"
	}
	return &testbedFleet{
		proc:  proc,
		roots: s.roots,
		target: results.Target{
			Kind:         string(tlsfleet.Embedded),
			Server:       "tlsbench testbed (Go " + runtime.Version() + " crypto/tls), own process",
			Addresses:    proc.Addresses,
			ServerName:   s.name,
			SessionStore: store,
		},
	}, nil
}

func (f *testbedFleet) Target() results.Target { return f.target }
func (f *testbedFleet) Roots() *x509.CertPool  { return f.roots }
func (f *testbedFleet) Epoch() time.Time       { return f.proc.Epoch }
func (f *testbedFleet) PIDs() []int            { return []int{f.proc.Pid()} }
func (f *testbedFleet) Stop() error            { return f.proc.Stop() }

func (f *testbedFleet) Counts(ctx context.Context) (*ServerCounts, error) {
	st, err := f.proc.Stats(ctx)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	out := &ServerCounts{}
	for _, n := range st.Nodes {
		out.Nodes = append(out.Nodes, NodeCounts{
			Node: n.Node, Address: n.Address,
			Full12: n.Full12, Full13: n.Full13, Resumed12: n.Resumed12, Resumed13: n.Resumed13,
			Failed: n.Failed, Fallbacks: n.Fallbacks.Reasons(), Generation: n.Generation,
		})
	}
	return out, nil
}

func (f *testbedFleet) Fault(ctx context.Context, fault scenarios.Fault) error {
	if fault.Action == scenarios.FaultKillTestbed {
		return f.proc.Kill()
	}
	return f.proc.Fault(ctx, string(fault.Action), fault.Node)
}

func (f *remoteFleet) Target() results.Target { return f.target }
func (f *remoteFleet) Roots() *x509.CertPool  { return f.roots }
func (f *remoteFleet) Epoch() time.Time       { return time.Time{} }
func (f *remoteFleet) PIDs() []int            { return nil }
func (f *remoteFleet) Stop() error            { return nil }

func (f *remoteFleet) Counts(context.Context) (*ServerCounts, error) { return nil, nil }

func (f *remoteFleet) Fault(context.Context, scenarios.Fault) error {
	return errors.New("bench: faults are injected into the embedded testbed, not into a remote server")
}
