package report

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/tlsbench/tlsbench/results"
)

// Sources are what a design-review page is made of besides the runs.
type Sources struct {
	// Results are the paths of the result files, as given to tlsbench
	// report (the page says how to redraw it from them).
	Results []string
	// Page is the page's own file name ("review.md").
	Page string
	// ChartDir is the directory of the charts, relative to the page.
	ChartDir string
	// Charts are the charts drawn there: each chart's file name without
	// extension and its title.
	Charts []Chart
}

// Chart names one chart of a review.
type Chart struct{ Name, Title string }

// Review lays out the design-review page of runs, findings first:
//
//   - Findings: a sentence per question the runs answer (results.Set.Findings),
//     each group of them beside the chart that shows them, then what
//     limited the measurement, and the noise rule;
//   - Results: the table of measured results (median ± spread of
//     repeats), and the comparisons within each setup
//     (results.Set.WithinSetups);
//   - the charts no finding showed;
//   - Setup: what every run shares, once, and a table of what differs;
//   - every warning, and the commands that reproduce the runs and the
//     page.
//
// Everything in it comes from the runs and src, so the same files give
// the same page. runs must not be empty.
func Review(runs []*results.Run, src Sources) *Doc {
	d := &Doc{}
	set := results.NewSet(runs)
	d.h(1, fmt.Sprintf("TLS handshake benchmark: %d scenarios, %d runs", len(set.Groups), len(runs)))
	first, last := runs[0].StartedAt, runs[0].EndedAt
	for _, r := range runs {
		if r.StartedAt.Before(first) {
			first = r.StartedAt
		}
		if r.EndedAt.After(last) {
			last = r.EndedAt
		}
	}
	d.p("Runs from %s to %s. Only measured phases are in the numbers (warm-ups are excluded; they are in the result files and the over-time chart). "+
		"Latencies are read from HDR histograms (µs, 3 significant digits).",
		first.UTC().Format("2006-01-02 15:04:05 UTC"), last.UTC().Format(time.TimeOnly+" UTC"))

	rule := results.Rule{}
	charts := map[string]Chart{}
	for _, c := range src.Charts {
		charts[c.Name] = c
	}
	figure := func(c Chart) *Figure {
		return &Figure{Title: c.Title, PNG: src.ChartDir + "/" + c.Name + ".png", SVG: src.ChartDir + "/" + c.Name + ".svg"}
	}
	shown := map[string]bool{}
	d.h(2, "Findings")
	findings := set.Findings(rule)
	var caveats []string
	var order []string // charts in order of their first finding
	byChart := map[string][]string{}
	for _, f := range findings {
		if f.Caveat {
			caveats = append(caveats, f.Text)
			continue
		}
		if _, ok := byChart[f.Chart]; !ok {
			order = append(order, f.Chart)
		}
		byChart[f.Chart] = append(byChart[f.Chart], f.Text)
	}
	if len(order) == 0 {
		d.p("These runs answer none of the questions a finding is written for (what resumption saves, whether a topology resumes as predicted, what a post-quantum group costs): see the results below.")
	}
	for _, name := range order {
		var fig *Figure
		if c, ok := charts[name]; ok && name != "" {
			fig = figure(c)
			shown[name] = true
		}
		d.finding(byChart[name], fig)
	}
	if len(caveats) > 0 {
		d.h(3, "What limited the measurement")
		d.list(caveats)
	}
	var rules []string
	for _, p := range set.WithinSetups(rule).Pairs {
		addOnce(&rules, rule.Describe(len(p.A), len(p.B)))
	}
	if len(order) > 0 && len(rules) > 0 {
		d.p("A difference is stated as one only when it is beyond noise under the rule `tlsbench compare` uses: %s.", strings.Join(rules, "; "))
	}

	d.h(2, "Results")
	rt := groupsTable(set.Groups, results.Metrics(), func(m results.Metric) string {
		if h, ok := pageHeads[m.ID]; ok {
			return h
		}
		return m.Name + " (" + m.Unit + ")"
	})
	for _, r := range rt.Rows {
		r[len(r)-1] = strings.ReplaceAll(r[len(r)-1], ",", ", ") // lets a page wrap the list
	}
	d.table(rt)
	d.p("Median over repeats ± the largest deviation of a repeat from it. Rate: completed handshakes / measured window. " +
		"CPU: user+system over the measured window per completed handshake (client: tlsbench; server: the server processes). " +
		"Bytes: TLS records each way from dial to close, TCP/IP headers excluded.")

	if cmp := set.WithinSetups(rule); len(cmp.Pairs) > 0 {
		d.h(2, "Within each setup")
		d.p("Each run compared with the first of its setup (the one without resumption, when there is one), as `tlsbench compare` does. " +
			"B/A below 1 is less (faster for latency, cheaper for CPU and bytes); ~ marks a difference within noise.")
		for _, p := range cmp.Pairs {
			a, b := strings.Join(names(p.A), ", "), strings.Join(names(p.B), ", ")
			d.h(3, fmt.Sprintf("%s vs %s", b, a))
			d.table(metricsTable(p, "A: "+a, "B: "+b))
			d.p("Rule: %s.", cmp.Rule.Describe(len(p.A), len(p.B)))
		}
	}
	var rest []Chart
	for _, c := range src.Charts {
		if !shown[c.Name] {
			rest = append(rest, c)
		}
	}
	if len(rest) > 0 {
		d.h(2, "More charts")
		for _, c := range rest {
			d.figure(*figure(c))
		}
	}
	d.p("Each latency histogram is also in `%s/hgrm/` as HdrHistogram percentile-distribution text (values in ms).", src.ChartDir)

	d.h(2, "Setup")
	setup(d, set)

	d.h(2, "Warnings")
	var ws []string
	for _, r := range runs {
		name := r.Name()
		if r.Repeats > 1 {
			name += fmt.Sprintf(" (repeat %d/%d)", r.Repeat, r.Repeats)
		}
		if r.Partial {
			ws = append(ws, fmt.Sprintf("%s: partial: %s", name, r.PartialReason))
		}
		for _, w := range r.Warnings {
			where := ""
			if w.Phase != "" {
				where = ", " + w.Phase
			}
			ws = append(ws, fmt.Sprintf("%s%s: `%s`: %s", name, where, w.Code, w.Message))
		}
		for _, c := range r.CrossedThresholds() {
			ws = append(ws, fmt.Sprintf("%s, threshold crossed: %s", name, c))
		}
	}
	if len(ws) == 0 {
		d.p("None.")
	} else {
		d.list(ws)
	}
	d.h(2, "Reproduce")
	reproduce(d, runs, src)
	return d
}

