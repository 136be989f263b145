package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tlsbench/tlsbench/plots"
	"github.com/tlsbench/tlsbench/results"
)

// chromium runs headless Chromium on a page with a fresh profile and
// returns its stdout and stderr.
func chromium(t *testing.T, bin string, args ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String(), errOut.String()
}

// probe is a script put first into a copy of the page: it records errors
// (of scripts and of loading anything) and console errors, and once the
// page has loaded writes into the body's data-probe attribute what it
// measured: how wide the document is against the window, which elements
// reach past the window's right edge, each chart's size and number of
// drawn elements, and every resource the page fetched.
const probe = `<script>
var probe = {errors: []};
addEventListener('error', function (e) { probe.errors.push(String(e.message || (e.target && (e.target.src || e.target.href)) || e.type)); }, true);
['error', 'warn'].forEach(function (k) { var f = console[k]; console[k] = function () { probe.errors.push(k + ': ' + Array.from(arguments).join(' ')); f.apply(console, arguments); }; });
addEventListener('load', function () {
	var w = innerWidth, wide = [];
	document.querySelectorAll('body *').forEach(function (el) {
		var r = el.getBoundingClientRect();
		if (r.right > w + 0.5 && wide.length < 10) wide.push(el.tagName + '.' + el.className + ' ' + Math.round(r.right));
	});
	probe.innerWidth = w;
	probe.scrollWidth = document.documentElement.scrollWidth;
	probe.wide = wide;
	probe.charts = Array.from(document.querySelectorAll('figure svg')).map(function (s) {
		var r = s.getBoundingClientRect();
		return {width: r.width, height: r.height, drawn: s.querySelectorAll('path, text').length};
	});
	probe.resources = performance.getEntriesByType('resource').map(function (e) { return e.name; });
	document.body.setAttribute('data-probe', JSON.stringify(probe));
});
</script>`

// TestReportInBrowser loads the review page in headless Chromium from
// Debian, as a reviewer's browser would: at 1280 pixels nothing reaches
// past the window's right edge, every chart is drawn, nothing is fetched
// and nothing is logged to the console; a screenshot is taken and the
// page prints to PDF. It skips only when Chromium is not installed
// (.ci/run installs it).
func TestReportInBrowser(t *testing.T) {
	t.Parallel()
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		t.Skip("chromium is not installed (apt-get install chromium): the review page's browser test needs it")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "review.md")
	files := append(runFiles(t, "*-tls13-rsa-*.json"), runFiles(t, "*-three-nodes-per-node-keys.json")...)
	if code, _, stderr := runCLI(t, append([]string{"report", "--html", "-o", out}, files...)...); code != exitOK {
		t.Fatalf("report: exit code %d:\n%s", code, stderr)
	}
	page := filepath.Join(dir, "review.html")
	data, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	figures := strings.Count(string(data), "<figure>")

	got := probePage(t, bin, dir, string(data), 1280)
	if got.InnerWidth != 1280 {
		t.Errorf("window %v pixels wide, want 1280", got.InnerWidth)
	}
	if got.ScrollWidth > got.InnerWidth || len(got.Wide) > 0 {
		t.Errorf("the page overflows horizontally: document %v pixels wide in a %v-pixel window; past the edge: %q", got.ScrollWidth, got.InnerWidth, got.Wide)
	}
	if len(got.Charts) != figures || figures < 7 {
		t.Errorf("%d charts rendered of %d figures, want every one (at least 7)", len(got.Charts), figures)
	}
	for i, c := range got.Charts {
		if c.Width < 300 || c.Height < 150 || c.Drawn < 20 {
			t.Errorf("chart %d not drawn: %+v", i, c)
		}
	}
	if len(got.Errors) > 0 {
		t.Errorf("errors while loading: %q", got.Errors)
	}
	if len(got.Resources) > 0 {
		t.Errorf("the page fetched %q: it is not self-contained", got.Resources)
	}
	// Printed: with the print rules applied to a window as wide as an A4
	// page's printable width (186 mm at 96 pixels an inch is 703 pixels;
	// the window's scroll bar takes 15 more), nothing is cut off.
	printed := probePage(t, bin, dir, strings.Replace(string(data), "@media print{", "@media all{", 1), 720)
	if printed.InnerWidth != 720 || printed.ScrollWidth > printed.InnerWidth || len(printed.Wide) > 0 {
		t.Errorf("printed, the page is wider than A4: document %v pixels wide in %v; past the edge: %q", printed.ScrollWidth, printed.InnerWidth, printed.Wide)
	}

	// The page itself, as a reviewer opens it: a screenshot, and nothing on
	// the console (the page has no script, so any message is a problem).
	shot := filepath.Join(dir, "review.png")
	_, stderr := chromium(t, bin, "--window-size=1280,2400", "--enable-logging=stderr", "--v=0", "--screenshot="+shot, "file://"+page)
	for line := range strings.Lines(stderr) {
		if strings.Contains(line, ":CONSOLE") {
			t.Errorf("console: %s", line)
		}
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if cfg, err := png.DecodeConfig(f); err != nil || cfg.Width != 1280 {
		t.Errorf("screenshot: %v, %+v, want a PNG 1280 pixels wide", err, cfg)
	}
	pdf := filepath.Join(dir, "review.pdf")
	chromium(t, bin, "--window-size=1280,2400", "--no-pdf-header-footer", "--print-to-pdf="+pdf, "file://"+page)
	if b, err := os.ReadFile(pdf); err != nil || !bytes.HasPrefix(b, []byte("%PDF")) || len(b) < 10000 {
		t.Errorf("print to PDF: %v, %d bytes", err, len(b))
	}
}

