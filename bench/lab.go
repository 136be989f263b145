package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/tlsbench/tlsbench/bench/netlab"
	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/scenarios"
)

// A scenario's network block runs its servers behind a network lab
// (package bench/netlab): two network namespaces joined by the link
// process, which adds the round-trip time, jitter, loss and rate limit.
// bench builds the lab's netlab.Config from the block, starts the lab
// before the fleet, and places the fleet in it (labRun.placement):
//
//   - node i listens on the server side's address 198.19.0.(i+2), port
//     labPort; a balancer (topology.balancer haproxy) on the address after
//     the nodes';
//   - server processes (the testbed child, nginx, HAProxy, openssl
//     s_server) are started inside the server namespace by nsenter, which
//     execs them, so that their PIDs are the servers' own and their
//     parent-death signal still holds;
//   - every TCP connection tlsbench makes to a server (the generator's,
//     the real servers' readiness waits and s_server's statistics
//     probes) is dialled by the generator namespace's netlab.Dialer, so it
//     crosses the link. A connection dialled any other way would leave by
//     the machine's default route: none is.
//
// The lab wraps the fleet (labFleet): stopping the fleet stops its servers,
// then removes the lab. At every phase boundary the link's counters and
// its process's CPU are read beside the servers' (labRun.sample); the
// phase's share goes into results.Phase.Link. The lab runs on a context of
// its own, so that a Ctrl-C lets the connections in flight finish across
// the link before it goes.

// labPort is every node's port inside the server namespace, where nothing
// else listens.
const labPort = 443

// nsenter is the program that starts a server inside the server
// namespace (util-linux).
const nsenter = "nsenter"

// LabPreflight checks that this machine and user can build a network lab,
// without building one: netlab.Preflight (root or CAP_NET_ADMIN and
// CAP_SYS_ADMIN, /dev/net/tun, network namespaces) and nsenter (util-linux)
// to start servers inside it. Its error wraps netlab.ErrUnavailable and
// says what is missing and how to get it.
func LabPreflight() error {
	err := netlab.Preflight()
	if _, lerr := exec.LookPath(nsenter); lerr != nil {
		missing := fmt.Errorf("%w: nsenter is missing (apt-get install util-linux)", netlab.ErrUnavailable)
		if err == nil {
			return fmt.Errorf("bench: %w", missing)
		}
		err = fmt.Errorf("%w; nsenter is missing (apt-get install util-linux)", err)
	}
	return err
}

// CheckLab runs LabPreflight when one of jobs has a network block, and
// names the first such scenario in its error, so that a set of runs that
// cannot have its lab is refused before anything starts. It returns nil
// when no job needs a lab.
func CheckLab(jobs []Job) error {
	for _, j := range jobs {
		if j.Scenario.Network == nil {
			continue
		}
		if err := LabPreflight(); err != nil {
			return fmt.Errorf("%s: the scenario has a network block, which needs the network lab: %w", scenarioFile(j.Scenario), err)
		}
		return nil
	}
	return nil
}

func scenarioFile(sc *scenarios.Scenario) string {
	if sc.File != "" {
		return sc.File
	}
	return sc.Name
}

// labConfig builds the lab of a scenario's network block: one server
// address per node (and one for a balancer in front of them), one
// generator address.
func labConfig(sc *scenarios.Scenario) (netlab.Config, error) {
	n := sc.Network
	if len(n.RTT) != 1 {
		return netlab.Config{}, fmt.Errorf("bench: network.rtt holds %d values: run each of Scenario.PerRTT() (bench.Plan does)", len(n.RTT))
	}
	servers := max(sc.Topology.Nodes, 1)
	if sc.Topology.Balancer == scenarios.BalancerHAProxy {
		servers++
	}
	return netlab.Config{
		RTT:        time.Duration(n.RTT[0]),
		Jitter:     time.Duration(n.Jitter),
		Loss:       n.Loss.Fraction(),
		Bandwidth:  int64(n.Bandwidth),
		MTU:        n.MTU,
		Queue:      n.Queue,
		InitCwnd:   n.InitCwnd,
		Congestion: n.Congestion,
		Servers:    servers,
	}, nil
}

// labRun is a run's network lab and what bench reads of it.
type labRun struct {
	lab   *netlab.Lab
	cfg   netlab.Config // as the lab runs it
	nodes int
	front bool // an address for the balancer after the nodes'
}

