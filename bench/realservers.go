package bench

import (
	"context"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/tlsbench/tlsbench/bench/realserver"
	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/scenarios"
	"github.com/tlsbench/tlsbench/scenarios/tlsfleet"
)

// Real servers (scenario server: nginx, haproxy or openssl) are started by
// package realserver, one process per node on the Placement's hosts
// (127.0.0.2, 127.0.0.3, ... on loopback), with the scenario's topology
// turned into their configuration:
//
//   - topology.ticket_keys: per-node ticket-key files, one shared file, or
//     tickets off (nginx ssl_session_tickets off, HAProxy no-tls-tickets,
//     s_server -no_ticket);
//   - topology.session_cache: each node's own session cache, or none;
//   - topology.session_lifetime: nginx ssl_session_timeout, HAProxy
//     tune.ssl.lifetime;
//   - resumption cache (TLS 1.3 only) turns tickets off, so that OpenSSL
//     issues stateful tickets that refer to its session cache;
//   - topology.balancer haproxy puts an HAProxy in TCP mode in front of the
//     nodes, and the generator dials only its address.
//
// Their counts are read from the servers' own records at phase boundaries
// and stored like the testbed's (results.Phase.Server, per node); the
// servers do not say why they did not resume a session, so no fallback
// reasons are counted. Their CPU is that of their processes (the balancer's
// included).

// realFleet is real servers that bench started.
type realFleet struct {
	fleet  *realserver.Fleet
	target results.Target
	roots  *x509.CertPool
	// version is the one TLS version the clients offer, under which the
	// counts of a server that does not record versions are filed.
	version scenarios.Version
}

// startReal starts the real servers of s's scenario with s's certificate
// chain, placed by place.
func startReal(ctx context.Context, s *setup, place Placement) (*realFleet, error) {
	sc := s.sc
	topo := sc.Topology
	cfg := realserver.Config{
		Kind:           realserver.Kind(sc.Server),
		CertFile:       s.certs.CertFile,
		KeyFile:        s.certs.KeyFile,
		CAFile:         s.certs.CAFile,
		ServerName:     s.name,
		TicketKeys:     topo.TicketKeys,
		SessionCache:   topo.SessionCache,
		SessionTimeout: time.Duration(topo.SessionLifetime),
		Port:           place.Port,
		FrontHost:      place.FrontHost,
		Command:        place.Command,
		Dial:           place.Dial,
	}
	if s.client != nil {
		cfg.ClientCAFile = s.client.caFile
	}
	if sc.Resumption == scenarios.ResumeCache {
		// OpenSSL's stateful TLS 1.3 tickets: no ticket keys, a cache.
		cfg.TicketKeys = tlsfleet.Off
	}
	if topo.Balancer == scenarios.BalancerHAProxy {
		cfg.Balance = haproxyBalance(topo.Balance)
	}
	for i := range topo.Nodes {
		cfg.Hosts = append(cfg.Hosts, place.host(i))
	}
	fleet, err := realserver.Start(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	f := &realFleet{
		fleet:   fleet,
		roots:   s.roots,
		version: sc.TLS.Version,
		target: results.Target{
			Kind:         string(tlsfleet.Real),
			Server:       fleet.Server,
			Addresses:    fleet.Addresses,
			ServerName:   s.name,
			SessionStore: realStore(sc, cfg),
		},
	}
	if fleet.Front != "" {
		f.target.Addresses = []string{fleet.Front}
	}
	return f, nil
}

func (f *realFleet) Target() results.Target { return f.target }
func (f *realFleet) Roots() *x509.CertPool  { return f.roots }
func (f *realFleet) Epoch() time.Time       { return time.Time{} }
func (f *realFleet) PIDs() []int            { return f.fleet.PIDs() }
func (f *realFleet) Stop() error            { return f.fleet.Stop() }

func (f *realFleet) Fault(context.Context, scenarios.Fault) error {
	return fmt.Errorf("bench: faults are injected into the embedded testbed, not into %s nodes", f.target.Server)
}

// Counts reads the servers' own counts. Counts whose version the server
// did not record (s_server) are put under the one version the clients
// offer. The servers do not say why they refused a session: no fallback
// reasons.
func (f *realFleet) Counts(ctx context.Context) (*ServerCounts, error) {
	cs, err := f.fleet.Counts(ctx)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	out := &ServerCounts{}
	for _, c := range cs {
		n := NodeCounts{Node: c.Node, Address: c.Address, Failed: c.Failed}
		switch {
		case c.VersionsKnown:
			n.Full12, n.Full13, n.Resumed12, n.Resumed13 = c.Full12, c.Full13, c.Resumed12, c.Resumed13
		case f.version == scenarios.TLS12:
			n.Full12, n.Resumed12 = c.Full, c.Resumed
		default:
			n.Full13, n.Resumed13 = c.Full, c.Resumed
		}
		out.Nodes = append(out.Nodes, n)
	}
	return out, nil
}

// haproxyBalance names a balance policy in HAProxy's words.
func haproxyBalance(b scenarios.Balance) string {
	switch b {
	case scenarios.Random:
		return "random"
	case scenarios.LeastConn:
		return "leastconn"
	case scenarios.Source:
		return "source"
	}
	return "roundrobin"
}

// realStore says in words where the real servers keep resumption state.
func realStore(sc *scenarios.Scenario, cfg realserver.Config) string {
	var s string
	switch cfg.TicketKeys {
	case tlsfleet.Off:
		s = "no session tickets"
	case tlsfleet.Shared:
		s = "session tickets under one key file shared by every node"
	default:
		s = "session tickets under a key of each node's own"
	}
	if cfg.Kind == realserver.OpenSSL && cfg.TicketKeys != tlsfleet.Off {
		s = "session tickets under each s_server's own random key"
	}
	switch cfg.SessionCache {
	case tlsfleet.Off:
		s += "; no session cache"
	default:
		s += "; a session cache per node (TLS 1.2 session IDs"
		if cfg.TicketKeys == tlsfleet.Off {
			s += ", TLS 1.3 stateful tickets"
		}
		s += ")"
	}
	if cfg.Balance != "" {
		s += "; nodes behind HAProxy (TCP mode, balance " + cfg.Balance + ")"
	}
	if sc.Resumption == scenarios.ResumeIDs {
		s += "; clients offer session IDs only (uTLS engine), no tickets"
	}
	return s
}
