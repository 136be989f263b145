package plots_test

import (
	"bytes"
	"encoding/json"
	"image"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tlsbench/tlsbench/plots"
	"github.com/tlsbench/tlsbench/results"
)

// netRuns reads testdata/netruns: TLS 1.3 full and resumed handshakes
// behind the network lab at 10 and 40 ms RTT (an RTT sweep of each).
func netRuns(t *testing.T) []*results.Run {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join("testdata", "netruns", "*.json"))
	if len(paths) != 4 {
		t.Fatalf("%d runs in testdata/netruns, want 4", len(paths))
	}
	var runs []*results.Run
	for _, p := range paths {
		r, err := results.Read(p)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r)
	}
	return runs
}

// TestBuildNetwork checks the charts of runs behind a link against their
// golden, and what a reader must tell from them: the latency grows with
// the RTT along one line per scenario and kind, a TLS 1.3 handshake takes
// about one RTT, and every chart names the network.
func TestBuildNetwork(t *testing.T) {
	t.Parallel()
	charts, err := plots.Build(netRuns(t))
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(charts, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "net-charts.golden.json", append(got, '\n'))
	byName := map[string]plots.Chart{}
	var names []string
	for _, c := range charts {
		byName[c.Name] = c
		names = append(names, c.Name)
		if !strings.Contains(c.Subtitle, "network: 10ms RTT / 40ms RTT") {
			t.Errorf("%s: subtitle %q does not name the networks", c.Name, c.Subtitle)
		}
	}
	if want := []string{"rate", "latency", "cpu", "bytes", "timeline", plots.RTTChart, plots.RoundTripsChart}; !slices.Equal(names, want) {
		t.Errorf("charts %v, want %v", names, want)
	}
	lines := byName[plots.RTTChart].Lines.Panels[0].Lines
	if len(lines) != 2 {
		t.Fatalf("rtt chart: %d lines, want one per scenario and kind (2)", len(lines))
	}
	for _, l := range lines {
		if len(l.Points) != 2 || l.Points[0].X != 10 || l.Points[1].X != 40 || l.Points[1].Y <= l.Points[0].Y+25 {
			t.Errorf("rtt chart: line %q: %v, want 10 and 40 ms with about 30 ms more at 40", l.Label, l.Points)
		}
		if l.Dashed != strings.Contains(l.Label, "resumed") {
			t.Errorf("rtt chart: line %q dashed %v, want resumed lines dashed", l.Label, l.Dashed)
		}
	}
	for _, r := range byName[plots.RoundTripsChart].Bars.Rows {
		if r.Heading != "" {
			continue
		}
		for _, b := range r.Bars {
			if !b.None && (b.Value < 1 || b.Value > 1.6 || !strings.Contains(b.Text, "(1 round trip)")) {
				t.Errorf("round-trips chart: %s: %+v, want about 1 RTT and 1 round trip", r.Label, b)
			}
		}
	}
}

// TestRenderNetwork draws the network charts as PNG and SVG.
func TestRenderNetwork(t *testing.T) {
	t.Parallel()
	charts, err := plots.Build(netRuns(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range charts {
		if c.Name != plots.RTTChart && c.Name != plots.RoundTripsChart {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			var png, svg bytes.Buffer
			if err := plots.Render(&png, c, "png"); err != nil {
				t.Fatal(err)
			}
			if _, format, err := image.Decode(&png); err != nil || format != "png" {
				t.Fatalf("PNG does not decode: %v (%s)", err, format)
			}
			if err := plots.Render(&svg, c, "svg"); err != nil {
				t.Fatal(err)
			}
			checkSVG(t, svg.Bytes())
		})
	}
}
