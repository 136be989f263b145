package results

import (
	"fmt"
	"slices"
	"strings"
)

// MetricIDs returns the IDs of Metrics, in their order.
func MetricIDs() []string {
	var ids []string
	for _, m := range Metrics() {
		ids = append(ids, m.ID)
	}
	return ids
}

// Regression is a metric on which B is worse than A beyond noise under
// the comparison's rule: what a baseline check in a pipeline fails on.
type Regression struct {
	// A and B name the sides' scenarios.
	A, B string
	// Comparison is the metric's comparison, with Beyond set and B worse.
	Comparison
}

// String says what got worse and by how much: "rate: 2803 → 1034 hs/s
// (B/A 0.37, beyond noise by the threshold rule) for full vs resumed".
func (r Regression) String() string {
	c := r.Comparison
	how := "by the threshold rule"
	if c.Test == UTest {
		how = fmt.Sprintf("by the U test, p = %.3f", c.P)
	}
	return fmt.Sprintf("%s: %s → %s (B/A %.2f, beyond noise %s) for A %s vs B %s",
		c.Metric.ID, figure(c.A.Median, ""), figure(c.B.Median, c.Metric.Unit), c.Ratio, how, r.A, r.B)
}

// Worse returns, for every pair, the metrics among ids (see MetricIDs)
// on which B is worse than A beyond noise, in the order of the pairs and
// of Metrics.
func (c *Comparisons) Worse(ids []string) []Regression {
	var out []Regression
	for _, p := range c.Pairs {
		for _, m := range p.Metrics {
			if slices.Contains(ids, m.Metric.ID) && m.Beyond && !m.Better() {
				out = append(out, Regression{A: strings.Join(runNames(p.A), ", "), B: strings.Join(runNames(p.B), ", "), Comparison: m})
			}
		}
	}
	return out
}

// runNames lists the distinct names of runs, in order.
func runNames(runs []*Run) []string {
	var out []string
	for _, r := range runs {
		out = appendOnce(out, r.Name())
	}
	return out
}
