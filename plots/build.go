package plots

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/tlsbench/tlsbench/results"
)

// Chart names, in the order Build returns them. Matrix charts are named
// MatrixPrefix + the run's label (made safe for a file name).
const (
	RateChart       = "rate"
	LatencyChart    = "latency"
	CPUChart        = "cpu"
	BytesChart      = "bytes"
	TimelineChart   = "timeline"
	ResumptionChart = "resumption"
	MatrixPrefix    = "matrix-"
)

// entry is one configuration as charts show it: a group of results.Set,
// the runs that share a name in one setup (the repeats of a scenario).
type entry struct {
	label    string
	runs     []*results.Run
	measured []results.Phase // each run's measured phases, merged
	merged   results.Phase   // every repeat's measured phases, merged
	labels   results.Labels
	setup    string // the setup's title (its heading)
	group    int    // the setup's index among those shown
	warned   bool
}

// set is the runs of a Build, grouped by results.NewSet.
type set struct {
	entries []*entry
	groups  [][]*entry // entries by setup, baseline first
	heads   []string   // heading of each group
	skipped []string   // notes about runs that have nothing to show
	where   string
}

// Build returns the chart specs of runs: rate, latency, cpu, bytes and
// timeline; then, when a run had a network link, rtt and round-trips;
// then, when a run had more than one server node, resumption and one
// matrix chart per such run. An empty set, or a set in which no
// run has a measured phase, is an error; a run without a measured phase
// among others is left out with a note.
func Build(runs []*results.Run) ([]Chart, error) {
	if len(runs) == 0 {
		return nil, errors.New("plots: no runs to draw")
	}
	s, err := newSet(runs)
	if err != nil {
		return nil, err
	}
	charts := []Chart{s.rate(), s.latency(), s.cpu(), s.bytes(), s.timeline()}
	if s.networked() {
		charts = append(charts, s.rtt(), s.roundTrips())
	}
	if s.multiNode() {
		charts = append(charts, s.resumption())
		used := map[string]bool{}
		for _, e := range s.ordered() {
			if len(e.merged.Matrix) > 1 {
				c := s.matrix(e)
				for n := 2; used[c.Name]; n++ {
					c.Name = fmt.Sprintf("%s%s-%d", MatrixPrefix, results.SafeName(e.label), n)
				}
				used[c.Name] = true
				charts = append(charts, c)
			}
		}
	}
	for i := range charts {
		for _, why := range s.skipped {
			charts[i].Notes = append(charts[i].Notes, "not shown: "+why)
		}
	}
	return charts, nil
}

func newSet(runs []*results.Run) (*set, error) {
	s := &set{}
	for i, r := range runs {
		if r == nil {
			return nil, fmt.Errorf("plots: run %d is nil", i)
		}
	}
	rs := results.NewSet(runs)
	byGroup := map[*results.Group]*entry{}
	for _, g := range rs.Groups {
		e := &entry{label: g.Name, labels: g.Labels(), setup: rs.Setups[g.Setup].Title}
		for _, r := range g.Runs {
			m, err := r.Measured()
			if err != nil {
				why := "no measured phase"
				if r.Partial {
					why += " (partial: " + r.PartialReason + ")"
				}
				s.skipped = append(s.skipped, fmt.Sprintf("%s, repeat %d: %s", g.Name, max(r.Repeat, 1), why))
				continue
			}
			e.runs = append(e.runs, r)
			e.measured = append(e.measured, m)
			e.warned = e.warned || len(r.MeasuredWarnings()) > 0
		}
		if len(e.runs) == 0 {
			continue
		}
		var ps []results.Phase
		for _, r := range e.runs {
			for _, p := range r.Phases {
				if p.Measured {
					ps = append(ps, p)
				}
			}
		}
		m, err := results.MergePhases(ps)
		if err != nil {
			return nil, fmt.Errorf("plots: %s: %w", e.label, err)
		}
		e.merged = m
		byGroup[g] = e
		s.entries = append(s.entries, e)
	}
	if len(s.entries) == 0 {
		return nil, fmt.Errorf("plots: nothing to draw: %s", strings.Join(s.skipped, "; "))
	}
	// Setups in order of first appearance, each under its title, its
	// baseline first.
	for _, st := range rs.Setups {
		var group []*entry
		for _, g := range st.Groups {
			if e := byGroup[g]; e != nil {
				e.group = len(s.groups)
				group = append(group, e)
			}
		}
		if len(group) > 0 {
			s.groups = append(s.groups, group)
			s.heads = append(s.heads, st.Title)
		}
	}
	s.where = where(runs)
	return s, nil
}

