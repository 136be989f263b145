package bench_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/tlsbench/tlsbench/bench"
	"github.com/tlsbench/tlsbench/bench/realserver"
	"github.com/tlsbench/tlsbench/results"
)

// needServers skips the test when a server program is missing, naming it.
func needServers(t *testing.T, kinds ...realserver.Kind) {
	t.Helper()
	for _, k := range kinds {
		if err := realserver.Available(k); err != nil {
			t.Skipf("%v; .ci/run installs it", err)
		}
	}
}

// realPhases: 30 clients; the warm-up visits each once.
const realPhases = `
clients: {count: 30, concurrency: 3}
phases:
  - {name: warmup, count: 30, record: false}
  - {name: measure, count: 600}
timeouts: {connect: 5s, handshake: 5s, io: 5s}
`

// runReal runs a scenario on real servers and checks what every such run
// must show: no failure, and the servers' own logs agreeing with the
// client handshake for handshake.
func runReal(t *testing.T, yaml string) (*results.Run, results.Phase) {
	t.Helper()
	run, err := bench.Run(context.Background(), scenario(t, yaml), options(t))
	if err != nil {
		t.Fatal(err)
	}
	if run.Target.Kind != "real" {
		t.Errorf("target kind %q, want real", run.Target.Kind)
	}
	for _, p := range run.Phases {
		if p.Handshakes.Failed != 0 || len(p.Errors) != 0 {
			t.Fatalf("phase %s: %d handshakes failed: %v %+v", p.Name, p.Handshakes.Failed, p.Errors, p.ErrorDetails)
		}
		s := p.Server
		if s == nil || s.Handshakes != p.Handshakes.Completed() || s.Resumed != p.Handshakes.Resumed {
			t.Errorf("phase %s: client completed %d (resumed %d), server %+v", p.Name, p.Handshakes.Completed(), p.Handshakes.Resumed, s)
		}
	}
	for _, w := range run.Warnings {
		if w.Code == "counts_disagree" || w.Code == "server_unobservable" {
			t.Errorf("warning: %s: %s", w.Code, w.Message)
		}
	}
	if !run.Phases[1].CPU.ServerObserved {
		t.Error("the servers' CPU was not observed")
	}
	return run, run.Phases[1]
}

// TestRealSessionIDs: the session-ID engine resumes at least 99 % of the
// handshakes after the warm-up against each OpenSSL-based server with
// tickets off and a session cache, and the servers' own records agree
// (nginx's access log, HAProxy's log, s_server's cache statistics).
func TestRealSessionIDs(t *testing.T) {
	tests := []struct {
		kind realserver.Kind
		yaml string
	}{
		{realserver.Nginx, "server: nginx\n"},
		{realserver.HAProxy, "server: haproxy\n"},
		{realserver.OpenSSL, "server: openssl\n"},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			needServers(t, tt.kind)
			run, m := runReal(t, tt.yaml+`tls: {version: "1.2", key: ecdsa-p256}
resumption: ids
topology: {ticket_keys: off}
`+realPhases)
			if got := share(m); got < 0.99 {
				t.Errorf("resumed %d of %d (%.3f), want at least 99 %%", m.Handshakes.Resumed, m.Handshakes.Completed(), got)
			}
			if w := run.Phases[0]; w.Handshakes.Full != 30 || w.Handshakes.Offered != 0 {
				t.Errorf("warm-up %+v: want 30 full handshakes, nothing offered", w.Handshakes)
			}
			for _, n := range m.Negotiated {
				if n.Version != "TLS 1.2" {
					t.Errorf("negotiated %+v, want TLS 1.2", n)
				}
			}
			if !strings.Contains(run.Target.SessionStore, "session IDs only") {
				t.Errorf("session store %q does not say that clients offer session IDs", run.Target.SessionStore)
			}
		})
	}
}

