package bench_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tlsbench/tlsbench/bench"
	"github.com/tlsbench/tlsbench/bench/realserver"
	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/scenarios"
)

// The acceptance tests of the network lab in runs (issue 12): latencies in
// round trips at 40 ms RTT, a first flight past the initial window, a
// HelloRetryRequest, loss, nginx behind the link. They need root and
// /dev/net/tun, and skip, saying which is missing, without them. Phases
// are short and counted, and every check is on medians or counts, not on
// fine timing: the machine is shared.

// needLab skips the test when the lab cannot be built here.
func needLab(t *testing.T) {
	t.Helper()
	if err := bench.LabPreflight(); err != nil {
		t.Skipf("skipped: %v", err)
	}
}

const rttUS = 40000.0

// labPhases: a warm-up that reaches every client twice, then a measured
// phase of counted connections.
const labPhases = `
clients: {count: 16, concurrency: 4}
phases:
  - {name: warmup, count: 32, record: false}
  - {name: measure, count: 48}
`

// runLab runs a scenario with a network block and returns the run and its
// measured phase; it fails the test on an error, a failed handshake, or
// server counts that disagree with the client's.
func runLab(t *testing.T, yaml string) (*results.Run, results.Phase) {
	t.Helper()
	run, err := bench.Run(context.Background(), scenario(t, yaml), options(t))
	if err != nil {
		t.Fatal(err)
	}
	m := run.Phases[len(run.Phases)-1]
	if m.Handshakes.Failed != 0 {
		t.Fatalf("%d handshakes failed: %v %v", m.Handshakes.Failed, m.Errors, m.ErrorDetails)
	}
	if s := m.Server; s == nil || s.Handshakes != m.Handshakes.Completed() || s.Resumed != m.Handshakes.Resumed {
		t.Errorf("server counted %+v, client %+v", s, m.Handshakes)
	}
	if run.Network == nil || m.Link == nil || run.Labels.Network == nil {
		t.Fatalf("no network in the result: %+v, %+v, %+v", run.Network, m.Link, run.Labels.Network)
	}
	if m.Link.ToServer.Packets == 0 || m.Link.ToClient.Packets == 0 {
		t.Errorf("the link forwarded nothing: %+v", m.Link)
	}
	return run, m
}

// inRTTs returns a latency in µs in round-trip times of 40 ms.
func inRTTs(us float64) float64 { return us / rttUS }

func roundTrips(k results.Kind) string {
	if k.RoundTrips == nil {
		return "none"
	}
	return fmt.Sprint(*k.RoundTrips)
}

func warned(run *results.Run, code results.WarningCode) bool {
	for _, w := range run.Warnings {
		if w.Code == code {
			return true
		}
	}
	return false
}

// TestLabRoundTrips: at 40 ms RTT, with ECDSA P-256, a TCP connect takes
// 1.0-1.3 RTT; a handshake 1.0-1.3 RTT for TLS 1.3 full, TLS 1.2 resumed
// and TLS 1.3 resumed, and 2.0-2.3 RTT for TLS 1.2 full; and the client
// counts 1, 1, 1 and 2 round trips.
func TestLabRoundTrips(t *testing.T) {
	needLab(t)
	tests := []struct {
		version, resumption string
		resumed             bool
		lo, hi              float64
		trips               int
	}{
		{"1.3", "none", false, 1.0, 1.3, 1},
		{"1.2", "tickets", true, 1.0, 1.3, 1},
		{"1.3", "tickets", true, 1.0, 1.3, 1},
		{"1.2", "none", false, 2.0, 2.3, 2},
	}
	for _, tt := range tests {
		t.Run("tls"+tt.version+"/"+tt.resumption, func(t *testing.T) {
			run, m := runLab(t, fmt.Sprintf("tls: {version: %q, key: ecdsa-p256, groups: [x25519, p256]}\nresumption: %s\nnetwork: {rtt: 40ms}\n%s", tt.version, tt.resumption, labPhases))
			k := m.Kinds.Full
			if tt.resumed {
				k = m.Kinds.Resumed
				if m.Handshakes.Resumed != m.Handshakes.Completed() {
					t.Errorf("resumed %d of %d", m.Handshakes.Resumed, m.Handshakes.Completed())
				}
			}
			connect, hs := inRTTs(m.LatencyUS.Connect.P50), inRTTs(k.LatencyUS.Handshake.P50)
			t.Logf("connect p50 %.3f RTT, handshake p50 %.3f RTT, %s round trips; link: %d/%d packets, late p99 ≤ %.0f/%.0f µs",
				connect, hs, roundTrips(k), m.Link.ToServer.Packets, m.Link.ToClient.Packets, m.Link.ToServer.Late.P99US, m.Link.ToClient.Late.P99US)
			if connect < 1.0 || connect > 1.3 {
				t.Errorf("connect p50 %.3f RTT, want 1.0..1.3", connect)
			}
			if hs < tt.lo || hs > tt.hi {
				t.Errorf("handshake p50 %.3f RTT, want %.1f..%.1f", hs, tt.lo, tt.hi)
			}
			if k.RoundTrips == nil || *k.RoundTrips != tt.trips {
				t.Errorf("round trips %s (%v), want %d", roundTrips(k), k.RoundTripCounts, tt.trips)
			}
			if r, ok := m.RTTs(k.LatencyUS.Handshake.P50); !ok || r != hs {
				t.Errorf("Phase.RTTs = %.3f, %v; want %.3f", r, ok, hs)
			}
			if got := run.Labels.Network.RTT; got != "40ms" {
				t.Errorf("labels: network.rtt %q, want 40ms", got)
			}
			if warned(run, results.WarnFirstFlightExceedsInitCwnd) {
				t.Errorf("warned %s for a chain of two ECDSA certificates", results.WarnFirstFlightExceedsInitCwnd)
			}
		})
	}
}

