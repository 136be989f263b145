package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image"
	_ "image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tlsbench/tlsbench/results"
)

// The result files in testdata/runs come from
// plots/testdata/scenarios/tls13-rsa-{full,resumed}.yaml (run with
// --repeat 5) and three-nodes.yaml; testdata/runs/README.md says how.
const runsDir = "testdata/runs"

func runFiles(t *testing.T, pattern string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(runsDir, pattern))
	if err != nil || len(m) == 0 {
		t.Fatalf("no test runs match %s: %v", pattern, err)
	}
	return m
}

func TestCompareGolden(t *testing.T) {
	t.Parallel()
	full := runFiles(t, "*-tls13-rsa-full.json")
	resumed := runFiles(t, "*-tls13-rsa-resumed.json")
	tests := []struct {
		name string
		args []string
	}{
		{"compare-full-vs-resumed", []string{full[1], resumed[1]}},
		{"compare-same-vs-same", []string{full[1], full[2]}},
		{"compare-same-vs-same-disturbed", []string{full[0], full[1]}},
		{"compare-repeats", append(append(append([]string{}, full...), "--"), resumed...)},
		{"compare-repeats-glob", []string{runsDir + "/*-tls13-rsa-full.json", runsDir + "/*-tls13-rsa-resumed.json"}},
		{"compare-same-repeats", append(append(append([]string{}, full[:2]...), "--"), full[2:]...)},
		{"compare-markdown", []string{"--format", "markdown", full[1], resumed[1]}},
		{"compare-csv", []string{"--format", "csv", full[1], resumed[1]}},
		{"compare-matched-sets", append(append([]string{full[0], resumed[0]}, "--"), full[1], resumed[1], runFiles(t, "*-three-nodes-per-node-keys.json")[0])},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCLI(t, append([]string{"compare"}, tt.args...)...)
			if code != exitOK {
				t.Fatalf("exit code %d, stderr:\n%s", code, stderr)
			}
			golden(t, tt.name, stdout)
		})
	}
}

// TestCompareVerdicts checks the acceptance criteria on the test runs:
// two runs of one scenario are mostly noise, and a resumed run is faster
// than a full one, with the ratio.
func TestCompareVerdicts(t *testing.T) {
	t.Parallel()
	full := runFiles(t, "*-tls13-rsa-full.json")
	resumed := runFiles(t, "*-tls13-rsa-resumed.json")
	rows := func(a, b []string) map[string]results.Comparison {
		t.Helper()
		var ra, rb []*results.Run
		for _, p := range a {
			r, err := results.Read(p)
			if err != nil {
				t.Fatal(err)
			}
			ra = append(ra, r)
		}
		for _, p := range b {
			r, err := results.Read(p)
			if err != nil {
				t.Fatal(err)
			}
			rb = append(rb, r)
		}
		cs, err := results.Compare(ra, rb, results.Rule{})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]results.Comparison{}
		for _, c := range cs {
			out[c.Metric.ID] = c
		}
		return out
	}
	// The first repeat ran while another process was busy (its result
	// warns other_load); the others ran on a quiet machine.
	same := rows(full[1:2], full[2:3])
	noise := 0
	for _, c := range same {
		if !c.Beyond {
			noise++
		}
	}
	if noise < len(same)/2+1 {
		t.Errorf("same scenario twice: %d of %d metrics are noise, want most", noise, len(same))
	}
	for _, sets := range [][2][]string{{full[1:2], resumed[1:2]}, {full, resumed}} {
		fr := rows(sets[0], sets[1])
		rate := fr["rate"]
		if !rate.Beyond || !rate.Better() || rate.Ratio <= 1.2 {
			t.Errorf("%d full vs %d resumed: rate ratio %.2f beyond %v better %v; want the resumed runs faster", len(sets[0]), len(sets[1]), rate.Ratio, rate.Beyond, rate.Better())
		}
		if cpu := fr["cpu_server"]; !cpu.Better() {
			t.Errorf("resumed handshakes cost the server more CPU than full ones: ratio %.2f", cpu.Ratio)
		}
	}
	if fr := rows(full, resumed); fr["rate"].Test != results.UTest || !(fr["rate"].P < 0.05) {
		t.Errorf("5 full vs 5 resumed: test %s p %g, want the U test with p < 0.05", fr["rate"].Test, fr["rate"].P)
	}
}

