package plots_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"image"
	_ "image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tlsbench/tlsbench/plots"
	"github.com/tlsbench/tlsbench/results"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// testRuns reads the result files in testdata/runs: two repeats each of a
// full and a resumed TLS 1.3 scenario, and a run against three nodes with
// per-node ticket keys. testdata/README.md says how they were made.
func testRuns(t testing.TB) []*results.Run {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "runs", "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no test runs in testdata/runs: %v", err)
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

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the chart specs differ from %s (run go test -update and review the diff):\n%s", path, firstDiff(string(got), string(want)))
	}
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return "line " + strconv.Itoa(i+1) + ":\n got: " + g[i] + "\nwant: " + w[i]
		}
	}
	return "lengths differ: got " + strconv.Itoa(len(g)) + " lines, want " + strconv.Itoa(len(w))
}

// TestBuildGolden checks the specs that Build makes of the test runs:
// series, labels, values, notes.
func TestBuildGolden(t *testing.T) {
	t.Parallel()
	charts, err := plots.Build(testRuns(t))
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(charts, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "charts.golden.json", append(got, '\n'))

	var names []string
	for _, c := range charts {
		names = append(names, c.Name)
	}
	want := []string{"rate", "latency", "cpu", "bytes", "timeline", "resumption", "matrix-three-nodes-per-node-keys"}
	if !slices.Equal(names, want) {
		t.Errorf("charts %v, want %v", names, want)
	}
}

// TestBuildMeaning checks what a reader must be able to tell from the
// charts: which setup is faster and by how much.
func TestBuildMeaning(t *testing.T) {
	t.Parallel()
	charts, err := plots.Build(testRuns(t))
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]plots.Chart{}
	for _, c := range charts {
		byName[c.Name] = c
	}
	rate := byName["rate"].Bars
	var full, resumed *plots.Row
	for i, r := range rate.Rows {
		switch {
		case strings.HasPrefix(r.Label, "tls13-ecdsa-full"):
			full = &rate.Rows[i]
		case strings.HasPrefix(r.Label, "tls13-ecdsa-resumed"):
			resumed = &rate.Rows[i]
		}
	}
	if full == nil || resumed == nil {
		t.Fatalf("rate chart rows %+v: want the full and the resumed run", rate.Rows)
	}
	if !strings.Contains(full.Label, "×2") || len(full.Range) != 2 {
		t.Errorf("full row %+v: want ×2 repeats and a min..max whisker", full)
	}
	if resumed.Bars[1].Value <= full.Bars[0].Value {
		t.Errorf("resumed rate %g ≤ full rate %g", resumed.Bars[1].Value, full.Bars[0].Value)
	}
	if !strings.Contains(resumed.Text, "(×") {
		t.Errorf("resumed row text %q: want the ratio to the full run", resumed.Text)
	}
	// Rows of one setup sit under one heading, the full run first.
	if i, j := slices.IndexFunc(rate.Rows, func(r plots.Row) bool { return r.Label == full.Label }),
		slices.IndexFunc(rate.Rows, func(r plots.Row) bool { return r.Label == resumed.Label }); j != i+1 || rate.Rows[i-1].Heading == "" {
		t.Errorf("rows %d (full) and %d (resumed): want the resumed row right after the full one, under a heading", i, j)
	}

	lat := byName["latency"].Lines
	for _, l := range lat.Panels[0].Lines {
		if l.Points[0].X != 50 {
			t.Errorf("line %q starts at percentile %g, want 50", l.Label, l.Points[0].X)
		}
		for k := 1; k < len(l.Points); k++ {
			if l.Points[k].X <= l.Points[k-1].X || l.Points[k].Y < l.Points[k-1].Y {
				t.Errorf("line %q is not increasing at point %d: %+v", l.Label, k, l.Points[k-1:k+1])
				break
			}
		}
	}
	heat := byName["matrix-three-nodes-per-node-keys"].Heat
	for i, row := range heat.Cells {
		for j, c := range row {
			if i == j && c.Value != 100 || i != j && !c.None && c.Value != 0 {
				t.Errorf("matrix cell (%d, %d) = %g %%: with per-node keys, want 100 on the diagonal and 0 elsewhere", i, j, c.Value)
			}
		}
	}
	for _, c := range charts {
		if c.Title == "" || c.Subtitle == "" || !strings.Contains(c.Subtitle, "CPUs") {
			t.Errorf("chart %s: title %q subtitle %q: want what and where (machine CPUs)", c.Name, c.Title, c.Subtitle)
		}
	}
}