// TestLabFirstFlight: the same chain (ECDSA, 8 intermediates, about 5 KB
// of first flight) from a server whose initial window holds it (10
// segments) and from one whose window does not (2 segments, 2896 bytes):
// the second takes about one RTT more, though TLS counts 1 round trip in
// both, and only it warns first_flight_exceeds_initcwnd, with the extra
// round trip in its message.
func TestLabFirstFlight(t *testing.T) {
	needLab(t)
	const chain = "tls: {version: \"1.3\", key: ecdsa-p256, groups: [x25519], chain: {intermediates: 8}}\nresumption: none\n"
	fitRun, fit := runLab(t, chain+"network: {rtt: 40ms}\n"+labPhases)
	passRun, pass := runLab(t, chain+"network: {rtt: 40ms, initcwnd: 2}\n"+labPhases)
	ff := fit.Kinds.Full.FirstFlightBytes
	window := passRun.Network.InitialWindowBytes
	if ff == nil || ff.P50 <= float64(window) || ff.P50 > float64(fitRun.Network.InitialWindowBytes) {
		t.Fatalf("first flight %+v: want more than %d and at most %d bytes", ff, window, fitRun.Network.InitialWindowBytes)
	}
	a, b := inRTTs(fit.Kinds.Full.LatencyUS.Handshake.P50), inRTTs(pass.Kinds.Full.LatencyUS.Handshake.P50)
	t.Logf("first flight %.0f bytes; handshake p50 %.3f RTT with initcwnd 10, %.3f RTT with initcwnd 2", ff.P50, a, b)
	if d := b - a; d < 0.8 || d > 1.3 {
		t.Errorf("the flight past the window took %.3f RTT more, want about 1", d)
	}
	for _, k := range []results.Kind{fit.Kinds.Full, pass.Kinds.Full} {
		if k.RoundTrips == nil || *k.RoundTrips != 1 {
			t.Errorf("round trips %s, want 1 (TLS does not count the TCP round trip)", roundTrips(k))
		}
	}
	if warned(fitRun, results.WarnFirstFlightExceedsInitCwnd) {
		t.Errorf("the chain that fits warned %s", results.WarnFirstFlightExceedsInitCwnd)
	}
	var msg string
	for _, w := range passRun.Warnings {
		if w.Code == results.WarnFirstFlightExceedsInitCwnd {
			msg = w.Message
		}
	}
	if !strings.Contains(msg, "2 × 1448 = 2896 bytes") || !strings.Contains(msg, "1 more round trip (40ms") {
		t.Errorf("warning %s: %q, want the window and the extra round trip in it", results.WarnFirstFlightExceedsInitCwnd, msg)
	}
}