func TestPlotCommand(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "charts")
	code, stdout, stderr := runCLI(t, "plot", "-o", dir, runsDir+"/*.json")
	if code != exitOK {
		t.Fatalf("exit code %d, stderr:\n%s", code, stderr)
	}
	var pngs, svgs int
	for _, line := range strings.Split(stdout, "\n") {
		p := strings.TrimSpace(line)
		switch filepath.Ext(p) {
		case ".png":
			pngs++
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			img, _, err := image.Decode(f)
			f.Close()
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			if b := img.Bounds(); b.Dx() < 800 || b.Dy() < 300 {
				t.Errorf("%s is %dx%d: too small", p, b.Dx(), b.Dy())
			}
		case ".svg":
			svgs++
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			dec := xml.NewDecoder(bytes.NewReader(data))
			for {
				if _, err := dec.Token(); errors.Is(err, io.EOF) {
					break
				} else if err != nil {
					t.Fatalf("%s: not XML: %v", p, err)
				}
			}
		}
	}
	if pngs < 7 || pngs != svgs {
		t.Errorf("listed %d PNGs and %d SVGs, want 7 or more of each:\n%s", pngs, svgs, stdout)
	}
	hgrm, _ := filepath.Glob(filepath.Join(dir, "hgrm", "*.hgrm"))
	if len(hgrm) == 0 || !strings.Contains(stdout, "hgrm") {
		t.Errorf("%d .hgrm files, and stdout:\n%s", len(hgrm), stdout)
	}
}

func TestReportGolden(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "review.md")
	files := append(runFiles(t, "*-tls13-rsa-*.json"), runFiles(t, "*-three-nodes-per-node-keys.json")...)
	code, stdout, stderr := runCLI(t, append([]string{"report", "--html", "-o", out}, files...)...)
	if code != exitOK {
		t.Fatalf("exit code %d, stderr:\n%s", code, stderr)
	}
	md, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "report", string(md))
	for _, line := range strings.Split(string(md), "\n") {
		if i := strings.Index(line, "](review-charts/"); i >= 0 {
			link := line[i+2 : strings.Index(line[i:], ")")+i]
			if _, err := os.Stat(filepath.Join(dir, link)); err != nil {
				t.Errorf("the report links %s, which is not there: %v", link, err)
			}
		}
	}
	html, err := os.ReadFile(filepath.Join(dir, "review.html"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(html), "<svg"); n < 7 {
		t.Errorf("the HTML page holds %d inline SVGs, want every chart", n)
	}
	if strings.Contains(string(html), "<?xml") || strings.Contains(string(html), `src="`) {
		t.Error("the HTML page is not self-contained")
	}
	if !strings.Contains(stdout, "report: "+out) {
		t.Errorf("stdout does not name the report:\n%s", stdout)
	}
}

// TestChartsBadInput: a missing, truncated or newer-schema file, or no
// file at all, is bad input (exit 2) with an error naming the file.
func TestChartsBadInput(t *testing.T) {
	t.Parallel()
	full := runFiles(t, "*-tls13-rsa-full.json")
	tests := []struct {
		name string
		args []string
	}{
		{"plot-missing-file", []string{"plot", "testdata/bad/does-not-exist.json"}},
		{"plot-truncated", []string{"plot", "testdata/bad/truncated.json"}},
		{"plot-newer-schema", []string{"plot", "testdata/bad/newer-schema.json"}},
		{"plot-no-files", []string{"plot"}},
		{"plot-glob-matches-nothing", []string{"plot", "testdata/bad/*.nothing"}},
		{"plot-warmup-only", []string{"plot", "testdata/bad/warmup-only.json"}},
		{"compare-three-files", []string{"compare", full[0], full[1], full[2]}},
		{"compare-flag-after-dash", []string{"compare", full[0], "--", full[1], "--format", "csv"}},
		{"compare-bad-format", []string{"compare", "--format", "pdf", full[0], full[1]}},
		{"compare-truncated", []string{"compare", full[0], "testdata/bad/truncated.json"}},
		{"report-not-md", []string{"report", "-o", "report.txt", full[0]}},
		{"report-empty", []string{"report", "-o", "x.md"}},
		{"run-repeat-zero", []string{"run", "--repeat", "0", "testdata/good-short.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			args := tt.args
			if args[0] == "plot" || args[0] == "run" {
				args = append([]string{args[0], "-o", dir}, args[1:]...)
			}
			code, stdout, stderr := runCLI(t, args...)
			if code != exitBadInput {
				t.Errorf("exit code = %d, want %d (bad input); stderr:\n%s", code, exitBadInput, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			golden(t, tt.name, stderr)
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("bad input wrote %d files", len(entries))
			}
		})
	}
}