// rowLabel is an entry's label in a chart: "×N" for repeats, "*" for
// warnings.
func (e *entry) rowLabel() string {
	l := e.label
	if len(e.runs) > 1 {
		l += fmt.Sprintf(" ×%d", len(e.runs))
	}
	if e.warned {
		l += " *"
	}
	return l
}

// resumed says whether the entry's measured handshakes are mostly resumed
// (its lines are dashed).
func (e *entry) resumed() bool {
	return e.merged.Handshakes.Resumed > e.merged.Handshakes.Full
}

// where says where the runs happened: server, machine, load, tool.
func where(runs []*results.Run) string {
	var server, machine, load, tool []string
	add := func(list *[]string, v string) {
		if v != "" && !slices.Contains(*list, v) {
			*list = append(*list, v)
		}
	}
	for _, r := range runs {
		srv := r.Target.Server
		if srv == "" {
			srv = r.Target.Kind + " server"
		}
		add(&server, srv)
		m := r.Machine
		desc := fmt.Sprintf("%d CPUs", m.CPUs)
		if m.CPUModel != "" {
			desc += " " + m.CPUModel
		}
		add(&machine, fmt.Sprintf("%s, %s/%s", desc, m.OS, m.Arch))
		add(&load, fmt.Sprintf("%d clients, %d connections in flight", r.Client.Clients, r.Client.Concurrency))
		if r.Tool.Version != "" {
			add(&tool, "tlsbench "+r.Tool.Version)
		}
	}
	parts := []string{
		"server: " + strings.Join(server, " / "),
		"machine: " + strings.Join(machine, " / "),
		strings.Join(load, " / "),
	}
	if n := networkWhere(runs); n != "" {
		parts = append(parts, n)
	}
	if len(tool) > 0 {
		parts = append(parts, strings.Join(tool, " / "))
	}
	return strings.Join(parts, " · ")
}

// warningNotes lists the warnings of the entries by code: what the code
// means (results.WarningCode.Meaning) and which runs it applies to. With
// all, warnings about warm-up phases are listed too.
func warningNotes(entries []*entry, all bool) []string {
	type code struct {
		code   results.WarningCode
		labels []string
		msg    string
	}
	var codes []*code
	for _, e := range entries {
		for _, r := range e.runs {
			ws := r.MeasuredWarnings()
			if all {
				ws = r.WarningsAbout(nil)
			}
			for _, w := range ws {
				i := slices.IndexFunc(codes, func(c *code) bool { return c.code == w.Code })
				if i < 0 {
					codes = append(codes, &code{code: w.Code, msg: w.Message})
					i = len(codes) - 1
				}
				if !slices.Contains(codes[i].labels, e.label) {
					codes[i].labels = append(codes[i].labels, e.label)
				}
			}
		}
	}
	var notes []string
	for _, c := range codes {
		msg := c.code.Meaning()
		if msg == "" { // a code from a newer tlsbench: its own message
			msg = c.msg
			if len(c.labels) > 1 {
				msg = "for example, " + c.labels[0] + ": " + msg
			}
		}
		notes = append(notes, fmt.Sprintf("* %s: %s (%s)", c.code, msg, strings.Join(c.labels, ", ")))
	}
	return notes
}

// perRun returns f of every run's measured phase, as statistics; runs for
// which f has no value are left out.
func (e *entry) perRun(f func(results.Phase) (float64, bool)) results.Stats {
	var v []float64
	for _, p := range e.measured {
		if x, ok := f(p); ok {
			v = append(v, x)
		}
	}
	return results.NewStats(v)
}

func barOf(st results.Stats) Bar {
	if st.N == 0 {
		return Bar{None: true}
	}
	b := Bar{Value: st.Median}
	if st.N > 1 {
		b.Range = []float64{st.Min, st.Max}
	}
	return b
}

// ratioText is " (×1.81)": v relative to the baseline value, empty for
// the baseline itself or when there is nothing to divide by.
func ratioText(v, base float64, isBase bool) string {
	if isBase || base == 0 || math.IsNaN(base) || math.IsNaN(v) {
		return ""
	}
	r := v / base
	if r >= 9.95 {
		return fmt.Sprintf(" (×%.0f)", r)
	}
	return fmt.Sprintf(" (×%.2f)", r)
}