// pageHeads are the results table's headers on the page, short enough to
// fit a 1280-pixel page; a metric not in it is headed "name (unit)".
var pageHeads = map[string]string{
	"rate": "rate (hs/s)", "handshake_p50": "handshake p50 (µs)", "handshake_p99": "handshake p99 (µs)",
	"connect_p50": "connect p50 (µs)", "cpu_client": "CPU client (µs/hs)", "cpu_server": "CPU server (µs/hs)",
	"bytes_c2s": "bytes c→s (B/hs)", "bytes_s2c": "bytes s→c (B/hs)", "resumed_share": "resumed (%)",
}

// attribute is one thing a group of runs was set up with.
type attribute struct {
	name  string
	value func(g *results.Group) string
}

// setupAttributes are what the Setup section describes, per group.
func setupAttributes() []attribute {
	return []attribute{
		{"runs per scenario", func(g *results.Group) string { return fmt.Sprint(len(g.Runs)) }},
		{"TLS", func(g *results.Group) string { return orDash(g.Labels().TLSVersion) }},
		{"key", func(g *results.Group) string { return orDash(g.Labels().Key) }},
		{"groups offered", func(g *results.Group) string {
			l := g.Labels()
			switch {
			case !l.Known():
				return "-"
			case len(l.Groups) == 0:
				return "Go's defaults"
			}
			return strings.Join(l.Groups, ", ")
		}},
		{"resumption", func(g *results.Group) string { return orDash(g.Labels().Resumption) }},
		{"topology", func(g *results.Group) string { return orDash(topologyText(g.Labels().Topology)) }},
		{"network", func(g *results.Group) string {
			if n := g.Labels().Network; n != nil {
				return n.String()
			}
			return "none: loopback"
		}},
		{"server session state", func(g *results.Group) string { return orDash(g.Runs[0].Target.SessionStore) }},
		{"server", func(g *results.Group) string {
			t := g.Runs[0].Target
			return fmt.Sprintf("%s (%s)", t.Server, t.Kind)
		}},
		{"clients", func(g *results.Group) string {
			c := g.Runs[0].Client
			return fmt.Sprintf("%d × %d in flight", c.Clients, c.Concurrency)
		}},
		{"measured", func(g *results.Group) string {
			var window float64
			for _, p := range g.Runs[0].Phases {
				if p.Measured {
					window += p.WindowS
				}
			}
			if window >= 2 {
				return fmt.Sprintf("%.0f s", window)
			}
			return fmt.Sprintf("%.1f s", window)
		}},
		{"after the handshake", func(g *results.Group) string {
			c := g.Runs[0].Client
			return fmt.Sprintf("%s (%s)", c.AfterHandshake, c.Close)
		}},
		{"certificate verification", func(g *results.Group) string { return orDash(g.Runs[0].Client.Verify) }},
		{"machine", func(g *results.Group) string {
			m := g.Runs[0].Machine
			return fmt.Sprintf("%d CPUs (%s), %s/%s, kernel %s, GOMAXPROCS %d; generator and servers share it", m.CPUs, orDash(m.CPUModel), m.OS, m.Arch, orDash(m.Kernel), m.GOMAXPROCS)
		}},
		{"tool", func(g *results.Group) string {
			return fmt.Sprintf("tlsbench %s built with %s", orDash(g.Runs[0].Tool.Version), g.Runs[0].Tool.Go)
		}},
	}
}

