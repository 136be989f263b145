package report

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/tlsbench/tlsbench/results"
)

// Width is the width in characters that the default view of the summary
// tables fits (see View).
const Width = 120

// View chooses the columns of tlsbench run's summary tables. The default
// view shows the columns a reader needs first, within Width characters
// (a cell that lists warnings is shortened to fit, and the warnings are
// printed in full under each run); Wide shows every column. The result
// files hold everything either way.
type View struct {
	// Wide shows every column (tlsbench run --wide).
	Wide bool
}

// Show says in which view a column appears.
type Show int

const (
	// Always: in the default view and the wide one.
	Always Show = iota
	// WideOnly: only in the wide view.
	WideOnly
	// DefaultOnly: only in the default view, as a compact form of wide
	// columns.
	DefaultOnly
)

// Column is one column of the phase tables (each run's summary and the
// closing table of tlsbench run).
type Column struct {
	// Head is the column's header, with its unit.
	Head string
	// Short is its header in the default view, when shorter than Head
	// (the table's footnote says what it stands for); empty: Head.
	Short string
	// Show says in which views the column appears.
	Show Show
	// Cell is the column's text for one phase of a run. A column whose
	// cells are all empty is left out (a column about a network link,
	// say, when no run had one); an empty cell in a column that is shown
	// reads "-".
	Cell func(run *results.Run, p results.Phase) string
}

// PhaseColumns returns the columns of the phase tables, in order. It is
// the one place where a column is added and marked as shown by default or
// only with --wide. The last column lists warnings (and crossed
// thresholds): in the default view it is shortened to fit.
func PhaseColumns() []Column {
	return []Column{
		{"scenario", "", Always, func(r *results.Run, _ results.Phase) string { return r.Name() }},
		{"phase", "", Always, func(_ *results.Run, p results.Phase) string {
			if !p.Measured {
				return p.Name + " (warm-up)"
			}
			return p.Name
		}},
		{"RTT ms", "", Always, linkRTT},
		{"hs/s", "", Always, func(_ *results.Run, p results.Phase) string { return fmt.Sprintf("%.0f", p.RatePerS) }},
		{"resumed/offered", "", WideOnly, func(_ *results.Run, p results.Phase) string {
			return fmt.Sprintf("%d/%d", p.Handshakes.Resumed, p.Handshakes.Offered)
		}},
		{"resumed % (predicted)", "resumed % (pred)", Always, func(_ *results.Run, p results.Phase) string { return resumedShare(p) }},
		{"server full/resumed", "", WideOnly, func(_ *results.Run, p results.Phase) string {
			if p.Server == nil {
				return "n/a"
			}
			return fmt.Sprintf("%d/%d", p.Server.Full, p.Server.Resumed)
		}},
		{"connect p50/p99 µs", "", WideOnly, func(_ *results.Run, p results.Phase) string {
			return fmt.Sprintf("%.0f/%.0f", p.LatencyUS.Connect.P50, p.LatencyUS.Connect.P99)
		}},
		{"handshake p50/p99 µs", "hs p50/p99 µs", DefaultOnly, func(_ *results.Run, p results.Phase) string {
			if p.Handshakes.Completed() == 0 {
				return "-"
			}
			return fmt.Sprintf("%.0f/%.0f", p.LatencyUS.Handshake.P50, p.LatencyUS.Handshake.P99)
		}},
		{"handshake p50/p99/p99.9 µs", "", WideOnly, func(_ *results.Run, p results.Phase) string {
			return fmt.Sprintf("%.0f/%.0f/%.0f", p.LatencyUS.Handshake.P50, p.LatencyUS.Handshake.P99, p.LatencyUS.Handshake.P999)
		}},
		{"in RTTs: connect, hs full/resumed (round trips)", "", WideOnly, inRTTs},
		{"hs p50 in RTTs full/resumed (trips)", "RTTs f/r (trips)", DefaultOnly, inRTTsShort},
		{"full hs p50 µs", "", WideOnly, func(_ *results.Run, p results.Phase) string { return kindP50(p.Kinds.Full) }},
		{"resumed hs p50 µs", "", WideOnly, func(_ *results.Run, p results.Phase) string { return kindP50(p.Kinds.Resumed) }},
		{"CPU µs/hs client/server", "CPU µs cli/srv", Always, func(_ *results.Run, p results.Phase) string {
			if p.Handshakes.Completed() == 0 {
				return "-"
			}
			server := "n/a"
			if p.CPU.ServerObserved {
				server = fmt.Sprintf("%.0f", p.CPUUSPerHandshake.Server)
			}
			return fmt.Sprintf("%.0f/%s", p.CPUUSPerHandshake.Client, server)
		}},
		{"CPU µs/hs user/sys client, server", "", WideOnly, cpuSplit},
		{"bytes/hs c→s/s→c", "", WideOnly, func(_ *results.Run, p results.Phase) string {
			return fmt.Sprintf("%.0f/%.0f", p.BytesPerHandshake.ClientToServer, p.BytesPerHandshake.ServerToClient)
		}},
		{"errors", "", WideOnly, func(_ *results.Run, p results.Phase) string { return errorText(p.Errors) }},
		{"warnings", "", Always, func(r *results.Run, p results.Phase) string {
			var items []string
			for _, c := range r.CrossedThresholds() {
				if c.Phase == p.Name {
					items = append(items, "threshold:"+c.Metric)
				}
			}
			ws := codeList(r.WarningsAbout(func(q results.Phase) bool { return q.Name == p.Name }))
			if ws != "-" || len(items) == 0 {
				items = append(items, ws)
			}
			return strings.Join(items, ",")
		}},
	}
}

