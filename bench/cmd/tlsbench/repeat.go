package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/scenarios"
)

// job is one run of one scenario in a repeated set.
type job struct {
	sc      *scenarios.Scenario
	index   int // the scenario's index in the set
	repeat  int // 1-based
	repeats int
}

func (j job) prefix() string {
	if j.repeats < 2 {
		return ""
	}
	return fmt.Sprintf("repeat %d/%d, ", j.repeat, j.repeats)
}

// interleave returns the runs of a set repeated n times, interleaved: every
// scenario once, then every scenario again, so that drift over time (a
// warming machine, another load) hits every scenario alike.
func interleave(scs []*scenarios.Scenario, n int) []job {
	var jobs []job
	for r := 1; r <= n; r++ {
		for i, sc := range scs {
			jobs = append(jobs, job{sc: sc, index: i, repeat: r, repeats: n})
		}
	}
	return jobs
}

// writeRepeatTable prints one row per scenario: the median of each metric
// over its repeats and the spread (the largest deviation from the median).
func writeRepeatTable(w io.Writer, runs []*results.Run) {
	metrics := results.Metrics()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := []string{"scenario", "runs"}
	for _, m := range metrics {
		head = append(head, m.Name+" "+m.Unit)
	}
	fmt.Fprintln(tw, strings.Join(append(head, "warnings"), "\t")+"\t")
	for _, g := range results.NewSet(runs).Groups {
		fmt.Fprintln(tw, strings.Join(groupRow(g.Name, g.Runs, metrics), "\t")+"\t")
	}
	tw.Flush()
	fmt.Fprintln(w, "median over the repeats ± the largest deviation of a repeat from it; compare sets with tlsbench compare")
}

// medianSpread formats statistics as "3014 ±3%" (a single value without
// the spread; "-" for none).
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

// warningList lists the codes of the warnings about the measured phases
// of runs, each once.
func warningList(runs []*results.Run) string {
	var ws []results.Warning
	for _, r := range runs {
		ws = append(ws, r.MeasuredWarnings()...)
	}
	return codeList(ws)
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

// groupRow is one table row for a group of runs of the same label: the
// label, the number of runs, each metric's median and spread over their
// measured phases, and their warnings.
func groupRow(label string, runs []*results.Run, metrics []results.Metric) []string {
	row := []string{label, fmt.Sprint(len(runs))}
	var phases []results.Phase
	for _, r := range runs {
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
	return append(row, warningList(runs))
}