// TestRealPresets: the AWS presets on 3 real nginx nodes behave as the
// seed documents' table says, by the client's count and by the nodes'
// own logs: CLB (session IDs per node) and ALB (tickets per node) resume
// about 1/3 of random visits, and only at the issuing node; NLB (one
// ticket key for every node) resumes nearly all.
func TestRealPresets(t *testing.T) {
	needServers(t, realserver.Nginx)
	tests := []struct {
		preset  string
		version string
		third   bool // about 1/3, else at least 99 %
	}{
		{"aws-clb", "1.2", true},
		{"aws-alb", "1.2", true},
		{"aws-nlb", "1.3", false},
	}
	for _, tt := range tests {
		t.Run(tt.preset, func(t *testing.T) {
			_, m := runReal(t, "server: nginx\ntls: {version: \""+tt.version+"\", key: ecdsa-p256}\ntopology: {preset: "+tt.preset+"}\n"+realPhases)
			got := share(m)
			if !tt.third {
				if got < 0.99 {
					t.Errorf("resumed %.3f, want at least 99 %%", got)
				}
				return
			}
			n := float64(m.Handshakes.Offered)
			sd := math.Sqrt((1.0 / 3) * (2.0 / 3) / n)
			if lo, hi := 1.0/3-4*sd, 1.0/3+4*sd; got < lo || got > hi {
				t.Errorf("resumed %.3f (%d of %d), want %.3f..%.3f", got, m.Handshakes.Resumed, m.Handshakes.Completed(), lo, hi)
			}
			// Per-node state: a session resumes only where it was issued.
			for i, row := range m.Matrix {
				for j, c := range row {
					if i != j && c.Resumed != 0 {
						t.Errorf("%d sessions from node %d resumed at node %d", c.Resumed, i, j)
					}
				}
			}
			// Every node served and resumed some, by its own log.
			for _, nc := range m.Server.Nodes {
				if nc.Full == 0 || nc.Resumed == 0 {
					t.Errorf("node %d logged %d full and %d resumed handshakes", nc.Node, nc.Full, nc.Resumed)
				}
			}
		})
	}
}

// TestHAProxyFront: a real HAProxy in TCP mode in front of 3 nginx nodes.
// balance source sends every connection (all from 127.0.0.1) to one node:
// about 100 % resumed. round-robin cycles over all connections: with 31
// clients taking turns one at a time, a client never returns to the node
// that issued its ticket, so per-node keys resume nothing and a shared key
// resumes nearly all.
func TestHAProxyFront(t *testing.T) {
	needServers(t, realserver.Nginx, realserver.HAProxy)
	const phases = `
clients: {count: 31, concurrency: 1}
phases:
  - {name: warmup, count: 31, record: false}
  - {name: measure, count: 310}
timeouts: {connect: 5s, handshake: 5s, io: 5s}
`
	tests := []struct {
		name, topo string
		min, max   float64
	}{
		{"source", "balance: source, ticket_keys: per-node", 0.99, 1},
		{"roundrobin per-node keys", "balance: round-robin, ticket_keys: per-node", 0, 0.01},
		{"roundrobin shared keys", "balance: round-robin, ticket_keys: shared", 0.99, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run, m := runReal(t, `server: nginx
tls: {version: "1.3", key: ecdsa-p256}
resumption: tickets
topology: {nodes: 3, balancer: haproxy, session_cache: off, `+tt.topo+"}\n"+phases)
			if got := share(m); got < tt.min || got > tt.max {
				t.Errorf("resumed %.3f (%d of %d), want %.2f..%.2f", got, m.Handshakes.Resumed, m.Handshakes.Completed(), tt.min, tt.max)
			}
			if len(run.Target.Addresses) != 1 || !strings.HasPrefix(run.Target.Addresses[0], realserver.DefaultFrontHost+":") {
				t.Errorf("the generator dialled %v, want HAProxy's one address", run.Target.Addresses)
			}
			busy := 0
			for _, nc := range m.Server.Nodes {
				if nc.Full+nc.Resumed > 0 {
					busy++
				}
			}
			if want := map[bool]int{true: 1, false: 3}[strings.HasPrefix(tt.name, "source")]; busy != want {
				t.Errorf("%d nodes served connections, want %d: %+v", busy, want, m.Server.Nodes)
			}
		})
	}
}

// TestRealStatefulTickets13: TLS 1.3 stateful tickets (nginx with tickets
// off and a session cache) resume at least 99 % after the warm-up, by the
// client's count and nginx's log. nginx waits for the client's
// close_notify after sending its own; a client that closes without one
// loses, now and then, the session it holds: OpenSSL takes the bare FIN
// for a close_notify, forgets that it sent its own, and SSL_free then drops
// the connection's last-issued session from the cache.
func TestRealStatefulTickets13(t *testing.T) {
	needServers(t, realserver.Nginx)
	run, m := runReal(t, `server: nginx
tls: {version: "1.3", key: ecdsa-p256, groups: [x25519]}
resumption: cache
`+realPhases)
	if got := share(m); got < 0.99 {
		t.Errorf("resumed %d of %d (%.3f), want at least 99 %%", m.Handshakes.Resumed, m.Handshakes.Completed(), got)
	}
	if !strings.Contains(run.Client.Close, "after sending close_notify") {
		t.Errorf("recorded close %q, want the client's close_notify", run.Client.Close)
	}
}
