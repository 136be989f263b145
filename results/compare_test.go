package results

import (
	"math"
	"strings"
	"testing"
)

func TestNewStats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		in               []float64
		median, min, max float64
		spread           float64
	}{
		{"one", []float64{5}, 5, 5, 5, 0},
		{"odd", []float64{3, 1, 2}, 2, 1, 3, 0.5},
		{"even", []float64{4, 1, 3, 2}, 2.5, 1, 4, 0.6},
		{"equal", []float64{7, 7}, 7, 7, 7, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NewStats(tt.in)
			if got.N != len(tt.in) || got.Median != tt.median || got.Min != tt.min || got.Max != tt.max {
				t.Errorf("NewStats(%v) = %+v, want median %g min %g max %g", tt.in, got, tt.median, tt.min, tt.max)
			}
			if s := got.Spread(); math.Abs(s-tt.spread) > 1e-12 {
				t.Errorf("Spread = %g, want %g", s, tt.spread)
			}
		})
	}
	if s := NewStats(nil); s.N != 0 || !math.IsNaN(s.Median) {
		t.Errorf("NewStats(nil) = %+v, want N 0 and a NaN median", s)
	}
}

// bruteU computes U and the two-sided exact p-value from the definitions:
// U counts the pairs (x, y) with x > y, ties as one half, and p is the
// share of all splits of the pooled values whose U is as far from the
// mean.
func bruteU(x, y []float64) (float64, float64) {
	u := func(x, y []float64) float64 {
		var s float64
		for _, a := range x {
			for _, b := range y {
				switch {
				case a > b:
					s++
				case a == b:
					s += 0.5
				}
			}
		}
		return s
	}
	obs := u(x, y)
	mean := float64(len(x)*len(y)) / 2
	all := append(append([]float64{}, x...), y...)
	var hits, total float64
	n := len(all)
	for mask := 0; mask < 1<<n; mask++ {
		var a, b []float64
		for i := range n {
			if mask&(1<<i) != 0 {
				a = append(a, all[i])
			} else {
				b = append(b, all[i])
			}
		}
		if len(a) != len(x) {
			continue
		}
		total++
		if math.Abs(u(a, b)-mean) >= math.Abs(obs-mean)-1e-9 {
			hits++
		}
	}
	return obs, hits / total
}

func TestMannWhitneyU(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		x, y []float64
		p    float64 // NaN: check against bruteU
	}{
		{"separated 5+5", []float64{1, 2, 3, 4, 5}, []float64{6, 7, 8, 9, 10}, 2.0 / 252},
		{"separated 4+4", []float64{10, 11, 12, 13}, []float64{1, 2, 3, 4}, 2.0 / 70},
		{"separated 3+3", []float64{1, 2, 3}, []float64{4, 5, 6}, 0.1},
		{"identical", []float64{5, 5, 5}, []float64{5, 5, 5}, 1},
		{"interleaved", []float64{1, 3, 5, 7}, []float64{2, 4, 6, 8}, math.NaN()},
		{"ties", []float64{1, 2, 2, 3, 5}, []float64{2, 3, 3, 4}, math.NaN()},
		{"ties across", []float64{100, 100, 101}, []float64{100, 102, 102, 103}, math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, p := MannWhitneyU(tt.x, tt.y)
			wantU, wantP := bruteU(tt.x, tt.y)
			if !math.IsNaN(tt.p) {
				wantP = tt.p
			}
			if u != wantU {
				t.Errorf("U = %g, want %g", u, wantU)
			}
			if math.Abs(p-wantP) > 1e-9 {
				t.Errorf("p = %g, want %g", p, wantP)
			}
			if _, q := MannWhitneyU(tt.y, tt.x); math.Abs(p-q) > 1e-12 {
				t.Errorf("p(x, y) = %g but p(y, x) = %g: the test is two-sided", p, q)
			}
		})
	}
	t.Run("normal approximation", func(t *testing.T) {
		// R: wilcox.test(1:15, 16:30, exact = FALSE)$p.value = 3.391e-06.
		var x, y []float64
		for i := 1; i <= 15; i++ {
			x = append(x, float64(i))
			y = append(y, float64(i+15))
		}
		if _, p := MannWhitneyU(x, y); math.Abs(p-3.391e-6)/3.391e-6 > 0.001 {
			t.Errorf("p = %g, want 3.391e-06", p)
		}
	})
}

