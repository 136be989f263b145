package results

import (
	"fmt"
	"math"
	"strings"
)

// Metric is one number of a run's measured phases by which runs are
// compared.
type Metric struct {
	// ID names the metric in machine-readable output ("rate").
	ID string
	// Name names it for people ("handshakes/s").
	Name string
	// Unit is its unit ("hs/s", "µs", "µs/hs", "B/hs", "%").
	Unit string
	// HigherIsBetter says which direction is an improvement.
	HigherIsBetter bool
	// Value reads the metric from a measured phase (see Run.Measured). ok
	// is false when the phase does not hold it: no completed handshake,
	// or a server whose CPU was not observed.
	Value func(p Phase) (v float64, ok bool)
}

// Metrics returns the metrics that comparisons show, in their order:
// rate, handshake p50 and p99, connect p50, client and server CPU per
// handshake, bytes each way, and the share of resumed handshakes.
func Metrics() []Metric {
	done := func(p Phase) bool { return p.Handshakes.Completed() > 0 }
	return []Metric{
		{"rate", "rate", "hs/s", true, func(p Phase) (float64, bool) { return p.RatePerS, p.WindowS > 0 }},
		{"handshake_p50", "handshake p50", "µs", false, func(p Phase) (float64, bool) { return p.LatencyUS.Handshake.P50, done(p) }},
		{"handshake_p99", "handshake p99", "µs", false, func(p Phase) (float64, bool) { return p.LatencyUS.Handshake.P99, done(p) }},
		{"connect_p50", "connect p50", "µs", false, func(p Phase) (float64, bool) { return p.LatencyUS.Connect.P50, done(p) }},
		{"cpu_client", "client CPU/handshake", "µs", false, func(p Phase) (float64, bool) { return p.CPUUSPerHandshake.Client, done(p) }},
		{"cpu_server", "server CPU/handshake", "µs", false, func(p Phase) (float64, bool) {
			return p.CPUUSPerHandshake.Server, done(p) && p.CPU.ServerObserved
		}},
		{"bytes_c2s", "bytes client→server/hs", "B", false, func(p Phase) (float64, bool) { return p.BytesPerHandshake.ClientToServer, done(p) }},
		{"bytes_s2c", "bytes server→client/hs", "B", false, func(p Phase) (float64, bool) { return p.BytesPerHandshake.ServerToClient, done(p) }},
		{"resumed_share", "resumed share", "%", true, func(p Phase) (float64, bool) {
			return 100 * float64(p.Handshakes.Resumed) / float64(p.Handshakes.Completed()), done(p)
		}},
	}
}

// Test is the way a comparison decided whether a difference is noise.
type Test int

const (
	// ThresholdTest counts a difference of the medians when it is at least
	// Rule.Threshold, in either direction. It is used when there are too
	// few repeats for the U test.
	ThresholdTest Test = iota
	// UTest counts a difference when the Mann-Whitney U test gives
	// p < Rule.Alpha and the medians differ by at least Rule.MinEffect.
	UTest
)

func (t Test) String() string {
	if t == UTest {
		return "U test"
	}
	return "threshold"
}

// Rule decides whether a difference between two sets of runs is beyond
// noise. The zero Rule is the default: α = 0.05, minimum effect 5 %,
// threshold 20 %.
//
// With at least 3 runs on each side, and enough of them that the exact U
// test can reach α at all (its smallest possible p is 2/C(a+b, a): 0.100
// for 3 and 3, 0.029 for 4 and 4), the runs are compared with the
// Mann-Whitney U test, and a difference counts when p < α and the medians
// differ by at least MinEffect. Otherwise the medians (single values for
// single runs) are compared with Threshold: on a shared 2-core machine,
// where generator and server share the CPUs, single runs differ by up to
// about 20 % without any change.
//
// Relative differences are symmetric: a difference of 20 % means B/A ≥
// 1.20 or B/A ≤ 1/1.20, so that comparing B with A gives the same verdict
// as A with B.
type Rule struct {
	// Alpha is the U test's significance level; 0 means 0.05.
	Alpha float64
	// MinEffect is the smallest relative difference of the medians that
	// counts under the U test (0.05 is 5 %); 0 means 0.05.
	MinEffect float64
	// Threshold is the smallest relative difference that counts when the
	// U test cannot be used (0.20 is 20 %); 0 means 0.20.
	Threshold float64
}