// setup describes the set's setup: once what every group shares, and a
// table with a row per group of only what differs.
func setup(d *Doc, set *results.Set) {
	var shared []string
	var differ []attribute
	for _, a := range setupAttributes() {
		var vals []string
		for _, g := range set.Groups {
			addOnce(&vals, a.value(g))
		}
		if len(vals) == 1 {
			shared = append(shared, a.name+": "+vals[0])
		} else {
			differ = append(differ, a)
		}
	}
	var caches []string
	for _, g := range set.Groups {
		addOnce(&caches, g.Runs[0].Client.SessionCache)
	}
	shared = append(shared, "client session cache, by resumption mode: "+strings.Join(caches, " / "))
	what := "All runs"
	if len(set.Groups) > 1 {
		what = fmt.Sprintf("All %d scenarios", len(set.Groups))
	}
	d.p("%s share:", what)
	d.list(shared)
	if len(differ) == 0 {
		return
	}
	d.p("Per scenario, what differs:")
	t := &Table{Head: []string{"scenario"}}
	for _, a := range differ {
		t.Head = append(t.Head, a.name)
	}
	for _, g := range set.Groups {
		row := []string{g.Name}
		for _, a := range differ {
			row = append(row, a.value(g))
		}
		t.Rows = append(t.Rows, row)
	}
	d.table(t)
}

// topologyText describes a fleet: on one node, only what is switched off
// (per-node or shared means nothing there); on several, everything.
func topologyText(t results.TopologyLabels) string {
	if t.Nodes != 1 {
		return t.String()
	}
	s := "1 node"
	if t.Preset != "" {
		s = t.Preset + " (1 node)"
	}
	switch {
	case t.TicketKeys == "off":
		s += ", no tickets"
	case t.RotateKeysEvery != "":
		s += ", ticket key rotated every " + t.RotateKeysEvery
	}
	if t.SessionCache == "off" {
		s += ", no session cache"
	}
	return s
}

// reproduce adds the commands that reproduce the runs and the page.
func reproduce(d *Doc, runs []*results.Run, src Sources) {
	var cmds, versions []string
	dirty := false
	for _, r := range runs {
		if len(r.Tool.Command) > 0 {
			args := slices.Clone(r.Tool.Command)
			if args[0] == "tlsbench" {
				args[0] = "bin/tlsbench"
			}
			addOnce(&cmds, shellJoin(args))
		}
		if r.Tool.Version != "" {
			addOnce(&versions, r.Tool.Version)
			dirty = dirty || strings.HasSuffix(r.Tool.Version, "-dirty")
		}
	}
	var sb strings.Builder
	for _, v := range versions {
		fmt.Fprintf(&sb, "git checkout %s\n", strings.TrimSuffix(v, "-dirty"))
	}
	sb.WriteString("make build certs\n")
	for _, c := range cmds {
		sb.WriteString(c + "\n")
	}
	fmt.Fprintf(&sb, "bin/tlsbench report %s -o %s\n", shellJoin(src.Results), src.Page)
	d.p("From the repository's top directory: the tool version, the `tlsbench run` command%s that wrote the result files, and the command that drew this page from them.", plural(len(cmds)))
	d.code(sb.String())
	if dirty {
		d.p("The tool was built from a tree with uncommitted changes (`-dirty`): the checkout above is the nearest commit, not the exact code.")
	}
}

// WritePage writes the review page of runs to out, a .md file whose name
// src.Page should be, and, with withHTML, its self-contained HTML beside
// it (the same name with .html; the charts' SVG files, src.ChartDir
// relative to out's directory, are inlined). Each file is written
// atomically. It returns the files written, in order.
func WritePage(out string, runs []*results.Run, src Sources, withHTML bool) ([]string, error) {
	doc := Review(runs, src)
	var md bytes.Buffer
	doc.WriteMarkdown(&md)
	if err := results.WriteFile(out, md.Bytes()); err != nil {
		return nil, err
	}
	written := []string{out}
	if !withHTML {
		return written, nil
	}
	var h bytes.Buffer
	if err := doc.WriteHTML(&h, filepath.Dir(out)); err != nil {
		return written, err
	}
	hpath := strings.TrimSuffix(out, ".md") + ".html"
	if err := results.WriteFile(hpath, h.Bytes()); err != nil {
		return written, err
	}
	return append(written, hpath), nil
}