// cpuSplit is the user and system parts of the CPU per handshake, the
// client's and the server's ("n/a" when the server is not observed);
// empty for a file written before they were recorded.
func cpuSplit(_ *results.Run, p results.Phase) string {
	c := p.CPUUSPerHandshake
	if c.ClientUser == 0 && c.ClientSystem == 0 {
		return ""
	}
	if p.Handshakes.Completed() == 0 {
		return "-"
	}
	server := "n/a"
	if p.CPU.ServerObserved {
		server = fmt.Sprintf("%.0f/%.0f", c.ServerUser, c.ServerSystem)
	}
	return fmt.Sprintf("%.0f/%.0f, %s", c.ClientUser, c.ClientSystem, server)
}

func kindP50(k results.Kind) string {
	if k.Count == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", k.LatencyUS.Handshake.P50)
}

// columns returns the view's columns, without those named in omit.
func (v View) columns(omit ...string) []Column {
	var out []Column
	for _, c := range PhaseColumns() {
		if c.Show == WideOnly && !v.Wide || c.Show == DefaultOnly && v.Wide {
			continue
		}
		if !v.Wide && slices.Contains(omit, c.Head) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// phaseRow is a phase's row: one cell per column.
type phaseRow struct {
	run   *results.Run
	phase results.Phase
}

// phaseTable lays out rows in the view's columns (less those in omit, in
// the default view), leaving out columns whose cells are all empty, and,
// in the default view, shortening the last column to fit Width.
func (v View) phaseTable(rows []phaseRow, omit ...string) *Table {
	cols := v.columns(omit...)
	cells := make([][]string, len(rows))
	used := make([]bool, len(cols))
	for i, r := range rows {
		for j, c := range cols {
			s := c.Cell(r.run, r.phase)
			cells[i] = append(cells[i], s)
			used[j] = used[j] || s != ""
		}
	}
	t := &Table{}
	for j, c := range cols {
		if used[j] {
			h := c.Head
			if !v.Wide && c.Short != "" {
				h = c.Short
			}
			t.Head = append(t.Head, h)
		}
	}
	for _, row := range cells {
		var out []string
		for j, s := range row {
			switch {
			case used[j] && s == "":
				out = append(out, "-") // e.g. a loopback run beside one behind a link
			case used[j]:
				out = append(out, s)
			}
		}
		t.Rows = append(t.Rows, out)
	}
	if !v.Wide {
		fitLast(t, Width)
	}
	return t
}

// fitLast shortens the last column's cells, comma-separated lists, so
// that the table's text (WriteText: two spaces between columns, and after
// the last) fits width characters: as many items as fit and "+N" for the
// rest, else their number. When even the last column's header does not
// fit, the first column's longer cells (scenario names) are cut with "…"
// first. Headers are never cut.
func fitLast(t *Table, width int) {
	n := len(t.Head)
	if n == 0 {
		return
	}
	colWidth := func(j int) int {
		w := utf8.RuneCountInString(t.Head[j])
		for _, r := range t.Rows {
			w = max(w, utf8.RuneCountInString(r[j]))
		}
		return w
	}
	used := 2 // after the last column
	for j := range n - 1 {
		used += colWidth(j) + 2
	}
	last := utf8.RuneCountInString(t.Head[n-1])
	if over := used + last - width; over > 0 && n > 1 {
		keep := max(colWidth(0)-over, utf8.RuneCountInString(t.Head[0]), 8)
		for _, r := range t.Rows {
			if c := []rune(r[0]); len(c) > keep {
				r[0] = string(c[:keep-1]) + "…"
			}
		}
		used -= colWidth(0) - min(colWidth(0), keep)
	}
	room := max(width-used, last)
	for _, r := range t.Rows {
		r[n-1] = fitList(r[n-1], room)
	}
}

// fitList shortens a comma-separated list to at most width characters:
// "a,b +2", or the number of items ("4 warnings", or "4") when not even
// one item fits.
func fitList(s string, width int) string {
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	items := strings.Split(s, ",")
	for k := len(items) - 1; k > 0; k-- {
		short := strings.Join(items[:k], ",") + fmt.Sprintf(" +%d", len(items)-k)
		if utf8.RuneCountInString(short) <= width {
			return short
		}
	}
	if n := fmt.Sprintf("%d warning%s", len(items), plural(len(items))); utf8.RuneCountInString(n) <= width {
		return n
	}
	return fmt.Sprint(len(items))
}

// resumedShare is the measured share of resumed handshakes, with the
// topology's prediction beside it when there is one.
func resumedShare(p results.Phase) string {
	n := p.Handshakes.Completed()
	if n == 0 {
		return "-"
	}
	s := fmt.Sprintf("%.1f", 100*float64(p.Handshakes.Resumed)/float64(n))
	if pr := p.Prediction; pr != nil {
		s += fmt.Sprintf(" (%.1f)", 100*pr.ResumedShare)
	}
	return s
}

func errorText(errs map[string]int64) string {
	if len(errs) == 0 {
		return "0"
	}
	var parts []string
	for class, n := range errs {
		parts = append(parts, fmt.Sprintf("%s:%d", class, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// WriteRun writes one run in the default view (see View.WriteRun).
func WriteRun(w io.Writer, run *results.Run) error { return View{}.WriteRun(w, run) }

// WriteRuns writes runs in the default view (see View.WriteRuns).
func WriteRuns(w io.Writer, runs []*results.Run) error { return View{}.WriteRuns(w, runs) }

// WriteRepeats writes repeats in the default view (see View.WriteRepeats).
func WriteRepeats(w io.Writer, runs []*results.Run) error { return View{}.WriteRepeats(w, runs) }

// WriteSummary writes the closing table in the default view (see
// View.WriteSummary).
func WriteSummary(w io.Writer, runs []*results.Run, repeats int) error {
	return View{}.WriteSummary(w, runs, repeats)
}

// WriteRun writes one run for a terminal: a row per phase, warm-ups
// included (the default view leaves out the scenario's name, which the
// heading above it gives), what was negotiated, the errors with a sample
// and what to do about them, every threshold checked, and the warnings.
func (v View) WriteRun(w io.Writer, run *results.Run) error {
	var rows []phaseRow
	for _, p := range run.Phases {
		rows = append(rows, phaseRow{run, p})
	}
	if err := v.phaseTable(rows, "scenario").WriteText(w); err != nil {
		return err
	}
	for _, p := range run.Phases {
		if !p.Measured {
			continue
		}
		var neg []string
		for _, n := range p.Negotiated {
			neg = append(neg, fmt.Sprintf("%s %s %s ×%d", n.Version, n.CipherSuite, n.Group, n.Count))
		}
		if len(neg) > 0 {
			fmt.Fprintf(w, "negotiated (%s): %s\n", p.Name, strings.Join(neg, "; "))
		}
	}
	writeLink(w, run)
	writeVariantLines(w, run)
	for _, p := range run.Phases {
		for _, e := range p.ErrorDetails {
			fmt.Fprintf(w, "errors (%s): %d %s at %s, e.g. %q\n  what to do: %s\n", p.Name, e.Count, e.Class, e.Stage, e.Sample, e.Hint)
		}
	}
	for _, c := range run.Thresholds {
		fmt.Fprintf(w, "threshold %s\n", c)
	}
	if run.Partial {
		fmt.Fprintf(w, "PARTIAL: %s\n", run.PartialReason)
	}
	for _, wn := range run.Warnings {
		where := ""
		if wn.Phase != "" {
			where = " (" + wn.Phase + ")"
		}
		fmt.Fprintf(w, "warning%s: %s: %s\n", where, wn.Code, wn.Message)
	}
	return nil
}

// WriteRuns writes the measured phases of several runs in one table, for
// a terminal (the default view leaves out the phase's name when every
// row's is the same), and the crossed thresholds under it.
func (v View) WriteRuns(w io.Writer, runs []*results.Run) error {
	var rows []phaseRow
	n := 0
	names := map[string]bool{}
	var crossed []string
	for _, run := range runs {
		for _, p := range run.Phases {
			if p.Measured {
				rows = append(rows, phaseRow{run, p})
				names[p.Name] = true
			}
		}
		n += len(run.Warnings)
		for _, c := range run.CrossedThresholds() {
			crossed = append(crossed, fmt.Sprintf("threshold crossed: %s, %s", run.Name(), c))
		}
	}
	var omit []string
	if len(names) < 2 {
		omit = append(omit, "phase")
	}
	if err := v.phaseTable(rows, omit...).WriteText(w); err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintf(w, "%d warnings in these runs: see each run above and the result files' .warnings\n", n)
	}
	for _, c := range crossed {
		fmt.Fprintln(w, c)
	}
	return v.footnote(w)
}

// footnote says what the phase tables' numbers are, in lines that fit
// Width.
func (v View) footnote(w io.Writer) error {
	lines := []string{
		"hs/s: completed handshakes per second of the phase; resumed %: measured (predicted by the topology);",
		"latency in µs from HDR histograms (hs: handshake); CPU: user+system over the phase per completed handshake",
		"of the client (tlsbench) and of the servers (the processes tlsbench started, when it started them)",
	}
	if v.Wide {
		lines = append(lines, "bytes are TLS records each way, dial to close, TCP/IP headers excluded")
	} else {
		lines = append(lines, "--wide shows every column")
	}
	_, err := fmt.Fprintln(w, strings.Join(lines, "\n"))
	return err
}

// repeatColumns are the metrics (by ID, see results.Metrics) that the
// default view of the table of repeats shows, with their short headers;
// the wide view shows every metric.
var repeatColumns = []struct{ id, short string }{
	{"rate", "hs/s"}, {"handshake_p50", "hs p50 µs"}, {"handshake_p99", "hs p99 µs"},
	{"cpu_client", "CPU cli µs"}, {"cpu_server", "CPU srv µs"}, {"resumed_share", "resumed %"},
}

// WriteRepeats writes a row per group of runs (the repeats of a scenario,
// see results.NewSet), for a terminal: the median of each metric over the
// repeats' measured phases and its spread, and their warnings.
func (v View) WriteRepeats(w io.Writer, runs []*results.Run) error {
	short := map[string]string{}
	for _, c := range repeatColumns {
		short[c.id] = c.short
	}
	var metrics []results.Metric
	for _, m := range results.Metrics() {
		if _, ok := short[m.ID]; v.Wide || ok {
			metrics = append(metrics, m)
		}
	}
	t := groupsTable(results.NewSet(runs).Groups, metrics, func(m results.Metric) string {
		if v.Wide {
			return m.Name + " " + m.Unit
		}
		return short[m.ID]
	})
	if !v.Wide {
		fitLast(t, Width)
	}
	if err := t.WriteText(w); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "median over the repeats ± the largest deviation of a repeat from it; compare sets with tlsbench compare")
	return err
}

// WriteSummary writes the closing table of a set of runs made by one
// tlsbench run: with repeats (more than 1), the table of repeats under a
// heading (WriteRepeats); else, for several runs, their measured phases
// (WriteRuns); for one run, nothing (WriteRun showed it).
func (v View) WriteSummary(w io.Writer, runs []*results.Run, repeats int) error {
	switch {
	case repeats > 1:
		fmt.Fprintf(w, "== all scenarios, measured phases, median of %d repeats ± spread\n", repeats)
		if err := v.WriteRepeats(w, runs); err != nil {
			return err
		}
	case len(runs) > 1:
		fmt.Fprintln(w, "== all runs, measured phases")
		if err := v.WriteRuns(w, runs); err != nil {
			return err
		}
	default:
		return nil
	}
	return v.WriteVariants(w, runs)
}