// startLab starts the lab of s's network block. It runs on a context that
// is not canceled with ctx: Stop removes it once the servers have stopped.
func startLab(ctx context.Context, s *setup, opts Options) (*labRun, error) {
	cfg, err := labConfig(s.sc)
	if err != nil {
		return nil, err
	}
	if err := LabPreflight(); err != nil {
		return nil, err
	}
	argv := opts.LinkCommand
	if len(argv) == 0 {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("bench: find own executable for the link: %w", err)
		}
		argv = []string{exe, "link"}
	}
	lab, err := netlab.Start(context.WithoutCancel(ctx), argv, cfg)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	return &labRun{
		lab:   lab,
		cfg:   lab.Config(),
		nodes: max(s.sc.Topology.Nodes, 1),
		front: s.sc.Topology.Balancer == scenarios.BalancerHAProxy,
	}, nil
}

// placement puts the fleet in the lab: nodes on the server side's
// addresses, processes started inside the server namespace, connections
// dialled from the generator namespace.
func (l *labRun) placement() Placement {
	p := Placement{
		NodeHost: func(i int) string { return l.lab.ServerAddrs[i].String() },
		Port:     labPort,
		Command: func(argv []string) []string {
			return append([]string{nsenter, "--net=" + l.lab.Server.Path(), "--"}, argv...)
		},
		Dial: l.dial,
	}
	if l.front {
		p.FrontHost = l.lab.ServerAddrs[l.nodes].String()
	}
	return p
}

// dial makes a connection from the generator namespace, with d's timeout,
// deadline and keep-alive.
func (l *labRun) dial(ctx context.Context, d *net.Dialer, address string) (net.Conn, error) {
	return l.lab.Generator.Dialer(*d).DialContext(ctx, "tcp", address)
}

// stop removes the lab; nil-safe.
func (l *labRun) stop() error {
	if l == nil {
		return nil
	}
	_, err := l.lab.Stop()
	return err
}

// mss is the TCP payload of a full segment on the link: the MTU less the
// IPv4 and TCP headers and the timestamp option (20 + 20 + 12 bytes),
// which Linux sends by default.
func (l *labRun) mss() int { return l.cfg.MTU - 52 }

// initCwnd is the servers' initial congestion window in segments.
func (l *labRun) initCwnd() int {
	if l.cfg.InitCwnd > 0 {
		return l.cfg.InitCwnd
	}
	return 10 // Linux's, since 2.6.39
}

// network describes the lab as it runs, for the result.
func (l *labRun) network() *results.Network {
	c := l.cfg
	n := &results.Network{
		RTTUS:              float64(c.RTT) / 1e3,
		JitterUS:           float64(c.Jitter) / 1e3,
		Loss:               c.Loss,
		BandwidthBPS:       c.Bandwidth,
		Queue:              c.Queue,
		MTU:                c.MTU,
		MSS:                l.mss(),
		InitCwnd:           l.initCwnd(),
		InitialWindowBytes: l.initCwnd() * l.mss(),
		Congestion:         c.Congestion,
		Seed:               c.Seed,
		Link:               fmt.Sprintf("tlsbench link, a process of its own (PID %d) between TUN devices in namespaces %s and %s; its CPU is counted neither as client nor as server", l.lab.LinkPID(), l.lab.Generator.Name(), l.lab.Server.Name()),
	}
	for _, a := range l.lab.GeneratorAddrs {
		n.GeneratorAddresses = append(n.GeneratorAddresses, a.String())
	}
	for _, a := range l.lab.ServerAddrs {
		n.ServerAddresses = append(n.ServerAddresses, a.String())
	}
	return n
}

// labels describe the network in the scenario's own terms (the congestion
// control as the scenario named it; the one the lab used is in
// results.Network).
func (l *labRun) labels(n *scenarios.Network) *results.NetworkLabels {
	nl := &results.NetworkLabels{RTT: n.RTT[0].String(), Queue: n.Queue, InitCwnd: n.InitCwnd, Congestion: n.Congestion}
	if n.Jitter != 0 {
		nl.Jitter = n.Jitter.String()
	}
	if n.Loss != 0 {
		nl.Loss = n.Loss.String()
	}
	if n.Bandwidth != 0 {
		nl.Bandwidth = n.Bandwidth.String()
	}
	if n.MTU != netlab.DefaultMTU {
		nl.MTU = n.MTU
	}
	return nl
}

// warnings are what the lab could not do as asked: stale labs it could
// not remove, and a congestion control namespaces may not use when the
// scenario named it. When the scenario named none, the lab's choice of
// reno over cubic (where the machine lets namespaces use only reno and
// its own default) is no warning: the two differ only after a loss, and
// results.Network.Congestion says which ran.
func (l *labRun) warnings(n *scenarios.Network) []results.Warning {
	var ws []results.Warning
	for _, w := range l.lab.Warnings {
		if n.Congestion == "" && strings.HasPrefix(w, "congestion control ") {
			continue
		}
		ws = append(ws, results.Warning{Code: results.WarnLabAdjusted, Message: "network lab: " + w})
	}
	return ws
}

