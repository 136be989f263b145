package main

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/tlsbench/tlsbench/plots"
	"github.com/tlsbench/tlsbench/results"
)

func reportCommand(stdout io.Writer) *cobra.Command {
	var out string
	var withHTML bool
	c := &cobra.Command{
		Use:   "report RESULT.json... -o report.md",
		Short: "Write a Markdown report for a design review: setup, table, comparisons, charts, warnings, how to reproduce",
		Long: `Write a Markdown page about a set of result files, for a design review:
the setup (TLS versions, keys, groups, topology, machine, tool version), the
table of measured results (median ± spread of repeats), full vs resumed (and
other) comparisons within each setup, the charts (drawn into <report>-charts/
beside the page and linked relatively), every warning, and the exact commands
that reproduce the runs and the page.

With --html, also write <report>.html: one self-contained page with the
charts inline as SVG.`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return report(args, out, withHTML, stdout)
		},
	}
	c.Flags().StringVarP(&out, "output", "o", "report.md", "the Markdown file to write; charts go to <name>-charts/ beside it")
	c.Flags().BoolVar(&withHTML, "html", false, "also write a self-contained HTML page (<name>.html) with the charts inline")
	return c
}

func report(args []string, out string, withHTML bool, stdout io.Writer) error {
	if !strings.HasSuffix(out, ".md") {
		return &badInputError{err: fmt.Errorf("tlsbench: report: -o %s: want a .md file name", out)}
	}
	runs, paths, err := readRuns(args)
	if err != nil {
		return err
	}
	base := strings.TrimSuffix(filepath.Base(out), ".md")
	chartDir := base + "-charts"
	d, err := drawCharts(runs, filepath.Join(filepath.Dir(out), chartDir))
	if err != nil {
		return err
	}
	doc := buildReport(runs, paths, d.charts, chartDir, base+".md")
	var md bytes.Buffer
	doc.markdown(&md)
	if err := os.WriteFile(out, md.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "report: %s\n", out)
	if withHTML {
		hpath := strings.TrimSuffix(out, ".md") + ".html"
		var h bytes.Buffer
		if err := doc.html(&h, filepath.Dir(out)); err != nil {
			return err
		}
		if err := os.WriteFile(hpath, h.Bytes(), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "report: %s (self-contained)\n", hpath)
	}
	d.list(stdout)
	return nil
}

// block is one part of a report; exactly one field is set.
type block struct {
	heading string
	level   int
	para    string
	table   *table
	image   *figure
	code    string
	list    []string
}

type table struct {
	head  []string
	right []bool // right-aligned columns
	rows  [][]string
}

type figure struct {
	alt, png, svg string // paths relative to the report
}

type reportDoc struct{ blocks []block }

func (d *reportDoc) h(level int, s string) {
	d.blocks = append(d.blocks, block{heading: s, level: level})
}
func (d *reportDoc) p(format string, a ...any) {
	d.blocks = append(d.blocks, block{para: fmt.Sprintf(format, a...)})
}
func (d *reportDoc) t(t *table)          { d.blocks = append(d.blocks, block{table: t}) }
func (d *reportDoc) code(s string)       { d.blocks = append(d.blocks, block{code: s}) }
func (d *reportDoc) list(items []string) { d.blocks = append(d.blocks, block{list: items}) }