// TestLabHelloRetry: a testbed that prefers p256 answers clients whose
// key share is x25519 with a HelloRetryRequest: the TLS 1.3 full
// handshake takes 2 round trips (2.0-2.3 RTT) instead of 1, and every one
// is counted in hello_retry.
func TestLabHelloRetry(t *testing.T) {
	needLab(t)
	_, m := runLab(t, "tls: {version: \"1.3\", key: ecdsa-p256, groups: [x25519, p256], server_groups: [p256]}\nresumption: none\nnetwork: {rtt: 40ms}\n"+labPhases)
	k := m.Kinds.Full
	hs := inRTTs(k.LatencyUS.Handshake.P50)
	t.Logf("handshake p50 %.3f RTT, %s round trips, %d of %d with a HelloRetryRequest", hs, roundTrips(k), m.Handshakes.HelloRetry, m.Handshakes.Completed())
	if hs < 2.0 || hs > 2.3 {
		t.Errorf("handshake p50 %.3f RTT, want 2.0..2.3", hs)
	}
	if k.RoundTrips == nil || *k.RoundTrips != 2 {
		t.Errorf("round trips %s, want 2", roundTrips(k))
	}
	if m.Handshakes.HelloRetry != m.Handshakes.Completed() {
		t.Errorf("hello_retry %d, want every one of %d", m.Handshakes.HelloRetry, m.Handshakes.Completed())
	}
	for _, n := range m.Negotiated {
		if n.Group != "p256" {
			t.Errorf("negotiated %+v, want p256", n)
		}
	}
}

// TestLabLoss: at 40 ms RTT and 5 % loss each way, full handshakes recover
// by TCP's retransmissions: the tail of the handshake latency is far above
// a lossless run's, lost SYNs show as connects of about 1 s (the initial
// SYN retransmission timeout), and no connection fails, so that nothing is
// blamed on the server.
func TestLabLoss(t *testing.T) {
	needLab(t)
	const base = "tls: {version: \"1.3\", key: ecdsa-p256, groups: [x25519]}\nresumption: none\ntimeouts: {connect: 30s, handshake: 30s, io: 30s}\n" +
		"clients: {count: 32, concurrency: 16}\nphases: [{name: warmup, count: 16, record: false}, {name: measure, count: 200}]\n"
	_, clean := runLab(t, base+"network: {rtt: 40ms}\n")
	run, lossy := runLab(t, base+"network: {rtt: 40ms, loss: 5%}\n")
	c, l := clean.Kinds.Full.LatencyUS.Handshake, lossy.Kinds.Full.LatencyUS.Handshake
	t.Logf("handshake p50/p99/max: lossless %.0f/%.0f/%.0f µs, 5 %% loss %.0f/%.0f/%.0f µs; connect p99/max with loss %.0f/%.0f µs; lost %d and %d packets",
		c.P50, c.P99, c.Max, l.P50, l.P99, l.Max, lossy.LatencyUS.Connect.P99, lossy.LatencyUS.Connect.Max, lossy.Link.ToServer.LossDrops, lossy.Link.ToClient.LossDrops)
	if l.P99 < c.P99+150000 {
		t.Errorf("handshake p99 %.0f µs with loss, want far above the lossless %.0f µs (a retransmission waits 200 ms or more)", l.P99, c.P99)
	}
	if inRTTs(l.P50) > 1.3 {
		t.Errorf("handshake p50 %.3f RTT with loss: most handshakes lose nothing and should take 1", inRTTs(l.P50))
	}
	if cp := lossy.LatencyUS.Connect.P99; cp < 1e6 {
		t.Errorf("connect p99 %.0f µs, want at least 1 s: among 200 connects some lose their SYN or SYN-ACK and retransmit it after 1 s", cp)
	}
	if cp := inRTTs(lossy.LatencyUS.Connect.P50); cp > 1.3 {
		t.Errorf("connect p50 %.3f RTT with loss, want most connects to take 1", cp)
	}
	if lossy.Link.ToServer.LossDrops == 0 || lossy.Link.ToClient.LossDrops == 0 {
		t.Errorf("the link lost nothing: %+v", lossy.Link)
	}
	if len(lossy.Errors) != 0 || warned(run, results.WarnNodeFailed) || warned(run, results.WarnErrors) || warned(run, results.WarnCountsDisagree) {
		t.Errorf("loss counted as failures: errors %v, warnings %v", lossy.Errors, results.Codes(run.Warnings))
	}
}