func TestBuildBadInput(t *testing.T) {
	t.Parallel()
	if _, err := plots.Build(nil); err == nil {
		t.Error("Build(nil): no error; an empty set must not give empty charts")
	}
	warmOnly := &results.Run{Label: "x", Phases: []results.Phase{{Name: "warmup"}}}
	if _, err := plots.Build([]*results.Run{warmOnly}); err == nil {
		t.Error("Build of a run without a measured phase: no error")
	}
	runs := append(testRuns(t), warmOnly)
	charts, err := plots.Build(runs)
	if err != nil {
		t.Fatal(err)
	}
	if notes := strings.Join(charts[0].Notes, "\n"); !strings.Contains(notes, "not shown: x") {
		t.Errorf("a run left out is not noted:\n%s", notes)
	}
}

// TestRenderSmoke draws every chart: the PNG must decode at a sensible
// size and the SVG must be well-formed XML with an svg root.
func TestRenderSmoke(t *testing.T) {
	t.Parallel()
	charts, err := plots.Build(testRuns(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range charts {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			var png bytes.Buffer
			if err := plots.Render(&png, c, "png"); err != nil {
				t.Fatal(err)
			}
			img, format, err := image.Decode(&png)
			if err != nil || format != "png" {
				t.Fatalf("PNG does not decode: %v (%s)", err, format)
			}
			if b := img.Bounds(); b.Dx() < 800 || b.Dx() > 2000 || b.Dy() < 300 || b.Dy() > 3000 {
				t.Errorf("PNG is %dx%d, want 800..2000 wide and 300..3000 high", b.Dx(), b.Dy())
			}
			var svg bytes.Buffer
			if err := plots.Render(&svg, c, "svg"); err != nil {
				t.Fatal(err)
			}
			checkSVG(t, svg.Bytes())
		})
	}
	if err := plots.Render(io.Discard, charts[0], "gif"); err == nil {
		t.Error("Render to gif: no error")
	}
}

func checkSVG(t *testing.T, data []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	root := ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	if root != "svg" {
		t.Errorf("SVG root element is %q, want svg", root)
	}
}

func TestSave(t *testing.T) {
	t.Parallel()
	charts, err := plots.Build(testRuns(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	paths, err := plots.Save(dir, charts[0])
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "rate.png"), filepath.Join(dir, "rate.svg")}
	if !slices.Equal(paths, want) {
		t.Errorf("Save wrote %v, want %v", paths, want)
	}
	for _, p := range paths {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", p, err)
		}
	}
}

// TestBuildWithoutLabels: runs from files written before labels existed
// have an unknown setup each, so no run is compared with another.
func TestBuildWithoutLabels(t *testing.T) {
	t.Parallel()
	runs := testRuns(t)
	for _, r := range runs {
		r.Labels = results.Labels{}
	}
	charts, err := plots.Build(runs)
	if err != nil {
		t.Fatal(err)
	}
	var heads []string
	for _, r := range charts[0].Bars.Rows {
		if r.Heading != "" {
			heads = append(heads, r.Heading)
			continue
		}
		if strings.Contains(r.Text, "(×") {
			t.Errorf("row %q: %q compares a run of unknown setup with another", r.Label, r.Text)
		}
	}
	want := []string{"unknown setup (tls13-ecdsa-full)", "unknown setup (tls13-ecdsa-resumed)", "unknown setup (three-nodes-per-node-keys)"}
	if !slices.Equal(heads, want) {
		t.Errorf("headings %q, want %q", heads, want)
	}
}
