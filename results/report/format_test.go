package report

import (
	"testing"

	"github.com/tlsbench/tlsbench/results"
)

func TestMedianSpread(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   []float64
		want string
	}{
		{nil, "-"},
		{[]float64{1818.4}, "1818"},
		{[]float64{90, 100, 110}, "100 ±10%"},
		{[]float64{0, 0, 2}, "0 (0..2.00)"},
		{[]float64{12.345}, "12.3"},
	}
	for _, tt := range tests {
		if got := medianSpread(results.NewStats(tt.in)); got != tt.want {
			t.Errorf("medianSpread(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