// sideBySide builds a bar chart whose rows have one bar per metric, with
// the ratio of each bar to the group's baseline.
func (s *set) sideBySide(metrics []func(results.Phase) (float64, bool), format func(float64) string) []Row {
	var rows []Row
	for g, group := range s.groups {
		rows = append(rows, Row{Heading: s.heads[g]})
		base := make([]results.Stats, len(metrics))
		for i, m := range metrics {
			base[i] = group[0].perRun(m)
		}
		for k, e := range group {
			row := Row{Label: e.rowLabel()}
			for i, m := range metrics {
				st := e.perRun(m)
				b := barOf(st)
				if b.None {
					b.Text = "n/a"
				} else {
					b.Text = format(st.Median) + ratioText(st.Median, base[i].Median, k == 0)
				}
				row.Bars = append(row.Bars, b)
			}
			rows = append(rows, row)
		}
	}
	return rows
}

func (s *set) rate() Chart {
	b := &Bars{Axis: "handshakes per second (completed handshakes / measured window)", Series: []string{"full", "resumed"}, Colors: []string{"#4E79A7", "#F28E2B"}, Stacked: true}
	rate := func(p results.Phase) (float64, bool) { return p.RatePerS, p.WindowS > 0 }
	repeats := false
	for g, group := range s.groups {
		b.Rows = append(b.Rows, Row{Heading: s.heads[g]})
		base := group[0].perRun(rate).Median
		for k, e := range group {
			st := e.perRun(rate)
			repeats = repeats || st.N > 1
			var full, done float64
			for _, p := range e.measured {
				full += float64(p.Handshakes.Full)
				done += float64(p.Handshakes.Completed())
			}
			share := 0.0
			if done > 0 {
				share = full / done
			}
			row := Row{
				Label: e.rowLabel(),
				Bars:  []Bar{{Value: st.Median * share}, {Value: st.Median * (1 - share)}},
				Text:  fmt.Sprintf("%.0f/s", st.Median) + ratioText(st.Median, base, k == 0),
			}
			if st.N > 1 {
				row.Range = []float64{st.Min, st.Max}
			}
			b.Rows = append(b.Rows, row)
		}
	}
	notes := []string{
		"Bars: completed handshakes per second of the measured window (warm-up excluded), split by kind: full, or resumed (ConnectionState.DidResume).",
		"(×r): ratio to the first run of its group. Higher is faster.",
	}
	if repeats {
		notes = append(notes, "×N: N repeats; a bar is their median, the whisker their min..max.")
	}
	return Chart{
		Name:     RateChart,
		Title:    "Handshakes per second, full vs resumed",
		Subtitle: s.where,
		Bars:     b,
		Notes:    append(notes, warningNotes(s.entries, false)...),
	}
}

func (s *set) cpu() Chart {
	done := func(p results.Phase) bool { return p.Handshakes.Completed() > 0 }
	b := &Bars{
		Axis:   "CPU µs per completed handshake (user + system, measured window)",
		Series: []string{"client (tlsbench)", "server"},
		Colors: []string{"#59A14F", "#B07AA1"},
	}
	b.Rows = s.sideBySide([]func(results.Phase) (float64, bool){
		func(p results.Phase) (float64, bool) { return p.CPUUSPerHandshake.Client, done(p) },
		func(p results.Phase) (float64, bool) {
			return p.CPUUSPerHandshake.Server, done(p) && p.CPU.ServerObserved
		},
	}, func(v float64) string { return fmt.Sprintf("%.0f µs", v) })
	notes := []string{
		"Client: the generator process (getrusage). Server: the server processes (/proc/PID/stat, 10 ms ticks); n/a when not observable (remote).",
		"Both sides share the machine's CPUs. (×r): ratio to the first run of its group. Lower is cheaper.",
	}
	if s.repeats() {
		notes = append(notes, "×N: N repeats; a bar is their median, the whisker their min..max.")
	}
	return Chart{
		Name:     CPUChart,
		Title:    "CPU per handshake, client and server, full vs resumed",
		Subtitle: s.where,
		Bars:     b,
		Notes:    append(notes, warningNotes(s.entries, false)...),
	}
}

