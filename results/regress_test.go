package results

import (
	"strings"
	"testing"
)

func TestWorse(t *testing.T) {
	t.Parallel()
	full := findingRun(t, "full", "none", nil, func(p *Phase) { p.WindowS = 2 })
	resumed := findingRun(t, "resumed", "tickets", nil, func(p *Phase) { p.WindowS = 0.5; cpu(300, 200)(p) })
	tests := []struct {
		name string
		a, b *Run
		ids  []string
		want []string
	}{
		{"B better", full, resumed, []string{"rate", "cpu_server"}, nil},
		{"B worse", resumed, full, []string{"rate", "cpu_server"}, []string{
			"rate: 2830 → 708 hs/s (B/A 0.25, beyond noise by the threshold rule) for A resumed vs B full",
			"cpu_server: 200 → 500 µs (B/A 2.50, beyond noise by the threshold rule) for A resumed vs B full",
		}},
		{"worse, but on a metric not asked for", resumed, full, []string{"bytes_c2s"}, nil},
		{"within noise", full, findingRun(t, "full2", "none", nil, func(p *Phase) { p.WindowS = 2.1 }), []string{"rate"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := CompareSets([]*Run{tt.a}, []*Run{tt.b}, Rule{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range c.Worse(tt.ids) {
				got = append(got, r.String())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Worse(%v):\n got %q\nwant %q", tt.ids, got, tt.want)
			}
		})
	}
}