func (r Rule) withDefaults() Rule {
	if r.Alpha <= 0 {
		r.Alpha = 0.05
	}
	if r.MinEffect <= 0 {
		r.MinEffect = 0.05
	}
	if r.Threshold <= 0 {
		r.Threshold = 0.20
	}
	return r
}

// Test returns the test the rule uses for na runs against nb runs.
func (r Rule) Test(na, nb int) Test {
	r = r.withDefaults()
	if na >= 3 && nb >= 3 && minPossibleP(na, nb) < r.Alpha {
		return UTest
	}
	return ThresholdTest
}

// Describe says in one sentence how the rule decides for na runs against
// nb runs.
func (r Rule) Describe(na, nb int) string {
	r = r.withDefaults()
	if r.Test(na, nb) == UTest {
		return fmt.Sprintf("Mann-Whitney U test over %d and %d runs: a difference counts when p < %g and the medians differ by ≥ %s; otherwise ~",
			na, nb, r.Alpha, pct(r.MinEffect))
	}
	what := "single runs"
	if na > 1 || nb > 1 {
		what = fmt.Sprintf("medians of %d and %d runs", na, nb)
	}
	s := fmt.Sprintf("%s: a difference counts when B/A ≥ %.2f or ≤ %.2f (%s either way); smaller ones are ~, the noise of a shared machine",
		what, 1+r.Threshold, 1/(1+r.Threshold), pct(r.Threshold))
	if na >= 3 && nb >= 3 {
		s += fmt.Sprintf(" (%d and %d runs are too few for the U test at α = %g: its smallest possible p is %.3f)", na, nb, r.Alpha, minPossibleP(na, nb))
	} else if na > 1 || nb > 1 {
		s += " (the U test needs ≥ 3 runs a side, and ≥ 4 and 4 to reach p < 0.05)"
	}
	return s
}

func pct(f float64) string { return fmt.Sprintf("%g %%", math.Round(f*1000)/10) }

// Comparison is one metric of two sets of runs, A and B.
type Comparison struct {
	Metric Metric
	// A and B are the metric's values over the runs of each side.
	A, B Stats
	// Ratio is B.Median / A.Median: +Inf when only A's is 0, 1 when both
	// are, NaN when a side has no value.
	Ratio float64
	// Test is how Beyond was decided.
	Test Test
	// P is the U test's p-value; NaN under ThresholdTest.
	P float64
	// Beyond is true when the difference is beyond noise under Test.
	Beyond bool
}

// Better reports whether B is better than A in the metric's direction.
// It says nothing about noise: see Beyond.
func (c Comparison) Better() bool {
	if c.Metric.HigherIsBetter {
		return c.B.Median > c.A.Median
	}
	return c.B.Median < c.A.Median
}

// Compare compares two samples of one metric under the rule.
func (r Rule) Compare(m Metric, a, b []float64) Comparison {
	r = r.withDefaults()
	c := Comparison{Metric: m, A: NewStats(a), B: NewStats(b), P: math.NaN()}
	c.Ratio = ratio(c.A.Median, c.B.Median)
	if c.A.N == 0 || c.B.N == 0 {
		c.Test = r.Test(c.A.N, c.B.N)
		return c
	}
	effect := effect(c.Ratio)
	c.Test = r.Test(c.A.N, c.B.N)
	if c.Test == UTest {
		_, c.P = MannWhitneyU(c.A.Values, c.B.Values)
		c.Beyond = c.P < r.Alpha && effect >= r.MinEffect-1e-12
		return c
	}
	c.Beyond = effect >= r.Threshold-1e-12
	return c
}