func TestRule(t *testing.T) {
	t.Parallel()
	rate := Metrics()[0]
	tests := []struct {
		name   string
		a, b   []float64
		test   Test
		beyond bool
	}{
		{"single, 15 % apart", []float64{100}, []float64{115}, ThresholdTest, false},
		{"single, 25 % apart", []float64{100}, []float64{125}, ThresholdTest, true},
		{"single, B 20 % below", []float64{100}, []float64{80}, ThresholdTest, true}, // 100/80 = 1.25
		{"single, B 16 % below", []float64{100}, []float64{84}, ThresholdTest, false},
		{"3+3, separated by 30 %", []float64{100, 101, 102}, []float64{130, 131, 132}, ThresholdTest, true},
		{"3+3, separated by 10 %", []float64{100, 101, 102}, []float64{110, 111, 112}, ThresholdTest, false},
		{"5+5, separated by 10 %", []float64{100, 101, 102, 103, 104}, []float64{110, 111, 112, 113, 114}, UTest, true},
		{"5+5, separated by 2 %", []float64{100, 100.1, 100.2, 100.3, 100.4}, []float64{102, 102.1, 102.2, 102.3, 102.4}, UTest, false},
		{"5+5, overlapping", []float64{90, 100, 110, 95, 105}, []float64{92, 102, 112, 97, 107}, UTest, false},
		{"3+5, separated", []float64{100, 101, 102}, []float64{130, 131, 132, 133, 134}, UTest, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Rule{}.Compare(rate, tt.a, tt.b)
			if c.Test != tt.test || c.Beyond != tt.beyond {
				t.Errorf("Compare = %s, beyond %v (p %g); want %s, beyond %v", c.Test, c.Beyond, c.P, tt.test, tt.beyond)
			}
			d := Rule{}.Compare(rate, tt.b, tt.a)
			if d.Beyond != c.Beyond {
				t.Errorf("A vs B says beyond %v, B vs A says %v: the rule must be symmetric", c.Beyond, d.Beyond)
			}
		})
	}
	if got := (Rule{Threshold: 0.5}).Compare(rate, []float64{100}, []float64{140}); got.Beyond {
		t.Errorf("with a 50 %% threshold, 100 vs 140 is beyond noise")
	}
	for _, n := range [][2]int{{1, 1}, {3, 3}, {4, 4}} {
		if d := (Rule{}).Describe(n[0], n[1]); d == "" {
			t.Errorf("Describe(%d, %d) is empty", n[0], n[1])
		}
	}
	if d := (Rule{}).Describe(3, 3); !strings.Contains(d, "0.100") {
		t.Errorf("Describe(3, 3) = %q, want it to say why the U test is not used (smallest p 0.100)", d)
	}
}

func TestRatioEdges(t *testing.T) {
	t.Parallel()
	share := Metrics()[len(Metrics())-1]
	c := Rule{}.Compare(share, []float64{0}, []float64{100})
	if !math.IsInf(c.Ratio, 1) || !c.Beyond || !c.Better() {
		t.Errorf("0 → 100 %%: ratio %g beyond %v better %v, want +Inf, true, true", c.Ratio, c.Beyond, c.Better())
	}
	c = Rule{}.Compare(share, []float64{0}, []float64{0})
	if c.Ratio != 1 || c.Beyond {
		t.Errorf("0 → 0: ratio %g beyond %v, want 1, false", c.Ratio, c.Beyond)
	}
	c = Rule{}.Compare(share, nil, []float64{3})
	if !math.IsNaN(c.Ratio) || c.Beyond {
		t.Errorf("no A: ratio %g beyond %v, want NaN, false", c.Ratio, c.Beyond)
	}
}