func (s *set) bytes() Chart {
	done := func(p results.Phase) bool { return p.Handshakes.Completed() > 0 }
	b := &Bars{
		Axis:   "TLS record bytes per completed handshake",
		Series: []string{"client → server", "server → client"},
		Colors: []string{"#76B7B2", "#9C755F"},
	}
	b.Rows = s.sideBySide([]func(results.Phase) (float64, bool){
		func(p results.Phase) (float64, bool) { return p.BytesPerHandshake.ClientToServer, done(p) },
		func(p results.Phase) (float64, bool) { return p.BytesPerHandshake.ServerToClient, done(p) },
	}, func(v float64) string { return fmt.Sprintf("%.0f B", v) })
	notes := []string{
		"TLS records each way on the connection from dial to close: the handshake, the TLS 1.3 NewSessionTicket, the server's one application record and its close_notify. TCP/IP headers excluded.",
		"(×r): ratio to the first run of its group. Fewer is better.",
	}
	if s.repeats() {
		notes = append(notes, "×N: N repeats; a bar is their median, the whisker their min..max.")
	}
	return Chart{
		Name:     BytesChart,
		Title:    "Bytes per handshake, each way, full vs resumed",
		Subtitle: s.where,
		Bars:     b,
		Notes:    append(notes, warningNotes(s.entries, false)...),
	}
}

// ordered returns the entries group by group, each group's baseline first:
// the order of the bar charts' rows.
func (s *set) ordered() []*entry {
	var out []*entry
	for _, g := range s.groups {
		out = append(out, g...)
	}
	return out
}

func (s *set) repeats() bool {
	return slices.ContainsFunc(s.entries, func(e *entry) bool { return len(e.runs) > 1 })
}

func (s *set) multiNode() bool {
	return slices.ContainsFunc(s.entries, func(e *entry) bool { return e.labels.Topology.Nodes > 1 || len(e.merged.Matrix) > 1 })
}

// spectrumXs returns the x values of a latency line, as 1/(1 − q): from 2
// (the median) to 10 000 (99.99 %), 16 per decade, and the labelled ones.
func spectrumXs() []float64 {
	var xs []float64
	for k := 0; ; k++ {
		x := 2 * math.Pow(10, float64(k)/16)
		if x > 10000*(1+1e-9) {
			break
		}
		xs = append(xs, x)
	}
	for _, x := range []float64{10, 100, 1000, 10000} {
		if !slices.ContainsFunc(xs, func(v float64) bool { return math.Abs(v-x) < 1e-6*x }) {
			xs = append(xs, x)
		}
	}
	slices.Sort(xs)
	return xs
}

func (s *set) latency() Chart {
	lines := &Lines{X: Axis{Label: "percentile", Scale: "percentile"}}
	panel := Panel{Y: Axis{Label: "handshake latency, µs (log scale)", Scale: "log"}}
	xs := spectrumXs()
	for _, e := range s.ordered() {
		kinds := []struct {
			name    string
			k       results.Kind
			resumed bool
		}{
			{"full", e.merged.Kinds.Full, false},
			{"resumed", e.merged.Kinds.Resumed, true},
		}
		both := e.merged.Kinds.Full.Count > 1 && e.merged.Kinds.Resumed.Count > 1
		for _, k := range kinds {
			sum := k.k.LatencyUS.Handshake
			if sum.Count < 2 {
				continue
			}
			h, err := sum.Histogram()
			if err != nil {
				continue // Read checked every histogram of the file
			}
			label := e.label
			if both {
				label += " · " + k.name
			}
			if len(e.runs) > 1 {
				label += fmt.Sprintf(" ×%d", len(e.runs))
			}
			if e.warned {
				label += " *"
			}
			label += fmt.Sprintf(": p50 %.0f, p99 %.0f, p99.9 %.0f µs", sum.P50, sum.P99, sum.P999)
			line := Line{Label: label, Color: e.group, Dashed: k.resumed}
			limit := min(10000, float64(sum.Count))
			for _, x := range xs {
				if x > limit {
					break
				}
				q := 100 * (1 - 1/x)
				line.Points = append(line.Points, XY{X: q, Y: float64(h.ValueAtQuantile(q))})
			}
			if last := line.Points[len(line.Points)-1].X; limit < 10000 && 100*(1-1/limit) > last+1e-9 {
				q := 100 * (1 - 1/limit)
				line.Points = append(line.Points, XY{X: q, Y: float64(h.ValueAtQuantile(q))})
			}
			panel.Lines = append(panel.Lines, line)
			lines.Legend = append(lines.Legend, LegendEntry{Label: label, Color: line.Color, Dashed: line.Dashed})
		}
	}
	lines.Panels = []Panel{panel}
	notes := []string{
		"Each line is the percentile spectrum of the handshake latency (TCP established to HandshakeContext returning), read from the HDR histograms in the result files. Lower is faster; the gap between two lines is the difference at that percentile.",
		"Solid: full handshakes; dashed: resumed. Lines of one color share their setup. A line ends at the highest percentile its n handshakes resolve (1 − 1/n); repeats (×N) merge their histograms.",
	}
	return Chart{
		Name:     LatencyChart,
		Title:    "Handshake latency by percentile",
		Subtitle: s.where,
		Lines:    lines,
		Notes:    append(notes, warningNotes(s.entries, false)...),
	}
}

