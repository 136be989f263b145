package report

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/tlsbench/tlsbench/results"
)

// num formats a measured value: no decimals from 100 up, three significant
// digits below.
func num(v float64) string {
	switch {
	case math.IsNaN(v):
		return "n/a"
	case math.Abs(v) >= 100 || v == 0:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// medianSpread formats statistics over repeats as "3014 ±3%": the median
// and the largest deviation of a value from it; a single value alone; the
// range when the median is 0 and the values differ ("0 (0..2.00)"); "-"
// for none.
func medianSpread(st results.Stats) string {
	if st.N == 0 {
		return "-"
	}
	s := num(st.Median)
	if st.N > 1 {
		sp := st.Spread()
		if math.IsNaN(sp) {
			return s + fmt.Sprintf(" (%s..%s)", num(st.Min), num(st.Max))
		}
		s += fmt.Sprintf(" ±%.0f%%", 100*sp)
	}
	return s
}

// verdict is benchstat's last column: "~" for noise, else the change and
// whether it is better or worse, with the p-value under the U test.
func verdict(c results.Comparison) string {
	if c.A.N == 0 || c.B.N == 0 {
		return "n/a"
	}
	p := ""
	if c.Test == results.UTest {
		p = fmt.Sprintf(" (p=%.3f)", c.P)
	}
	if !c.Beyond {
		return "~" + p
	}
	word := "worse"
	if c.Better() {
		word = "better"
	}
	return change(c) + " " + word + p
}

// change is the difference of B from A: a percentage, or percentage
// points for a metric that is itself a percentage.
func change(c results.Comparison) string {
	if c.Metric.Unit == "%" {
		return fmt.Sprintf("%+.1f pts", c.B.Median-c.A.Median)
	}
	if math.IsInf(c.Ratio, 1) {
		return "+∞%"
	}
	d := 100 * (c.Ratio - 1)
	if d < 0 {
		return fmt.Sprintf("−%.0f%%", -d)
	}
	return fmt.Sprintf("+%.0f%%", d)
}

func ratioCell(c results.Comparison) string {
	switch {
	case math.IsNaN(c.Ratio):
		return "n/a"
	case math.IsInf(c.Ratio, 1):
		return "∞"
	}
	return fmt.Sprintf("%.2f", c.Ratio)
}

// metricsTable is a comparison's table: metric, unit, A, B, B/A and the
// verdict; a and b head the A and B columns.
func metricsTable(p results.Pair, a, b string) *Table {
	t := &Table{Head: []string{"metric", "unit", a, b, "B/A", "verdict"}, Right: []bool{false, false, true, true, true, false}}
	for _, c := range p.Metrics {
		t.Rows = append(t.Rows, []string{c.Metric.Name, c.Metric.Unit, medianSpread(c.A), medianSpread(c.B), ratioCell(c), verdict(c)})
	}
	return t
}

// codeList joins the distinct codes of ws with commas; "-" for none.
func codeList(ws []results.Warning) string {
	var codes []string
	for _, c := range results.Codes(ws) {
		codes = append(codes, string(c))
	}
	if len(codes) == 0 {
		return "-"
	}
	return strings.Join(codes, ",")
}

// warningList lists the codes of the warnings about the measured phases
// of runs, each once.
func warningList(runs []*results.Run) string {
	var ws []results.Warning
	for _, r := range runs {
		ws = append(ws, r.MeasuredWarnings()...)
	}
	return codeList(ws)
}

// groupRow is one row for a group of runs: its name, the number of runs,
// each metric's median and spread over their measured phases, and their
// warnings.
func groupRow(g *results.Group, metrics []results.Metric) []string {
	row := []string{g.Name, fmt.Sprint(len(g.Runs))}
	var phases []results.Phase
	for _, r := range g.Runs {
		if p, err := r.Measured(); err == nil {
			phases = append(phases, p)
		}
	}
	for _, m := range metrics {
		var v []float64
		for _, p := range phases {
			if x, ok := m.Value(p); ok {
				v = append(v, x)
			}
		}
		row = append(row, medianSpread(results.NewStats(v)))
	}
	return append(row, warningList(g.Runs))
}

// groupsTable is a row per group of runs (see groupRow) with the given
// metrics, each headed by head(m).
func groupsTable(groups []*results.Group, metrics []results.Metric, head func(results.Metric) string) *Table {
	t := &Table{Head: []string{"scenario", "runs"}, Right: []bool{false, true}}
	for _, m := range metrics {
		t.Head = append(t.Head, head(m))
		t.Right = append(t.Right, true)
	}
	t.Head = append(t.Head, "warnings")
	for _, g := range groups {
		t.Rows = append(t.Rows, groupRow(g, metrics))
	}
	return t
}

// names lists the distinct names of runs, in order.
func names(runs []*results.Run) []string {
	var out []string
	for _, r := range runs {
		if n := r.Name(); !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// side names one side of a comparison: "tls13-full (3 runs)".
func side(runs []*results.Run) string {
	s := strings.Join(names(runs), ", ")
	if len(runs) == 1 {
		return s + " (1 run)"
	}
	return fmt.Sprintf("%s (%d runs)", s, len(runs))
}

func addOnce(list *[]string, s string) {
	if !slices.Contains(*list, s) {
		*list = append(*list, s)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// shellJoin quotes args for a POSIX shell where needed.
func shellJoin(args []string) string {
	var out []string
	for _, a := range args {
		if a != "" && strings.IndexFunc(a, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r))
		}) < 0 {
			out = append(out, a)
			continue
		}
		out = append(out, "'"+strings.ReplaceAll(a, "'", `'\''`)+"'")
	}
	return strings.Join(out, " ")
}
