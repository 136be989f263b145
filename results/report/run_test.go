package report

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tlsbench/tlsbench/results"
)

func summaryRun(name string, warnings ...results.WarningCode) *results.Run {
	p := results.Phase{Name: "measure", Measured: true, WindowS: 6, RatePerS: 12345,
		Handshakes: results.Handshakes{Total: 74070, Full: 70, Resumed: 74000, Offered: 74000},
		LatencyUS:  results.Latency{Handshake: results.Summary{P50: 12345, P99: 123456, P999: 234567}},
		CPU:        results.CPU{ServerObserved: true}, CPUUSPerHandshake: results.CPUPerHandshake{Client: 1234, Server: 2345,
			ClientUser: 1000, ClientSystem: 234, ServerUser: 2000, ServerSystem: 345},
		Prediction: &results.Prediction{ResumedShare: 1}}
	r := &results.Run{Label: name, Phases: []results.Phase{{Name: "warmup"}, p}}
	for _, c := range warnings {
		r.Warnings = append(r.Warnings, results.Warning{Code: c, Phase: "measure"})
	}
	return r
}

func TestViewFitsWidth(t *testing.T) {
	t.Parallel()
	v := 99.0
	crossed := summaryRun("core-tls13-ecdsa-mlkem-resumed", results.WarnGeneratorCPUBound, results.WarnOtherLoad, results.WarnGeneratorSchedLag)
	crossed.Thresholds = []results.ThresholdCheck{{Metric: "resumed_share", Threshold: "<= 50%", Phase: "measure", Value: &v, Unit: "%"}}
	runs := []*results.Run{
		crossed,
		summaryRun("a-scenario-name-that-is-rather-long-indeed", results.WarnGeneratorCPUBound, results.WarnOtherLoad),
		summaryRun("short"),
	}
	tests := []struct {
		name  string
		write func(View, *bytes.Buffer) error
	}{
		{"runs", func(v View, b *bytes.Buffer) error { return v.WriteRuns(b, runs) }},
		{"run", func(v View, b *bytes.Buffer) error { return v.WriteRun(b, runs[0]) }},
		{"repeats", func(v View, b *bytes.Buffer) error { return v.WriteRepeats(b, runs) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var def, wide bytes.Buffer
			if err := tt.write(View{}, &def); err != nil {
				t.Fatal(err)
			}
			if err := tt.write(View{Wide: true}, &wide); err != nil {
				t.Fatal(err)
			}
			table := func(out string) []string {
				var lines []string
				for l := range strings.Lines(out) {
					if strings.HasPrefix(l, "warning") || strings.HasPrefix(l, "threshold") {
						break
					}
					lines = append(lines, strings.TrimSuffix(l, "\n"))
				}
				return lines
			}
			for _, l := range table(def.String()) {
				if n := utf8.RuneCountInString(l); n > Width {
					t.Errorf("default view: a line of %d characters:\n%s", n, l)
				}
			}
			if tt.name == "repeats" {
				return
			}
			head := table(wide.String())[0]
			for _, c := range PhaseColumns() {
				if c.Show == DefaultOnly || !hasCell(c, runs) {
					continue // a column with no value for these runs (a network link's) is left out
				}
				if !strings.Contains(head, c.Head) {
					t.Errorf("wide view lacks column %q:\n%s", c.Head, head)
				}
			}
			if !strings.Contains(def.String(), "resumed_share 99.0 % (<= 50%): crossed") || !strings.Contains(wide.String(), "threshold:resumed_share") {
				t.Errorf("the crossed threshold is not named under the default view and in the wide one's table:\n%s\n%s", def.String(), wide.String())
			}
		})
	}
}

func TestFitList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{"a,b,c", 5, "a,b,c"},
		{"aa,bb,cc", 7, "aa +2"},
		{"aa,bb,cc,dd", 9, "aa,bb +2"},
		{"generator_cpu_bound,other_load", 12, "2 warnings"},
		{"generator_cpu_bound", 8, "1"},
	}
	for _, tt := range tests {
		if got := fitList(tt.in, tt.width); got != tt.want {
			t.Errorf("fitList(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
	}
}

// TestEmptyColumnLeftOut: a column whose cells are all empty is not shown.
func TestEmptyColumnLeftOut(t *testing.T) {
	t.Parallel()
	tab := View{Wide: true}.phaseTable([]phaseRow{{summaryRun("x"), results.Phase{Name: "p", Measured: true}}})
	for _, h := range tab.Head {
		if h == "" {
			t.Errorf("empty header in %q", tab.Head)
		}
	}
	if len(tab.Head) != len(tab.Rows[0]) {
		t.Errorf("%d headers, %d cells", len(tab.Head), len(tab.Rows[0]))
	}
}

// hasCell reports whether c has a value for a phase of runs.
func hasCell(c Column, runs []*results.Run) bool {
	for _, r := range runs {
		for _, p := range r.Phases {
			if c.Cell(r, p) != "" {
				return true
			}
		}
	}
	return false
}

// TestCPUSplitColumn: the wide view gives user and system CPU apart, the
// client's and the server's; a file without them leaves the column out.
func TestCPUSplitColumn(t *testing.T) {
	t.Parallel()
	var wide bytes.Buffer
	if err := (View{Wide: true}).WriteRun(&wide, summaryRun("split")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(wide.String(), "CPU µs/hs user/sys client, server") || !strings.Contains(wide.String(), "1000/234, 2000/345") {
		t.Errorf("wide view lacks the split CPU column or its cell:\n%s", wide.String())
	}
	old := summaryRun("old")
	old.Phases[1].CPUUSPerHandshake = results.CPUPerHandshake{Client: 1234, Server: 2345}
	wide.Reset()
	if err := (View{Wide: true}).WriteRun(&wide, old); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(wide.String(), "user/sys") {
		t.Errorf("a file without the split shows its column:\n%s", wide.String())
	}
}