func ratio(a, b float64) float64 {
	switch {
	case math.IsNaN(a) || math.IsNaN(b):
		return math.NaN()
	case a == 0 && b == 0:
		return 1
	case a == 0:
		return math.Inf(1)
	}
	return b / a
}

// effect is the symmetric relative difference of a ratio: max(r, 1/r) − 1.
func effect(r float64) float64 {
	switch {
	case math.IsNaN(r):
		return 0
	case r == 0 || math.IsInf(r, 1):
		return math.Inf(1)
	}
	return max(r, 1/r) - 1
}

// Compare compares the measured phases of two sets of runs, metric by
// metric (see Metrics), each run giving one value. The sets are usually
// the repeats of one scenario each, but any two sets can be compared.
func Compare(a, b []*Run, rule Rule) ([]Comparison, error) {
	pa, err := measuredAll(a)
	if err != nil {
		return nil, err
	}
	pb, err := measuredAll(b)
	if err != nil {
		return nil, err
	}
	var out []Comparison
	for _, m := range Metrics() {
		out = append(out, rule.Compare(m, values(m, pa), values(m, pb)))
	}
	return out, nil
}

func measuredAll(runs []*Run) ([]Phase, error) {
	var ps []Phase
	for _, r := range runs {
		p, err := r.Measured()
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return ps, nil
}

func values(m Metric, ps []Phase) []float64 {
	var v []float64
	for _, p := range ps {
		if x, ok := m.Value(p); ok {
			v = append(v, x)
		}
	}
	return v
}

// Pair is two sets of runs compared metric by metric.
type Pair struct {
	// A and B are the runs of each side.
	A, B []*Run
	// Metrics are the comparisons, one per metric (see Compare).
	Metrics []Comparison
}

// Comparisons are pairs of run sets compared under one rule.
type Comparisons struct {
	Rule  Rule
	Pairs []Pair
	// OnlyA and OnlyB name the groups found in one set only, which were
	// not compared.
	OnlyA, OnlyB []string
}

// CompareSets compares two sets of runs: directly when each holds one
// group (whatever their names: full vs resumed, say), else group by group,
// matched by name (a scenario before and after a change, across setups
// too). It is an error when no name is in both sets, or a run has no
// measured phase.
func CompareSets(a, b []*Run, rule Rule) (*Comparisons, error) {
	sa, sb := NewSet(a), NewSet(b)
	c := &Comparisons{Rule: rule}
	byName := func(s *Set) (names []string, runs map[string][]*Run) {
		runs = map[string][]*Run{}
		for _, g := range s.Groups {
			if runs[g.Name] == nil {
				names = append(names, g.Name)
			}
			runs[g.Name] = append(runs[g.Name], g.Runs...)
		}
		return names, runs
	}
	na, ra := byName(sa)
	nb, rb := byName(sb)
	if len(na) == 1 && len(nb) == 1 {
		c.Pairs = []Pair{{A: ra[na[0]], B: rb[nb[0]]}}
	} else {
		for _, n := range na {
			if rb[n] == nil {
				c.OnlyA = append(c.OnlyA, n)
				continue
			}
			c.Pairs = append(c.Pairs, Pair{A: ra[n], B: rb[n]})
		}
		for _, n := range nb {
			if ra[n] == nil {
				c.OnlyB = append(c.OnlyB, n)
			}
		}
		if len(c.Pairs) == 0 {
			return nil, fmt.Errorf("results: no scenario is in both sets (A: %s; B: %s)", strings.Join(c.OnlyA, ", "), strings.Join(c.OnlyB, ", "))
		}
	}
	for i := range c.Pairs {
		var err error
		if c.Pairs[i].Metrics, err = Compare(c.Pairs[i].A, c.Pairs[i].B, rule); err != nil {
			return nil, err
		}
	}
	return c, nil
}
