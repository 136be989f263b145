package plots

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/tlsbench/tlsbench/results"
)

// The charts of runs behind a network link (results.Phase.Link): latency
// against the link's RTT, and latency in round trips.
const (
	RTTChart        = "rtt"
	RoundTripsChart = "round-trips"
)

// networked reports whether a run of the set had a network link.
func (s *set) networked() bool {
	return slices.ContainsFunc(s.entries, func(e *entry) bool { return e.merged.Link != nil })
}

// rttOf is the entry's RTT in ms, and false without a link.
func (e *entry) rttOf() (float64, bool) {
	if e.merged.Link == nil {
		return 0, false
	}
	return e.merged.Link.RTTUS / 1000, true
}

// scenarioName is the name of the entry's scenario: the runs of one RTT
// sweep share it (their labels are "name@rtt").
func (e *entry) scenarioName() string {
	if n := e.runs[0].Scenario.Name; n != "" {
		return n
	}
	return e.label
}

// rtt draws each kind's handshake p50 against the link's RTT: one line per
// scenario and kind through its runs of different RTTs (an RTT sweep), a
// point for a scenario of one RTT.
func (s *set) rtt() Chart {
	type key struct {
		setup, name string
		resumed     bool
	}
	type line struct {
		key    key
		label  string
		color  int
		points []XY
	}
	var lines []*line
	colors := map[string]int{}
	for _, e := range s.ordered() {
		rtt, ok := e.rttOf()
		if !ok {
			continue
		}
		l := e.labels
		if l.Network != nil {
			n := l.Network.WithoutRTT()
			l.Network = &n
		}
		l.Resumption = ""
		setup := l.Title()
		name := e.scenarioName()
		if _, ok := colors[name]; !ok {
			colors[name] = len(colors)
		}
		for _, k := range []struct {
			name    string
			k       results.Kind
			resumed bool
		}{{"full", e.merged.Kinds.Full, false}, {"resumed", e.merged.Kinds.Resumed, true}} {
			if k.k.Count == 0 {
				continue
			}
			kk := key{setup, name, k.resumed}
			i := slices.IndexFunc(lines, func(l *line) bool { return l.key == kk })
			if i < 0 {
				lines = append(lines, &line{key: kk, label: name + " · " + k.name, color: colors[name]})
				i = len(lines) - 1
			}
			lines[i].points = append(lines[i].points, XY{X: rtt, Y: k.k.LatencyUS.Handshake.P50 / 1000})
		}
	}
	panel := Panel{Y: Axis{Label: "handshake latency p50, ms", Scale: "linear"}}
	ls := &Lines{X: Axis{Label: "round-trip time of the link, ms", Scale: "linear"}}
	for _, l := range lines {
		sort.Slice(l.points, func(i, j int) bool { return l.points[i].X < l.points[j].X })
		label := l.label
		if n := len(l.points); n > 1 {
			first, last := l.points[0], l.points[n-1]
			if last.X > first.X {
				label += fmt.Sprintf(": +%.2f ms per ms of RTT", (last.Y-first.Y)/(last.X-first.X))
			}
		}
		panel.Lines = append(panel.Lines, Line{Label: label, Color: l.color, Dashed: l.key.resumed, Points: l.points})
		ls.Legend = append(ls.Legend, LegendEntry{Label: label, Color: l.color, Dashed: l.key.resumed})
	}
	ls.Panels = []Panel{panel}
	notes := []string{
		"Each point is a run's median handshake latency (TCP established to HandshakeContext returning) behind the network lab's link, at the link's round-trip time; the runs of one scenario are joined (an RTT sweep: network.rtt as a list). Solid: full handshakes; dashed: resumed.",
		"A handshake of n round trips takes about n × RTT plus the CPU of both sides: the slope of a line is its round trips (1 for TLS 1.3 and for resumption, 2 for a TLS 1.2 full handshake, one more for a HelloRetryRequest or a first flight larger than the initial congestion window).",
	}
	return Chart{
		Name:     RTTChart,
		Title:    "Handshake latency against the round-trip time, by kind",
		Subtitle: s.where,
		Lines:    ls,
		Notes:    append(notes, warningNotes(s.entries, false)...),
	}
}

// roundTrips draws each run's handshake p50 in RTTs of its link, full and
// resumed, with the round trips the client counted.
func (s *set) roundTrips() Chart {
	b := &Bars{
		Axis:   "handshake latency p50 in round-trip times of the link",
		Series: []string{"full", "resumed"},
		Colors: []string{"#4E79A7", "#F28E2B"},
	}
	var left []string
	for g, group := range s.groups {
		var rows []Row
		for _, e := range group {
			rtt, ok := e.rttOf()
			if !ok {
				continue
			}
			if rtt <= 0 {
				left = append(left, e.label)
				continue
			}
			row := Row{Label: e.rowLabel()}
			for _, k := range []results.Kind{e.merged.Kinds.Full, e.merged.Kinds.Resumed} {
				r, ok := e.merged.RTTs(k.LatencyUS.Handshake.P50)
				if k.Count == 0 || !ok {
					row.Bars = append(row.Bars, Bar{None: true})
					continue
				}
				text := fmt.Sprintf("%.2f RTT", r)
				if k.RoundTrips != nil {
					text += fmt.Sprintf(" (%d round trip%s)", *k.RoundTrips, plural(*k.RoundTrips))
				}
				row.Bars = append(row.Bars, Bar{Value: r, Text: text})
			}
			rows = append(rows, row)
		}
		if len(rows) > 0 {
			b.Rows = append(b.Rows, Row{Heading: s.heads[g]})
			b.Rows = append(b.Rows, rows...)
		}
	}
	notes := []string{
		"Bars: median handshake latency of the measured phases divided by the link's round-trip time; the text gives the round trips the client counted (the median of the kind's handshakes: a write followed by a read that needed new data). What is above the round trips is CPU, queueing and TCP round trips that TLS does not count (a first flight larger than the initial congestion window).",
	}
	if len(left) > 0 {
		notes = append(notes, "not shown: runs with an RTT of 0, which have no round-trip time to count in: "+strings.Join(left, ", "))
	}
	return Chart{
		Name:     RoundTripsChart,
		Title:    "Handshake latency in round trips",
		Subtitle: s.where,
		Bars:     b,
		Notes:    append(notes, warningNotes(s.entries, false)...),
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// networkWhere names the runs' networks, for the subtitle: "network: 40ms
// RTT / 40ms RTT, 1% loss"; empty when every run was on loopback.
func networkWhere(runs []*results.Run) string {
	var nets []string
	seen := false
	for _, r := range runs {
		seen = seen || r.Labels.Network != nil
		n := r.Labels.Network.String()
		if !slices.Contains(nets, n) {
			nets = append(nets, n)
		}
	}
	if !seen {
		return ""
	}
	if len(nets) > 4 {
		nets = append(nets[:3], fmt.Sprintf("%d more", len(nets)-3))
	}
	return "network: " + strings.Join(nets, " / ")
}