// linkSample is the link's counters and its process's CPU at a phase
// boundary.
type linkSample struct {
	at    time.Time
	stats netlab.LinkStats
	cpu   time.Duration
	err   error
}

// sample reads the link's counters and CPU; nil-safe (nil without a lab).
func (l *labRun) sample(ctx context.Context) *linkSample {
	if l == nil {
		return nil
	}
	s := &linkSample{at: time.Now()}
	// Not ctx's cancellation: an exchange with the link cut short would
	// leave its replies out of step (netlab bounds each by itself).
	s.stats, s.err = l.lab.Stats(context.WithoutCancel(ctx))
	cpu, err := ProcessCPU(l.lab.LinkPID())
	s.cpu = cpu
	s.err = errors.Join(s.err, err)
	return s
}

// fill puts into ph what the link did between two samples, and returns a
// warning when the samples could not be read.
func (l *labRun) fill(ph *results.Phase, a, b *linkSample) *results.Warning {
	if l == nil || a == nil || b == nil {
		return nil
	}
	link := &results.Link{
		RTTUS:              float64(l.cfg.RTT) / 1e3,
		InitialWindowBytes: l.initCwnd() * l.mss(),
		BandwidthBPS:       l.cfg.Bandwidth,
	}
	ph.Link = link
	if err := errors.Join(a.err, b.err); err != nil {
		return &results.Warning{Code: results.WarnLabAdjusted, Phase: ph.Name,
			Message: fmt.Sprintf("the link's counters or CPU could not be read for phase %s (%v): they are missing from its link figures", ph.Name, err)}
	}
	link.ToServer = linkDirection(a.stats.ToServer, b.stats.ToServer)
	link.ToClient = linkDirection(a.stats.ToClient, b.stats.ToClient)
	cpu := b.cpu - a.cpu
	link.CPUS = cpu.Seconds()
	if wall := b.at.Sub(a.at).Seconds(); wall > 0 {
		link.CPUUtil = link.CPUS / wall
	}
	if n := ph.Handshakes.Completed(); n > 0 {
		link.CPUUSPerHandshake = link.CPUS * 1e6 / float64(n)
	}
	return nil
}

// linkDirection is one direction's counters between two snapshots. The
// maxima are since the lab started (a maximum cannot be subtracted).
func linkDirection(a, b netlab.Direction) results.LinkDirection {
	d := b.Sub(a)
	return results.LinkDirection{
		Received:    d.Received,
		Packets:     d.Packets,
		Bytes:       d.Bytes,
		LossDrops:   d.LossDrops,
		QueueDrops:  d.QueueDrops,
		WriteErrors: d.WriteErrors,
		DeviceDrops: d.DeviceDrops,
		InFlight:    int64(b.InFlight) - int64(a.InFlight),
		MaxWaiting:  b.MaxWaiting,
		Queued:      linkDelay(d.Queued),
		Late:        linkDelay(d.Late),
	}
}

func linkDelay(d netlab.Durations) results.LinkDelay {
	return results.NewLinkDelay(d.Count, float64(d.Sum)/1e3, float64(d.Max)/1e3, append([]uint64(nil), d.Buckets[:]...))
}

// labFleet is a fleet whose servers run in a network lab: stopping it
// stops them, then removes the lab.
type labFleet struct {
	Fleet
	lab *labRun
}

// Stop stops the servers, then the lab (a process still inside would keep
// its namespace alive); it is safe to call more than once.
func (f *labFleet) Stop() error {
	return errors.Join(f.Fleet.Stop(), f.lab.stop())
}

// The thresholds of link_saturated: more than lateShare of the packets of
// a direction left the link at least lateLimitUS µs (or lateShareOfRTT of
// the RTT, when that is more) after their scheduled departure. The link's
// lateness is counted in power-of-two buckets, so the limit is in effect
// the next power of two of µs (4.096 ms at 40 ms RTT), and only packets
// known to be that late count. On this 2-core machine shared with other
// builds, the link's lag is about 0.1 ms at the median and 1-2 ms at the
// p99, with single packets up to tens of ms late when its process waits
// for a CPU.
const (
	lateLimitUS    = 2000
	lateShareOfRTT = 0.1
	lateShare      = 0.01
)

// lateLimit returns the lateness link_saturated counts from, in µs: the
// power of two of µs at or above the larger of lateLimitUS and
// lateShareOfRTT of the RTT.
func lateLimit(rttUS float64) float64 {
	limit := max(lateLimitUS, lateShareOfRTT*rttUS)
	p := 1.0
	for p < limit {
		p *= 2
	}
	return p
}

