package report

import (
	"fmt"
	"io"

	"github.com/tlsbench/tlsbench/results"
)

// The phase tables of runs behind a network link get columns more (see
// PhaseColumns): the link's RTT, and the latencies in RTTs with each
// kind's round trips (results.KindNetwork). Their cells are empty for a
// phase without a link, so that tables of runs on loopback leave them out.

// linkRTT is the RTT column's cell: the link's round-trip time in ms.
func linkRTT(_ *results.Run, p results.Phase) string {
	if p.Link == nil {
		return ""
	}
	return fmt.Sprintf("%.0f", p.Link.RTTUS/1000)
}

// kindInRTTs is a kind's handshake p50 in RTTs and its round trips, "-"
// for a kind with no handshakes.
func kindInRTTs(p results.Phase, k results.Kind) (rtts, trips string) {
	if k.Count == 0 {
		return "-", "-"
	}
	r, _ := p.RTTs(k.LatencyUS.Handshake.P50)
	trips = "-"
	if k.RoundTrips != nil {
		trips = fmt.Sprint(*k.RoundTrips)
	}
	return fmt.Sprintf("%.2f", r), trips
}

// inRTTs is the wide view's cell: connect p50 in RTTs, then each kind's
// handshake p50 in RTTs, with the kinds' round trips.
func inRTTs(_ *results.Run, p results.Phase) string {
	if p.Link == nil {
		return ""
	}
	connect, ok := p.RTTs(p.LatencyUS.Connect.P50)
	if !ok {
		return "-" // an RTT of 0
	}
	fr, ft := kindInRTTs(p, p.Kinds.Full)
	rr, rt := kindInRTTs(p, p.Kinds.Resumed)
	return fmt.Sprintf("%.2f, %s/%s (%s/%s)", connect, fr, rr, ft, rt)
}

// inRTTsShort is the default view's compact form of inRTTs: the kinds'
// handshake p50 in RTTs and their round trips.
func inRTTsShort(_ *results.Run, p results.Phase) string {
	if p.Link == nil {
		return ""
	}
	if _, ok := p.RTTs(p.LatencyUS.Connect.P50); !ok {
		return "-"
	}
	fr, ft := kindInRTTs(p, p.Kinds.Full)
	rr, rt := kindInRTTs(p, p.Kinds.Resumed)
	return fmt.Sprintf("%s/%s (%s/%s)", fr, rr, ft, rt)
}

// writeLink writes, for each measured phase behind a link, one line of
// what the link did: packets and drops each way, its own lateness, and
// its CPU, counted neither as client nor as server.
func writeLink(w io.Writer, run *results.Run) {
	for _, p := range run.Phases {
		l := p.Link
		if !p.Measured || l == nil {
			continue
		}
		dir := func(d results.LinkDirection) string {
			return fmt.Sprintf("%d packets, %d lost, %d queue-dropped, late p99 ≤ %.0f µs", d.Packets, d.LossDrops, d.QueueDrops+d.DeviceDrops+d.WriteErrors, d.Late.P99US)
		}
		fmt.Fprintf(w, "link (%s): → servers %s; → clients %s; link CPU %.0f µs/hs\n", p.Name, dir(l.ToServer), dir(l.ToClient), l.CPUUSPerHandshake)
	}
	if n := run.Network; n != nil {
		fmt.Fprintf(w, "network: %s; MSS %d B, initial window %d × %d = %d B, %s congestion control\n",
			run.Labels.Network.String(), n.MSS, n.InitCwnd, n.MSS, n.InitialWindowBytes, n.Congestion)
	}
}
