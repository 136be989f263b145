package bench

import (
	"context"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/tlsbench/tlsbench/bench/realserver"
	"github.com/tlsbench/tlsbench/bench/testbed"
	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/scenarios"
)

// Real servers (scenario server: nginx, haproxy or openssl) are started by
// package realserver, one process per node on 127.0.0.2, 127.0.0.3, ...,
// with the scenario's topology turned into their configuration:
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

// startReal starts the real servers of sc with the certificate chain in
// certs, verified by pool under name.
func startReal(ctx context.Context, sc *scenarios.Scenario, certs CertSet, pool *x509.CertPool, name string, warns []results.Warning) (*servers, error) {
	topo := sc.Topology
	cfg := realserver.Config{
		Kind:           realserver.Kind(sc.Server),
		CertFile:       certs.CertFile,
		KeyFile:        certs.KeyFile,
		CAFile:         certs.CAFile,
		ServerName:     name,
		TicketKeys:     realserver.Scope(topo.TicketKeys),
		SessionCache:   realserver.Scope(topo.SessionCache),
		SessionTimeout: time.Duration(topo.SessionLifetime),
	}
	if sc.Resumption == scenarios.ResumeCache {
		// OpenSSL's stateful TLS 1.3 tickets: no ticket keys, a cache.
		cfg.TicketKeys = realserver.Off
	}
	if topo.Balancer == scenarios.BalancerHAProxy {
		cfg.Balance = haproxyBalance(topo.Balance)
	}
	for i := range topo.Nodes {
		cfg.Hosts = append(cfg.Hosts, fmt.Sprintf("127.0.0.%d", i+2))
	}
	fleet, err := realserver.Start(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	s := &servers{
		real:     fleet,
		roots:    pool,
		warnings: warns,
		version:  sc.TLS.Version,
		target: results.Target{
			Kind:         "real",
			Server:       fleet.Server,
			Addresses:    fleet.Addresses,
			ServerName:   name,
			SessionStore: realStore(sc, cfg),
		},
	}
	if fleet.Front != "" {
		s.target.Addresses = []string{fleet.Front}
	}
	return s, nil
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
	case realserver.Off:
		s = "no session tickets"
	case realserver.Shared:
		s = "session tickets under one key file shared by every node"
	default:
		s = "session tickets under a key of each node's own"
	}
	if cfg.Kind == realserver.OpenSSL && cfg.TicketKeys != realserver.Off {
		s = "session tickets under each s_server's own random key"
	}
	switch cfg.SessionCache {
	case realserver.Off:
		s += "; no session cache"
	default:
		s += "; a session cache per node (TLS 1.2 session IDs"
		if cfg.TicketKeys == realserver.Off {
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

// realStats reads the real servers' counts as testbed.Stats, so that a
// phase's server side is computed alike for both. Counts whose version the
// server did not record (s_server) are put under the one version the
// clients offer.
func realStats(ctx context.Context, f *realserver.Fleet, version scenarios.Version) (*testbed.Stats, error) {
	cs, err := f.Counts(ctx)
	if err != nil {
		return nil, err
	}
	st := &testbed.Stats{}
	for _, c := range cs {
		n := testbed.NodeStats{Node: c.Node, Address: c.Address, Failed: c.Failed}
		switch {
		case c.VersionsKnown:
			n.Full12, n.Full13, n.Resumed12, n.Resumed13 = c.Full12, c.Full13, c.Resumed12, c.Resumed13
		case version == scenarios.TLS12:
			n.Full12, n.Resumed12 = c.Full, c.Resumed
		default:
			n.Full13, n.Resumed13 = c.Full, c.Resumed
		}
		st.Nodes = append(st.Nodes, n)
	}
	return st, nil
}
