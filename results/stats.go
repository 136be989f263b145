package results

import (
	"math"
	"slices"
)

// Stats summarizes one number over the repeats of a run: one value per run.
type Stats struct {
	// Values are the values, one per run, sorted.
	Values []float64
	// N is len(Values).
	N int
	// Median, Min and Max are read from Values; all are NaN when N is 0.
	Median, Min, Max float64
}

// NewStats returns the statistics of values (which it does not modify).
func NewStats(values []float64) Stats {
	v := slices.Clone(values)
	slices.Sort(v)
	s := Stats{Values: v, N: len(v), Median: math.NaN(), Min: math.NaN(), Max: math.NaN()}
	if len(v) == 0 {
		return s
	}
	s.Min, s.Max = v[0], v[len(v)-1]
	if n := len(v); n%2 == 1 {
		s.Median = v[n/2]
	} else {
		s.Median = (v[n/2-1] + v[n/2]) / 2
	}
	return s
}

// Spread is the largest deviation of a value from the median, as a fraction
// of the median: 0.03 means every repeat is within ±3 % of the median. It
// is 0 for one value, and NaN when the median is 0 and the values differ.
func (s Stats) Spread() float64 {
	if s.N < 2 {
		return 0
	}
	d := max(s.Max-s.Median, s.Median-s.Min)
	if d == 0 {
		return 0
	}
	if s.Median == 0 {
		return math.NaN()
	}
	return d / math.Abs(s.Median)
}

// MannWhitneyU runs the two-sided Mann-Whitney U test (Wilcoxon rank-sum)
// of x against y and returns U (of x) and the p-value: the probability,
// were x and y drawn from one distribution, of a U at least as far from
// its mean as this one. Ties get mid-ranks. The p-value is exact (every
// assignment of the pooled ranks to x is enumerated) when the samples
// have 20 values or fewer in all, and otherwise from the normal
// approximation with tie and continuity corrections. With an empty sample,
// or every value equal, p is 1.
func MannWhitneyU(x, y []float64) (u, p float64) {
	nx, ny := len(x), len(y)
	if nx == 0 || ny == 0 {
		return 0, 1
	}
	n := nx + ny
	type obs struct {
		v float64
		x bool
	}
	all := make([]obs, 0, n)
	for _, v := range x {
		all = append(all, obs{v, true})
	}
	for _, v := range y {
		all = append(all, obs{v, false})
	}
	slices.SortStableFunc(all, func(a, b obs) int {
		switch {
		case a.v < b.v:
			return -1
		case a.v > b.v:
			return 1
		}
		return 0
	})
	// rank2 holds twice the mid-rank of each observation, an integer.
	rank2 := make([]int, n)
	var tieTerm float64 // sum of t³ − t over groups of ties
	for i := 0; i < n; {
		j := i
		for j < n && all[j].v == all[i].v {
			j++
		}
		for k := i; k < j; k++ {
			rank2[k] = i + 1 + j // (i+1 + j) / 2 is the mid-rank, doubled
		}
		t := float64(j - i)
		tieTerm += t*t*t - t
		i = j
	}
	sum2 := 0
	for i, o := range all {
		if o.x {
			sum2 += rank2[i]
		}
	}
	u = float64(sum2)/2 - float64(nx*(nx+1))/2
	mean := float64(nx*ny) / 2
	if tieTerm == float64(n*n*n-n) { // every value equal
		return u, 1
	}
	if n <= 20 {
		return u, exactP(rank2, nx, math.Abs(u-mean), mean)
	}
	sigma := math.Sqrt(float64(nx*ny) / 12 * (float64(n+1) - tieTerm/float64(n*(n-1))))
	z := (math.Abs(u-mean) - 0.5) / sigma
	if z < 0 {
		z = 0
	}
	return u, math.Erfc(z / math.Sqrt2)
}

// exactP counts the assignments of nx of the pooled (doubled) ranks to x
// whose U is at least dev from the mean.
func exactP(rank2 []int, nx int, dev, mean float64) float64 {
	n := len(rank2)
	var hits, total float64
	idx := make([]int, nx)
	for i := range idx {
		idx[i] = i
	}
	base := float64(nx*(nx+1)) / 2
	for {
		s := 0
		for _, i := range idx {
			s += rank2[i]
		}
		total++
		if math.Abs(float64(s)/2-base-mean) >= dev-1e-9 {
			hits++
		}
		// next combination
		i := nx - 1
		for i >= 0 && idx[i] == n-nx+i {
			i--
		}
		if i < 0 {
			break
		}
		idx[i]++
		for j := i + 1; j < nx; j++ {
			idx[j] = idx[j-1] + 1
		}
	}
	return hits / total
}

// minPossibleP is the smallest two-sided p-value the exact U test can give
// for samples of nx and ny distinct values: 2 / C(nx+ny, nx).
func minPossibleP(nx, ny int) float64 {
	if nx == 0 || ny == 0 {
		return 1
	}
	c := 1.0
	for i := 1; i <= nx; i++ {
		c = c * float64(ny+i) / float64(i)
	}
	return min(1, 2/c)
}
