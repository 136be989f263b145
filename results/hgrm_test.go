package results

import (
	"bufio"
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestWriteHGRM(t *testing.T) {
	t.Parallel()
	sum := sampleRun(t).Phases[1].LatencyUS.Handshake
	var buf bytes.Buffer
	if err := WriteHGRM(&buf, sum); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&buf)
	sc.Scan()
	if h := strings.Fields(sc.Text()); len(h) != 4 || h[0] != "Value" || h[1] != "Percentile" {
		t.Fatalf("header = %q, want Value Percentile TotalCount 1/(1-Percentile)", sc.Text())
	}
	var rows int
	var median float64
	var footer bool
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
		case strings.HasPrefix(line, "#[Mean"):
			footer = true
		case strings.HasPrefix(line, "#"):
		default:
			f := strings.Fields(line)
			if len(f) != 4 {
				t.Fatalf("line %q: want 4 columns", line)
			}
			v, _ := strconv.ParseFloat(f[0], 64)
			q, _ := strconv.ParseFloat(f[1], 64)
			if median == 0 && q >= 0.5 {
				median = v
			}
			rows++
		}
	}
	if rows < 20 || !footer {
		t.Errorf("%d rows, footer %v: want a full distribution and the #[Mean ...] footer", rows, footer)
	}
	if want := sum.P50 / 1000; math.Abs(median-want) > 0.01*want {
		t.Errorf("median line says %g ms, the summary %g µs: values must be in ms", median, sum.P50)
	}
	if err := WriteHGRM(&buf, Summary{}); err == nil {
		t.Error("a summary without a histogram: no error")
	}
}

// TestExportHGRM: every non-empty summary of every measured phase gets a
// file, named by run, repeat, phase and summary; runs that would share a
// name do not overwrite each other.
func TestExportHGRM(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	run := func(repeat, repeats int) *Run {
		warm := fullPhase(t, "warmup", start, []int64{10, 20})
		warm.Measured = false
		return &Run{Label: "tls13 full", Repeat: repeat, Repeats: repeats,
			Phases: []Phase{warm, fullPhase(t, "measure", start, []int64{10, 20, 30})}}
	}
	dir := t.TempDir()
	paths, err := ExportHGRM(dir, []*Run{run(1, 2), run(2, 2), run(1, 1), run(1, 1)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range paths {
		got = append(got, filepath.Base(p))
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", p, err)
		}
	}
	// Per run: connect, handshake, total, their -full forms, pacing-lag and
	// connect-uncorrected (the resumed ones are empty).
	if len(got) != 4*8 {
		t.Errorf("%d files, want 32: %v", len(got), got)
	}
	for _, want := range []string{
		"tls13-full-r1-measure-handshake.hgrm", "tls13-full-r2-measure-handshake-full.hgrm",
		"tls13-full-measure-total.hgrm", "tls13-full-measure-total-2.hgrm",
		"tls13-full-measure-pacing-lag.hgrm", "tls13-full-measure-connect-uncorrected-2.hgrm",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("no %s among %v", want, got)
		}
	}
	for _, g := range got {
		if strings.Contains(g, "warmup") || strings.Contains(g, "resumed") {
			t.Errorf("%s: warm-ups and empty summaries are not exported", g)
		}
	}
}
