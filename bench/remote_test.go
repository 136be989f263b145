package bench_test

import (
	"context"
	"fmt"
	"math"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/tlsbench/tlsbench/bench"
	"github.com/tlsbench/tlsbench/bench/realserver"
	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/scenarios"
	"github.com/tlsbench/tlsbench/scenarios/tlsfleet"
)

// startNginxFleet starts three nginx nodes on 127.0.0.2-4 that tlsbench
// does not know about (a remote fleet), with per-node or shared ticket
// keys, on port (0: a free port each).
func startNginxFleet(t *testing.T, keys tlsfleet.Scope, port int) (*realserver.Fleet, bench.CertSet) {
	t.Helper()
	needServers(t, realserver.Nginx)
	certs, err := bench.EnsureCerts(certDir, scenarios.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	f, err := realserver.Start(context.Background(), realserver.Config{
		Kind: realserver.Nginx, Hosts: []string{"127.0.0.2", "127.0.0.3", "127.0.0.4"}, Port: port,
		CertFile: certs.CertFile, KeyFile: certs.KeyFile, TicketKeys: keys, SessionCache: tlsfleet.Off,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Stop() })
	return f, certs
}

// remotePhases: 60 clients, a warm-up that visits each once, then random
// visits.
const remotePhases = `
resumption: tickets
clients: {count: 60, concurrency: 4}
phases:
  - {name: warmup, count: 60, record: false}
  - {name: measure, count: 900}
timeouts: {connect: 5s, handshake: 5s, io: 5s}
`

// TestRemoteFleet measures three nginx nodes that tlsbench did not start,
// named by target.addresses, as a fleet: the generator balances over the
// addresses at random; with per-node keys about 1/3 of the visits resume
// (each only at the address that issued it), with a shared key nearly all;
// the per-address counts, the issuer × server matrix by address and the
// prediction are there as for nodes tlsbench starts. nginx's own logs
// count what the client counted.
func TestRemoteFleet(t *testing.T) {
	tests := []struct {
		keys  tlsfleet.Scope
		third bool
	}{
		{tlsfleet.PerNode, true},
		{tlsfleet.Shared, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.keys), func(t *testing.T) {
			fleet, certs := startNginxFleet(t, tt.keys, 0)
			before, err := fleet.Counts(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			yaml := fmt.Sprintf("target: {addresses: [\"%s\"], server_name: %s, ca_file: %s}\ntopology: {balance: random, ticket_keys: %s}\n%s",
				strings.Join(fleet.Addresses, `", "`), bench.ServerName, certs.CAFile, tt.keys, remotePhases)
			run, err := bench.Run(context.Background(), scenario(t, yaml), options(t))
			if err != nil {
				t.Fatal(err)
			}
			m := run.Phases[1]
			if run.Target.Kind != "remote" || !slices.Equal(run.Target.Addresses, fleet.Addresses) || run.Labels.Topology.Nodes != 3 {
				t.Fatalf("target %+v, labels %+v: want the three addresses as a remote fleet", run.Target, run.Labels.Topology)
			}
			if m.Handshakes.Failed != 0 || m.Handshakes.Completed() != 900 {
				t.Fatalf("handshakes %+v, errors %v", m.Handshakes, m.ErrorDetails)
			}
			got := share(m)
			t.Logf("%s keys: resumed %d of %d (%.1f %%), predicted %.1f %%; matrix by address %v; nodes %v",
				tt.keys, m.Handshakes.Resumed, m.Handshakes.Completed(), 100*got, 100*m.Prediction.ResumedShare, m.Matrix, run.Target.Addresses)
			if tt.third {
				n := float64(m.Handshakes.Completed())
				sd := math.Sqrt((1.0 / 3) * (2.0 / 3) / n)
				if lo, hi := 1.0/3-4*sd, 1.0/3+4*sd; got < lo || got > hi {
					t.Errorf("resumed %.3f, want about 1/3 (%.3f..%.3f)", got, lo, hi)
				}
			} else if got < 0.99 {
				t.Errorf("resumed %.3f, want at least 99 %% with a shared key", got)
			}
			if len(m.Matrix) != 3 || len(m.Nodes) != 3 {
				t.Fatalf("matrix %v, nodes %+v: want 3 × 3 and 3 addresses", m.Matrix, m.Nodes)
			}
			var offDiagonal int64
			for i, row := range m.Matrix {
				for j, c := range row {
					if i != j {
						offDiagonal += c.Resumed
					}
				}
			}
			if tt.third && offDiagonal != 0 {
				t.Errorf("%d sessions resumed at another address than the one that issued them, with per-node keys", offDiagonal)
			}
			if !tt.third && offDiagonal == 0 {
				t.Error("with a shared key no session resumed at another address")
			}
			for i, n := range m.Nodes {
				if n.Address != fleet.Addresses[i] || n.Completed == 0 {
					t.Errorf("node %d: %+v, want %s with handshakes", i, n, fleet.Addresses[i])
				}
			}
			if p := m.Prediction; p == nil || math.Abs(p.ResumedShare-p.MeasuredShare) > p.Tolerance {
				t.Errorf("prediction %+v: want one, agreeing", p)
			}
			for _, w := range run.Warnings {
				if w.Code == results.WarnPredictionMismatch {
					t.Errorf("warning: %s", w.Message)
				}
			}
			// nginx's own logs: every connection of both phases.
			after, err := fleet.Counts(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var full, resumed int64
			for i := range after {
				full += after[i].Full - before[i].Full
				resumed += after[i].Resumed - before[i].Resumed
			}
			if c := run.Phases[0].Handshakes.Completed() + m.Handshakes.Completed(); full+resumed != c || resumed != run.Phases[0].Handshakes.Resumed+m.Handshakes.Resumed {
				t.Errorf("nginx logged %d full and %d resumed; the client completed %d", full, resumed, c)
			}
		})
	}
}

// TestRemoteFleetByName: a target name that resolves to several addresses
// is balanced over all of them (--resolve all, the default).
func TestRemoteFleetByName(t *testing.T) {
	port := commonFreePort(t, "127.0.0.2", "127.0.0.3", "127.0.0.4")
	startNginxFleet(t, tlsfleet.Shared, port)
	certs, err := bench.EnsureCerts(certDir, scenarios.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	lookup := func(_ context.Context, host string) ([]string, error) {
		if host != "fleet.test" {
			return nil, fmt.Errorf("no such host %s", host)
		}
		return []string{"127.0.0.4", "127.0.0.2", "127.0.0.3"}, nil
	}
	yaml := fmt.Sprintf("target: {address: fleet.test:%d, server_name: %s, ca_file: %s}\ntopology: {balance: round-robin, ticket_keys: shared}\n%s",
		port, bench.ServerName, certs.CAFile, remotePhases)
	opts := options(t)
	opts.LookupHost = lookup
	run, err := bench.Run(context.Background(), scenario(t, yaml), opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{fmt.Sprintf("127.0.0.2:%d", port), fmt.Sprintf("127.0.0.3:%d", port), fmt.Sprintf("127.0.0.4:%d", port)}
	m := run.Phases[1]
	if !slices.Equal(run.Target.Addresses, want) || run.Target.ResolvedFrom != "fleet.test" || len(m.Nodes) != 3 {
		t.Fatalf("addresses %v from %q, %d nodes; want %v from fleet.test", run.Target.Addresses, run.Target.ResolvedFrom, len(m.Nodes), want)
	}
	for _, n := range m.Nodes {
		if n.Completed != 300 {
			t.Errorf("node %s completed %d, want 300 (round-robin over 3)", n.Address, n.Completed)
		}
	}
	if share(m) < 0.99 || m.Prediction == nil {
		t.Errorf("resumed %.3f, prediction %+v: want ~100 %% with a shared key, predicted", share(m), m.Prediction)
	}
}

// commonFreePort returns a port that is free on every host.
func commonFreePort(t *testing.T, hosts ...string) int {
	t.Helper()
	for range 20 {
		ln, err := net.Listen("tcp", hosts[0]+":0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		ok := true
		for _, h := range hosts[1:] {
			l, err := net.Listen("tcp", fmt.Sprintf("%s:%d", h, port))
			if err != nil {
				ok = false
				break
			}
			l.Close()
		}
		if ok {
			return port
		}
	}
	t.Fatal("no port free on every host")
	return 0
}