// probed is what the probe measured on a page.
type probed struct {
	Errors      []string `json:"errors"`
	InnerWidth  float64  `json:"innerWidth"`
	ScrollWidth float64  `json:"scrollWidth"`
	Wide        []string `json:"wide"`
	Charts      []struct {
		Width, Height float64
		Drawn         int
	} `json:"charts"`
	Resources []string `json:"resources"`
}

// probePage loads a copy of page (HTML) with the probe in a window width
// pixels wide and returns what it measured.
func probePage(t *testing.T, bin, dir, page string, width int) probed {
	t.Helper()
	path := filepath.Join(dir, fmt.Sprintf("probed-%d.html", width))
	if err := os.WriteFile(path, []byte(strings.Replace(page, "<head>", "<head>"+probe, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	dom, _ := chromium(t, bin, fmt.Sprintf("--window-size=%d,2400", width), "--virtual-time-budget=10000", "--dump-dom", "file://"+path)
	m := regexp.MustCompile(`data-probe="([^"]*)"`).FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("the probe did not run; the DOM begins:\n%.2000s", dom)
	}
	var got probed
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &got); err != nil {
		t.Fatalf("probe: %v", err)
	}
	return got
}

// TestFindingsNameCharts: every chart a finding refers to is one that
// plots draws for the same runs, so that the page can put it beside.
func TestFindingsNameCharts(t *testing.T) {
	t.Parallel()
	runs, _, err := readRuns([]string{filepath.Join(runsDir, "*.json")})
	if err != nil {
		t.Fatal(err)
	}
	charts, err := plots.Build(runs)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range charts {
		names = append(names, c.Name)
	}
	fs := results.NewSet(runs).Findings(results.Rule{})
	if len(fs) < 4 {
		t.Fatalf("%d findings, want the resumption, topology and caveat ones", len(fs))
	}
	for _, f := range fs {
		if f.Chart != "" && !slices.Contains(names, f.Chart) {
			t.Errorf("finding %q refers to chart %q; plots draws %q", f.Text, f.Chart, names)
		}
	}
}
