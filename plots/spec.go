// Package plots draws the charts of a set of runs for a design review:
// handshakes per second, the handshake-latency percentile spectrum, CPU
// and bytes per handshake, rate and p99 over time; for runs behind a
// network link, handshake latency against the round-trip time and in
// round trips; and, for runs against several server nodes, the
// resumption rate and the node × node resumption matrix.
//
// It works in two steps. Build turns []*results.Run into chart specs
// ([]Chart): pure data that says what each chart shows (rows, series,
// values, labels, notes) and that tests compare against goldens. Render
// and Save draw a spec with gonum/plot as PNG or SVG. The package reads
// result files' data only: it does not measure, and it reads no files.
//
// Conventions every chart follows:
//   - only measured phases are shown (a run's measured phases merged, see
//     results.Run.Measured), except in the over-time chart, which shows
//     every phase and marks where measuring starts;
//   - runs are grouped by results.NewSet, the grouping every table,
//     comparison and report uses: runs that share a name (and setup) are
//     repeats of one scenario: a bar is their median, its whisker their
//     min..max, a latency line reads their merged histograms;
//   - runs whose labels (results.Labels) differ only in resumption mode
//     form a group under their setup's title; a group's first run (the
//     one without resumption, when there is one) is its baseline, and bar
//     texts give the ratio to it ("×1.81"). Runs without labels (files
//     written before labels existed) are each a group of their own, titled
//     "unknown setup (name)";
//   - a run's warnings mark its label with "*" and are listed in the
//     chart's notes.
package plots

// Chart is one chart as data: what to draw, not how. Exactly one of Bars,
// Lines and Heat is set.
type Chart struct {
	// Name is the chart's file name without extension ("rate").
	Name string `json:"name"`
	// Title says what the chart shows.
	Title string `json:"title"`
	// Subtitle says where: server, machine, clients, the network (when a
	// run had one), tool version.
	Subtitle string `json:"subtitle,omitempty"`

	Bars  *Bars  `json:"bars,omitempty"`
	Lines *Lines `json:"lines,omitempty"`
	Heat  *Heat  `json:"heat,omitempty"`

	// Notes are footnotes: what the numbers are, and the runs' warnings.
	Notes []string `json:"notes,omitempty"`
}

// Bars is a horizontal bar chart: one row per run, top to bottom, rows of
// a group under a heading row.
type Bars struct {
	// Axis is the value axis label, with the unit.
	Axis string `json:"axis"`
	// Series names the bars of a row ("full", "resumed").
	Series []string `json:"series"`
	// Colors gives each series its color, as "#rrggbb".
	Colors []string `json:"colors"`
	// Stacked puts a row's series end to end in one bar; otherwise they
	// are side by side.
	Stacked bool `json:"stacked,omitempty"`
	// Max, when set, fixes the value axis's end (100 for percentages);
	// otherwise it fits the longest bar.
	Max float64 `json:"max,omitempty"`
	// Rows are the rows, top to bottom.
	Rows []Row `json:"rows"`
}

// Row is one row of a bar chart: a heading, or a run's bars.
type Row struct {
	// Heading, when set, makes this a heading row (no bars): the setup
	// that the group's runs share.
	Heading string `json:"heading,omitempty"`
	// Label names the run (its label, "×N" for N repeats, "*" when it
	// has warnings).
	Label string `json:"label,omitempty"`
	// Bars has one bar per series.
	Bars []Bar `json:"bars,omitempty"`
	// Range and Text apply to a stacked row's whole bar: the min..max of
	// its total over the repeats, and the text written after it.
	Range []float64 `json:"range,omitempty"`
	Text  string    `json:"text,omitempty"`
}

// Bar is one bar (or one segment of a stacked bar).
type Bar struct {
	// Value is the bar's length: the median over the repeats.
	Value float64 `json:"value"`
	// None is true when there is no value (for example a server whose CPU
	// was not observed); the bar is not drawn.
	None bool `json:"none,omitempty"`
	// Range is [min, max] over the repeats; nil for a single run.
	Range []float64 `json:"range,omitempty"`
	// Text is written after the bar.
	Text string `json:"text,omitempty"`
}

// Lines is a chart of lines in one or more panels that share the x axis.
type Lines struct {
	// X is the shared x axis.
	X Axis `json:"x"`
	// Panels are drawn top to bottom.
	Panels []Panel `json:"panels"`
	// Marks are vertical lines across every panel.
	Marks []Mark `json:"marks,omitempty"`
	// Legend describes each style once, in order.
	Legend []LegendEntry `json:"legend"`
}

// Axis describes an axis.
type Axis struct {
	// Label names the quantity and its unit.
	Label string `json:"label"`
	// Scale is "linear", "log", or "percentile": values are percentiles
	// (50 .. 99.99) drawn on a log scale of 1/(1 − q), labelled 50 %,
	// 90 %, 99 %, 99.9 %, 99.99 %.
	Scale string `json:"scale"`
}

// Panel is one panel of a line chart.
type Panel struct {
	Y     Axis   `json:"y"`
	Lines []Line `json:"lines"`
}

// Line is one line.
type Line struct {
	// Label names the line (see LegendEntry; lines of repeats share one).
	Label string `json:"label"`
	// Color indexes the palette: the run's group, so that a group's runs
	// share a color.
	Color int `json:"color"`
	// Dashed marks resumed handshakes (full ones are solid).
	Dashed bool `json:"dashed,omitempty"`
	// Points are the line's points in data units.
	Points []XY `json:"points"`
}

// XY is a point.
type XY struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Mark is a vertical line with a label, such as the start of measuring.
type Mark struct {
	X     float64 `json:"x"`
	Label string  `json:"label"`
}

// LegendEntry names one line style.
type LegendEntry struct {
	Label  string `json:"label"`
	Color  int    `json:"color"`
	Dashed bool   `json:"dashed,omitempty"`
}

// Heat is a heat map with a value and a text in every cell.
type Heat struct {
	// X and Y label the axes; Cols and Rows name the columns (left to
	// right) and rows (top to bottom).
	X    string   `json:"x"`
	Y    string   `json:"y"`
	Cols []string `json:"cols"`
	Rows []string `json:"rows"`
	// Cells[r][c] is the cell of row r and column c.
	Cells [][]Cell `json:"cells"`
	// Min and Max are the values at the ends of the color scale.
	Min float64 `json:"min"`
	Max float64 `json:"max"`
}

// Cell is one cell of a heat map.
type Cell struct {
	Value float64 `json:"value"`
	// None is true when the cell has no value (nothing was offered); it
	// is drawn gray.
	None bool   `json:"none,omitempty"`
	Text string `json:"text"`
}
