package report

import (
	"fmt"
	"io"
	"slices"

	"github.com/tlsbench/tlsbench/results"
)

// The phase tables of runs behind a network link get two columns more:
// the link's RTT, and the latencies in RTTs with each kind's round trips
// (results.KindNetwork). Runs on loopback leave them out.

// The columns linkColumns inserts, and the columns they follow.
const (
	rttHead     = "RTT ms"
	rttAfter    = "phase"
	inRTTsHead  = "in RTTs: connect, hs full/resumed (round trips)"
	inRTTsAfter = "handshake p50/p99/p99.9 µs"
)

// linkColumns inserts the network columns into t, whose rows are phases
// (in the order of phases), when one of them had a link.
func linkColumns(t *Table, phases []results.Phase) {
	if !slices.ContainsFunc(phases, func(p results.Phase) bool { return p.Link != nil }) {
		return
	}
	rtt := make([]string, len(phases))
	in := make([]string, len(phases))
	for i, p := range phases {
		rtt[i], in[i] = "-", "-"
		if p.Link == nil {
			continue
		}
		rtt[i] = fmt.Sprintf("%.0f", p.Link.RTTUS/1000)
		connect, ok := p.RTTs(p.LatencyUS.Connect.P50)
		if !ok {
			continue // an RTT of 0
		}
		kind := func(k results.Kind) (string, string) {
			if k.Count == 0 {
				return "-", "-"
			}
			r, _ := p.RTTs(k.LatencyUS.Handshake.P50)
			trips := "-"
			if k.RoundTrips != nil {
				trips = fmt.Sprint(*k.RoundTrips)
			}
			return fmt.Sprintf("%.2f", r), trips
		}
		fr, ft := kind(p.Kinds.Full)
		rr, rt := kind(p.Kinds.Resumed)
		in[i] = fmt.Sprintf("%.2f, %s/%s (%s/%s)", connect, fr, rr, ft, rt)
	}
	t.insertColumn(rttAfter, rttHead, rtt)
	t.insertColumn(inRTTsAfter, inRTTsHead, in)
}

// insertColumn inserts a column named head, with a cell per row, after
// the column named after (at the end when there is none).
func (t *Table) insertColumn(after, head string, cells []string) {
	at := slices.Index(t.Head, after) + 1
	if at == 0 {
		at = len(t.Head)
	}
	t.Head = slices.Insert(slices.Clone(t.Head), at, head)
	if len(t.Right) > at {
		t.Right = slices.Insert(slices.Clone(t.Right), at, true)
	}
	for i := range t.Rows {
		t.Rows[i] = slices.Insert(t.Rows[i], at, cells[i])
	}
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

// networkSetup adds to a setup table (a row per group) the column of the
// groups' networks, when one had a network link.
func networkSetup(t *Table, groups []*results.Group) *Table {
	if !slices.ContainsFunc(groups, func(g *results.Group) bool { return g.Labels().Network != nil }) {
		return t
	}
	cells := make([]string, len(groups))
	for i, g := range groups {
		cells[i] = g.Labels().Network.String()
	}
	t.insertColumn("topology", "network", cells)
	return t
}