// buildReport lays out the report of runs. Everything in it comes from the
// result files and the arguments, so the same files give the same page.
func buildReport(runs []*results.Run, paths []string, charts []plots.Chart, chartDir, mdName string) *reportDoc {
	d := &reportDoc{}
	set := results.NewSet(runs)
	groups := set.Groups
	d.h(1, fmt.Sprintf("TLS handshake benchmark: %d scenarios, %d runs", len(groups), len(runs)))
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

	// Setup.
	d.h(2, "Setup")
	st := &table{head: []string{"scenario", "runs", "TLS", "key", "groups", "resumption", "topology", "server session state", "clients", "measured"}}
	for _, g := range groups {
		r, l := g.Runs[0], g.Labels()
		var window float64
		for _, p := range r.Phases {
			if p.Measured {
				window += p.WindowS
			}
		}
		groupsCell := strings.Join(l.Groups, ", ")
		if groupsCell == "" {
			groupsCell = "Go's defaults"
		}
		if !l.Known() {
			groupsCell = "-"
		}
		st.rows = append(st.rows, []string{
			g.Name, fmt.Sprint(len(g.Runs)), orDash(l.TLSVersion), orDash(l.Key), groupsCell, orDash(l.Resumption),
			orDash(l.Topology.String()), orDash(r.Target.SessionStore),
			fmt.Sprintf("%d × %d in flight", r.Client.Clients, r.Client.Concurrency), fmt.Sprintf("%.1f s", window),
		})
	}
	d.t(st)
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

	// Results.
	d.h(2, "Results")
	metrics := results.Metrics()
	rt := &table{head: []string{"scenario", "runs"}, right: []bool{false, true}}
	for _, m := range metrics {
		rt.head = append(rt.head, m.Name+" ("+m.Unit+")")
		rt.right = append(rt.right, true)
	}
	rt.head = append(rt.head, "warnings")
	for _, g := range groups {
		rt.rows = append(rt.rows, groupRow(g.Name, g.Runs, metrics))
	}
	d.t(rt)
	d.p("Median over repeats ± the largest deviation of a repeat from it. Rate: completed handshakes / measured window. " +
		"CPU: user+system over the measured window per completed handshake (client: tlsbench; server: the server processes). " +
		"Bytes: TLS records each way from dial to close, TCP/IP headers excluded.")

	// Comparisons within each setup.
	if cmp := set.WithinSetups(results.Rule{}); len(cmp.Pairs) > 0 {
		d.h(2, "Within each setup")
		d.p("Each run compared with the first of its setup (the one without resumption, when there is one), as `tlsbench compare` does. " +
			"B/A below 1 is less (faster for latency, cheaper for CPU and bytes); ~ marks a difference within noise.")
		for _, p := range cmp.Pairs {
			d.h(3, fmt.Sprintf("%s vs %s", groupNames(p.B), groupNames(p.A)))
			ct := &table{head: []string{"metric", "unit", "A: " + groupNames(p.A), "B: " + groupNames(p.B), "B/A", "verdict"}, right: []bool{false, false, true, true, true, false}}
			for _, c := range p.Metrics {
				ct.rows = append(ct.rows, []string{c.Metric.Name, c.Metric.Unit, medianSpread(c.A), medianSpread(c.B), ratioCell(c), verdict(c)})
			}
			d.t(ct)
			d.p("Rule: %s.", cmp.Rule.Describe(len(p.A), len(p.B)))
		}
	}

	// Charts.
	d.h(2, "Charts")
	for _, c := range charts {
		d.blocks = append(d.blocks, block{image: &figure{
			alt: c.Title,
			png: chartDir + "/" + c.Name + ".png",
			svg: chartDir + "/" + c.Name + ".svg",
		}})
	}
	d.p("Each latency histogram is also in `%s/hgrm/` as HdrHistogram percentile-distribution text (values in ms).", chartDir)

	// Warnings.
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

	// Reproduce.
	d.h(2, "Reproduce")
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
	fmt.Fprintf(&sb, "bin/tlsbench report %s -o %s\n", shellJoin(paths), mdName)
	d.p("From the repository's top directory: the tool version, the `tlsbench run` command%s that wrote the result files, and the command that drew this page from them.", plural(len(cmds)))
	d.code(sb.String())
	if dirty {
		d.p("The tool was built from a tree with uncommitted changes (`-dirty`): the checkout above is the nearest commit, not the exact code.")
	}
	return d
}

func addOnce(list *[]string, s string) {
	if !slices.Contains(*list, s) {
		*list = append(*list, s)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// shellJoin quotes args for a POSIX shell where needed.
func shellJoin(args []string) string {
	var out []string
	for _, a := range args {
		if a != "" && strings.IndexFunc(a, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r))
		}) < 0 {
			out = append(out, a)
			continue
		}
		out = append(out, "'"+strings.ReplaceAll(a, "'", `'\''`)+"'")
	}
	return strings.Join(out, " ")
}

func mdCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func (d *reportDoc) markdown(w io.Writer) {
	for i, b := range d.blocks {
		if i > 0 {
			fmt.Fprintln(w)
		}
		switch {
		case b.heading != "":
			fmt.Fprintf(w, "%s %s\n", strings.Repeat("#", b.level), b.heading)
		case b.table != nil:
			t := b.table
			cells := make([]string, len(t.head))
			for i, h := range t.head {
				cells[i] = mdCell(h)
			}
			fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
			for i := range t.head {
				cells[i] = "---"
				if i < len(t.right) && t.right[i] {
					cells[i] = "--:"
				}
			}
			fmt.Fprintf(w, "|%s|\n", strings.Join(cells, "|"))
			for _, r := range t.rows {
				row := make([]string, len(r))
				for i, c := range r {
					row[i] = mdCell(c)
				}
				fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
			}
		case b.image != nil:
			fmt.Fprintf(w, "![%s](%s)  \n[SVG](%s)\n", b.image.alt, b.image.png, b.image.svg)
		case b.code != "":
			fmt.Fprintf(w, "```sh\n%s```\n", b.code)
		case b.list != nil:
			for _, it := range b.list {
				fmt.Fprintf(w, "- %s\n", it)
			}
		default:
			fmt.Fprintln(w, b.para)
		}
	}
}

// html writes the report as one HTML page, with each chart's SVG (read
// from dir, the report's directory) inline.
func (d *reportDoc) html(w io.Writer, dir string) error {
	esc := html.EscapeString
	// inline renders `code` spans of Markdown paragraphs.
	inline := func(s string) string {
		parts := strings.Split(esc(s), "`")
		for i := 1; i < len(parts); i += 2 {
			parts[i] = "<code>" + parts[i] + "</code>"
		}
		return strings.Join(parts, "")
	}
	fmt.Fprint(w, `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>`)
	if len(d.blocks) > 0 {
		fmt.Fprint(w, esc(d.blocks[0].heading))
	}
	fmt.Fprint(w, `</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:0.9em}
th,td{border:1px solid #ccc;padding:0.25em 0.5em}
th{background:#f4f4f4}
td.r{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1.5em 0}
figure svg{max-width:100%;height:auto;border:1px solid #eee}
pre{background:#f6f6f6;padding:0.8em;overflow-x:auto}
</style></head><body>
`)
	for _, b := range d.blocks {
		switch {
		case b.heading != "":
			fmt.Fprintf(w, "<h%d>%s</h%d>\n", b.level, esc(b.heading), b.level)
		case b.table != nil:
			t := b.table
			fmt.Fprint(w, "<table><tr>")
			for _, h := range t.head {
				fmt.Fprintf(w, "<th>%s</th>", esc(h))
			}
			fmt.Fprint(w, "</tr>\n")
			for _, r := range t.rows {
				fmt.Fprint(w, "<tr>")
				for i, c := range r {
					class := ""
					if i < len(t.right) && t.right[i] {
						class = ` class="r"`
					}
					fmt.Fprintf(w, "<td%s>%s</td>", class, esc(c))
				}
				fmt.Fprint(w, "</tr>\n")
			}
			fmt.Fprint(w, "</table>\n")
		case b.image != nil:
			svg, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(b.image.svg)))
			if err != nil {
				return err
			}
			if i := bytes.Index(svg, []byte("<svg")); i >= 0 {
				svg = svg[i:]
			} else {
				return errors.New("report: " + b.image.svg + " is not an SVG")
			}
			fmt.Fprintf(w, "<figure>\n%s<figcaption>%s</figcaption></figure>\n", svg, esc(b.image.alt))
		case b.code != "":
			fmt.Fprintf(w, "<pre><code>%s</code></pre>\n", esc(b.code))
		case b.list != nil:
			fmt.Fprint(w, "<ul>\n")
			for _, it := range b.list {
				fmt.Fprintf(w, "<li>%s</li>\n", inline(it))
			}
			fmt.Fprint(w, "</ul>\n")
		default:
			fmt.Fprintf(w, "<p>%s</p>\n", inline(b.para))
		}
	}
	fmt.Fprint(w, "</body></html>\n")
	return nil
}