// foldTail returns a phase's intervals with a last partial interval
// shorter than half a second folded into the one before it: the rate is
// their joint count over their joint length, the p99 the larger of the
// two. A sliver of a second would otherwise show as a spike.
func foldTail(ivs []results.Interval) []results.Interval {
	n := len(ivs)
	if n < 2 || ivs[n-1].IntervalS >= 0.5 {
		return ivs
	}
	out := slices.Clone(ivs[:n-1])
	prev, tail := &out[n-2], ivs[n-1]
	prev.Full += tail.Full
	prev.Resumed += tail.Resumed
	prev.Offered += tail.Offered
	prev.Failed += tail.Failed
	prev.IntervalS += tail.IntervalS
	prev.RatePerS = float64(prev.Full+prev.Resumed) / prev.IntervalS
	prev.HandshakeUS.P99 = max(prev.HandshakeUS.P99, tail.HandshakeUS.P99)
	return out
}

func (s *set) timeline() Chart {
	rate := Panel{Y: Axis{Label: "handshakes/s", Scale: "linear"}}
	p99 := Panel{Y: Axis{Label: "handshake p99, µs (log scale)", Scale: "log"}}
	lines := &Lines{X: Axis{Label: "seconds since the run's first connection", Scale: "linear"}}
	for _, e := range s.ordered() {
		label := e.label
		if len(e.runs) > 1 {
			label += fmt.Sprintf(" ×%d (one line per repeat)", len(e.runs))
		}
		if len(warningNotes([]*entry{e}, true)) > 0 {
			label += " *"
		}
		for _, r := range e.runs {
			if len(r.Phases) == 0 {
				continue
			}
			start := r.Phases[0].StartedAt
			rl := Line{Label: label, Color: e.group, Dashed: e.resumed()}
			pl := rl
			for i, p := range r.Phases {
				off := p.StartedAt.Sub(start).Seconds()
				if p.Measured && i > 0 && !r.Phases[i-1].Measured {
					lines.addMark(off, "measuring starts")
				}
				for _, iv := range foldTail(p.Intervals) {
					x := off + iv.StartS + iv.IntervalS/2
					rl.Points = append(rl.Points, XY{X: x, Y: iv.RatePerS})
					if iv.Full+iv.Resumed > 0 {
						pl.Points = append(pl.Points, XY{X: x, Y: iv.HandshakeUS.P99})
					}
				}
			}
			rate.Lines = append(rate.Lines, rl)
			p99.Lines = append(p99.Lines, pl)
		}
		lines.Legend = append(lines.Legend, LegendEntry{Label: label, Color: e.group, Dashed: e.resumed()})
	}
	lines.Panels = []Panel{rate, p99}
	notes := []string{
		"Every phase, warm-up included, second by second: a point is one second's completed handshakes (rate) and their p99 handshake latency, drawn at the middle of its second. A phase's last partial second, if under 0.5 s, is folded into the one before it.",
		"Solid: runs of mostly full handshakes; dashed: mostly resumed. The vertical line is where the measured phase starts.",
	}
	return Chart{
		Name:     TimelineChart,
		Title:    "Rate and p99 latency over time, all phases",
		Subtitle: s.where,
		Lines:    lines,
		Notes:    append(notes, warningNotes(s.entries, true)...),
	}
}