// networkWarnings inspects the measured phases of a run behind a link:
// server flights larger than the initial window (first_flight_exceeds_initcwnd)
// and what the link did that the scenario did not ask for (link_saturated).
func networkWarnings(run *results.Run) []results.Warning {
	if run.Network == nil {
		return nil
	}
	var ws []results.Warning
	nw := run.Network
	for _, p := range run.Phases {
		if !p.Measured || p.Link == nil {
			continue
		}
		for _, k := range []struct {
			name string
			kind results.Kind
		}{{"full", p.Kinds.Full}, {"resumed", p.Kinds.Resumed}} {
			if w, ok := flightWarning(nw, p, k.name, k.kind); ok {
				ws = append(ws, w)
			}
		}
		if why := saturation(p.Link); len(why) > 0 {
			ws = append(ws, results.Warning{Code: results.WarnLinkSaturated, Phase: p.Name,
				Message: "the link " + strings.Join(why, "; ") + ": latencies include the link's own limits, which the scenario did not ask for"})
		}
	}
	return ws
}

// flightWarning says when a kind's first flight (p50) passes the initial
// congestion window, with the round trips it costs and what the latency
// shows.
func flightWarning(nw *results.Network, p results.Phase, name string, k results.Kind) (results.Warning, bool) {
	ff := k.FirstFlightBytes
	if ff == nil || ff.Count == 0 || nw.InitialWindowBytes <= 0 || ff.P50 <= float64(nw.InitialWindowBytes) {
		return results.Warning{}, false
	}
	extra := extraWindows(int(ff.P50), nw.MSS, nw.InitCwnd)
	msg := fmt.Sprintf("the server's first flight in %s handshakes is %.0f bytes (p50; max %.0f), more than its initial congestion window of %d × %d = %d bytes: it needs %d more round trip%s (%s at this RTT) before the client has it",
		name, ff.P50, ff.Max, nw.InitCwnd, nw.MSS, nw.InitialWindowBytes, extra, plural(extra), time.Duration(float64(extra)*nw.RTTUS)*time.Microsecond)
	if r, ok := p.RTTs(k.LatencyUS.Handshake.P50); ok {
		msg += fmt.Sprintf("; their handshake p50 is %.2f RTT", r)
		if k.RoundTrips != nil {
			msg += fmt.Sprintf(" for %d TLS round trip%s", *k.RoundTrips, plural(*k.RoundTrips))
		}
	}
	return results.Warning{Code: results.WarnFirstFlightExceedsInitCwnd, Phase: p.Name, Message: msg}, true
}

// extraWindows returns how many round trips beyond the first a server in
// slow start needs to send bytes: its window starts at initcwnd segments
// of mss bytes and doubles each round trip (every segment acknowledged).
func extraWindows(bytes, mss, initcwnd int) int {
	if mss <= 0 || initcwnd <= 0 {
		return 0
	}
	segments := (bytes + mss - 1) / mss
	rounds, sent, cwnd := 0, 0, initcwnd
	for sent < segments {
		sent += cwnd
		cwnd *= 2
		rounds++
	}
	return max(rounds-1, 0)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// saturation lists what the link did in a phase that no scenario asks
// for: packets the kernel dropped at the devices, writes the far device
// refused, a full delay line, and its own lag (see lateLimitUS). Queueing
// and tail drops behind a bandwidth are the scenario's.
func saturation(l *results.Link) []string {
	var why []string
	limit := lateLimit(l.RTTUS)
	for _, d := range []struct {
		name string
		d    results.LinkDirection
	}{{"towards the servers", l.ToServer}, {"towards the clients", l.ToClient}} {
		if n := d.d.DeviceDrops; n > 0 {
			why = append(why, fmt.Sprintf("lost %d packets %s at the TUN devices (it did not read them fast enough)", n, d.name))
		}
		if n := d.d.WriteErrors; n > 0 {
			why = append(why, fmt.Sprintf("could not write %d packets %s", n, d.name))
		}
		if n := d.d.QueueDrops; n > 0 && l.BandwidthBPS == 0 {
			why = append(why, fmt.Sprintf("dropped %d packets %s because its delay line was full", n, d.name))
		}
		if share := d.d.Late.ShareAtLeast(limit); share > lateShare {
			why = append(why, fmt.Sprintf("forwarded %.1f %% of the packets %s %s or more after their time (up to %s; its own process lagged)", 100*share, d.name,
				time.Duration(limit*1e3).Round(time.Microsecond), time.Duration(d.d.Late.MaxUS*1e3).Round(time.Microsecond)))
		}
	}
	return why
}

// removeStaleLabs removes what SIGKILLed runs left of their labs (named
// network namespaces of owners that no longer run). A run without a
// network block does it too, and ignores what it cannot remove (no root):
// a network run's lab says so.
func removeStaleLabs() {
	netlab.RemoveStale()
}

// labelRTT names a run of one RTT of a scenario whose network.rtt lists
// several: "name@40ms".
func labelRTT(name string, rtt scenarios.Duration) string { return name + "@" + rtt.String() }
