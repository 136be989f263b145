package report

import (
	"fmt"
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

// Review lays out the design-review page of runs: the setup, the table of
// measured results (median ± spread of repeats), the comparisons within
// each setup (results.Set.WithinSetups), the charts, every warning, and
// the commands that reproduce the runs and the page. Everything in it
// comes from the runs and src, so the same files give the same page.
// runs must not be empty.
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

	d.h(2, "Setup")
	d.table(setupTable(set.Groups))
	var servers, machines, tools, clients, caches []string
	for _, r := range runs {
		addOnce(&servers, fmt.Sprintf("%s (%s)", r.Target.Server, r.Target.Kind))
		m := r.Machine
		addOnce(&machines, fmt.Sprintf("%d CPUs (%s), %s/%s, kernel %s, GOMAXPROCS %d", m.CPUs, orDash(m.CPUModel), m.OS, m.Arch, orDash(m.Kernel), m.GOMAXPROCS))
		addOnce(&tools, fmt.Sprintf("tlsbench %s built with %s", orDash(r.Tool.Version), r.Tool.Go))
		addOnce(&clients, fmt.Sprintf("after the handshake: %s (%s)", r.Client.AfterHandshake, r.Client.Close))
		addOnce(&caches, r.Client.SessionCache)
	}
	d.list([]string{
		"Server: " + strings.Join(servers, "; "),
		"Machine: " + strings.Join(machines, "; ") + ". Generator and server share it.",
		"Client: " + strings.Join(clients, "; "),
		"Client session cache, by resumption mode: " + strings.Join(caches, " / "),
		"Tool: " + strings.Join(tools, "; "),
	})

	d.h(2, "Results")
	d.table(groupsTable(set.Groups, results.Metrics(), func(m results.Metric) string { return m.Name + " (" + m.Unit + ")" }))
	d.p("Median over repeats ± the largest deviation of a repeat from it. Rate: completed handshakes / measured window. " +
		"CPU: user+system over the measured window per completed handshake (client: tlsbench; server: the server processes). " +
		"Bytes: TLS records each way from dial to close, TCP/IP headers excluded.")

	if cmp := set.WithinSetups(results.Rule{}); len(cmp.Pairs) > 0 {
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

	d.h(2, "Charts")
	for _, c := range src.Charts {
		d.figure(Figure{Title: c.Title, PNG: src.ChartDir + "/" + c.Name + ".png", SVG: src.ChartDir + "/" + c.Name + ".svg"})
	}
	d.p("Each latency histogram is also in `%s/hgrm/` as HdrHistogram percentile-distribution text (values in ms).", src.ChartDir)

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

// setupTable is a row per group: what it measured, from its labels.
func setupTable(groups []*results.Group) *Table {
	t := &Table{Head: []string{"scenario", "runs", "TLS", "key", "groups", "resumption", "topology", "server session state", "clients", "measured"}}
	for _, g := range groups {
		r, l := g.Runs[0], g.Labels()
		var window float64
		for _, p := range r.Phases {
			if p.Measured {
				window += p.WindowS
			}
		}
		groupsCell := strings.Join(l.Groups, ", ")
		switch {
		case !l.Known():
			groupsCell = "-"
		case groupsCell == "":
			groupsCell = "Go's defaults"
		}
		t.Rows = append(t.Rows, []string{
			g.Name, fmt.Sprint(len(g.Runs)), orDash(l.TLSVersion), orDash(l.Key), groupsCell, orDash(l.Resumption),
			orDash(l.Topology.String()), orDash(r.Target.SessionStore),
			fmt.Sprintf("%d × %d in flight", r.Client.Clients, r.Client.Concurrency), fmt.Sprintf("%.1f s", window),
		})
	}
	return t
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