// TestLabNginx: nginx in the server namespace behind a 40 ms link, TLS 1.3
// tickets: the handshakes take their round trip, and the client's and
// nginx's own log's resumption counts agree, as on loopback.
func TestLabNginx(t *testing.T) {
	needLab(t)
	needServers(t, realserver.Nginx)
	run, m := runLab(t, "server: nginx\ntls: {version: \"1.3\", key: ecdsa-p256}\nresumption: tickets\nnetwork: {rtt: 40ms}\n"+labPhases)
	if got := share(m); got < 0.99 {
		t.Errorf("resumed %d of %d, want at least 99 %%", m.Handshakes.Resumed, m.Handshakes.Completed())
	}
	if !strings.HasPrefix(run.Target.Addresses[0], "198.19.0.2:") {
		t.Errorf("nginx listened on %v, want the lab's server address", run.Target.Addresses)
	}
	if hs := inRTTs(m.Kinds.Resumed.LatencyUS.Handshake.P50); hs < 1.0 || hs > 1.3 {
		t.Errorf("resumed handshake p50 %.3f RTT, want 1.0..1.3", hs)
	}
}

// TestPlanNetwork: a network.rtt list becomes one job per value, in order,
// each named name@rtt and holding its one RTT; --target with a network
// block is refused, since a remote target has a real network already.
func TestPlanNetwork(t *testing.T) {
	sc := scenario(t, "network: {rtt: [0s, 10ms, 150ms]}\n")
	jobs, err := bench.Plan([]*scenarios.Scenario{sc, scenario(t, "network: {rtt: 40ms}\n")}, bench.Overrides{}, 2)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, j := range jobs {
		got = append(got, fmt.Sprintf("%d:%s:%v:%d", j.Index, j.Label, j.Scenario.Network.RTT, j.Repeat))
	}
	name := sc.Name
	want := []string{
		"0:" + name + "@0s:[0s]:1", "1:" + name + "@10ms:[10ms]:1", "2:" + name + "@150ms:[150ms]:1", "3::[40ms]:1",
		"0:" + name + "@0s:[0s]:2", "1:" + name + "@10ms:[10ms]:2", "2:" + name + "@150ms:[150ms]:2", "3::[40ms]:2",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("jobs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(sc.Network.RTT) != 3 {
		t.Errorf("Plan changed the scenario: rtt %v", sc.Network.RTT)
	}
	_, err = bench.Plan([]*scenarios.Scenario{sc}, bench.Overrides{Target: "192.0.2.1:443"}, 1)
	if err == nil || !strings.Contains(err.Error(), "network: --target sends the load to a server that already has a real network") {
		t.Errorf("--target with a network block: %v, want it refused", err)
	}
}

// TestLabRealServerProbes: behind a 20 ms link, the connections tlsbench
// makes to real servers itself cross the link too: s_server's statistics
// probe (its counts agree with the client's), and HAProxy's front in the
// server namespace in front of two nginx nodes (the nodes' logs count
// every handshake the clients made through it).
func TestLabRealServerProbes(t *testing.T) {
	needLab(t)
	tests := []struct {
		name  string
		kinds []realserver.Kind
		yaml  string
	}{
		{"openssl", []realserver.Kind{realserver.OpenSSL}, "server: openssl\nclients: {count: 4, concurrency: 1}\n"},
		{"haproxy front", []realserver.Kind{realserver.Nginx, realserver.HAProxy}, "server: nginx\ntopology: {nodes: 2, balancer: haproxy, balance: round-robin}\nclients: {count: 8, concurrency: 2}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			needServers(t, tt.kinds...)
			run, m := runLab(t, tt.yaml+"tls: {version: \"1.3\", key: ecdsa-p256}\nresumption: tickets\nnetwork: {rtt: 20ms}\nphases: [{name: warmup, count: 8, record: false}, {name: measure, count: 24}]\n")
			for _, a := range run.Target.Addresses {
				if !strings.HasPrefix(a, "198.19.0.") {
					t.Errorf("the clients dialled %s, want a lab address", a)
				}
			}
			if hs := m.LatencyUS.Handshake.P50 / 20000; hs < 1.0 {
				t.Errorf("handshake p50 %.2f RTT: the connections did not cross the link", hs)
			}
		})
	}
}