// addMark adds a vertical mark unless one is within 0.25 s.
func (l *Lines) addMark(x float64, label string) {
	for _, m := range l.Marks {
		if math.Abs(m.X-x) < 0.25 {
			return
		}
	}
	l.Marks = append(l.Marks, Mark{X: x, Label: label})
}

func (s *set) resumption() Chart {
	b := &Bars{Axis: "% of handshakes", Series: []string{"resumed / offered", "resumed / completed"}, Colors: []string{"#F28E2B", "#FFBE7D"}, Max: 100}
	for g, group := range s.groups {
		var rows []Row
		for _, e := range group {
			if e.merged.Handshakes.Offered == 0 && e.labels.Resumption == "none" {
				continue
			}
			row := Row{Label: e.rowLabel()}
			h := e.merged.Handshakes
			for _, f := range []struct {
				num, den int64
				v        func(results.Phase) (float64, bool)
			}{
				{h.Resumed, h.Offered, func(p results.Phase) (float64, bool) {
					return 100 * float64(p.Handshakes.Resumed) / float64(p.Handshakes.Offered), p.Handshakes.Offered > 0
				}},
				{h.Resumed, h.Completed(), func(p results.Phase) (float64, bool) {
					return 100 * float64(p.Handshakes.Resumed) / float64(p.Handshakes.Completed()), p.Handshakes.Completed() > 0
				}},
			} {
				bar := barOf(e.perRun(f.v))
				if bar.None {
					bar.Text = "n/a"
				} else {
					bar.Text = fmt.Sprintf("%.1f %% (%d/%d)", bar.Value, f.num, f.den)
				}
				row.Bars = append(row.Bars, bar)
			}
			rows = append(rows, row)
		}
		if len(rows) > 0 {
			b.Rows = append(b.Rows, Row{Heading: s.heads[g]})
			b.Rows = append(b.Rows, rows...)
		}
	}
	notes := []string{
		"Resumed / offered: of the connections on which the client offered a cached session, the share the server resumed. Resumed / completed: the share of all completed handshakes that resumed.",
		"Counts in parentheses are summed over repeats; bars are medians over repeats.",
	}
	return Chart{
		Name:     ResumptionChart,
		Title:    "Resumption rate per run",
		Subtitle: s.where,
		Bars:     b,
		Notes:    append(notes, warningNotes(s.entries, false)...),
	}
}

func (s *set) matrix(e *entry) Chart {
	m := e.merged.Matrix
	n := len(m)
	h := &Heat{
		X:   "node the session was presented to (j)",
		Y:   "node that issued the session (i)",
		Min: 0, Max: 100,
	}
	for i := range n {
		h.Cols = append(h.Cols, fmt.Sprintf("node %d", i))
		h.Rows = append(h.Rows, fmt.Sprintf("node %d", i))
	}
	for i := range n {
		var row []Cell
		for j := range n {
			var c results.Cell
			if j < len(m[i]) {
				c = m[i][j]
			}
			if c.Offered == 0 {
				row = append(row, Cell{None: true, Text: "none offered"})
				continue
			}
			v := 100 * float64(c.Resumed) / float64(c.Offered)
			row = append(row, Cell{Value: v, Text: fmt.Sprintf("%.0f %%\n%d/%d", v, c.Resumed, c.Offered)})
		}
		h.Cells = append(h.Cells, row)
	}
	title := "Resumption matrix: " + e.label
	if len(e.runs) > 1 {
		title += fmt.Sprintf(" (%d repeats summed)", len(e.runs))
	}
	notes := []string{
		"Cell (i, j): sessions issued by node i that clients offered to node j, and the share of them node j resumed (resumed/offered). Sessions whose issuer is unknown are not counted.",
		fmt.Sprintf("Server: %s. Balancing: %s.", sessionStore(e), orNA(e.labels.Topology.Balance)),
	}
	return Chart{
		Name:     MatrixPrefix + results.SafeName(e.label),
		Title:    title,
		Subtitle: e.setup + " · resumption " + orNA(e.labels.Resumption) + " · " + s.where,
		Heat:     h,
		Notes:    append(notes, warningNotes([]*entry{e}, false)...),
	}
}

func sessionStore(e *entry) string {
	if st := e.runs[0].Target.SessionStore; st != "" {
		return st
	}
	return orNA(e.labels.Topology.String())
}

func orNA(s string) string {
	if s == "" {
		return "n/a"
	}
	return s
}
