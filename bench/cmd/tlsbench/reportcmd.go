package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/tlsbench/tlsbench/plots"
	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/results/report"
)

func reportCommand(stdout io.Writer) *cobra.Command {
	var out string
	var withHTML bool
	c := &cobra.Command{
		Use:   "report RESULT.json... -o report.md",
		Short: "Write a Markdown report for a design review: setup, table, comparisons, charts, warnings, how to reproduce",
		Long: `Write a Markdown page about a set of result files, for a design review. It
opens with its findings, a sentence per question the runs answer, each
beside its chart; then the results, the comparisons within each setup, the
other charts (drawn into <report>-charts/), the setup (what every run
shares, once, then what differs), the warnings, and how to reproduce it.

With --html, also write <report>.html: one self-contained page with the
charts inline as SVG.`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return writeReport(args, out, withHTML, stdout)
		},
	}
	c.Flags().StringVarP(&out, "output", "o", "report.md", "the Markdown file to write; charts go to <name>-charts/ beside it")
	c.Flags().BoolVar(&withHTML, "html", false, "also write a self-contained HTML page (<name>.html) with the charts inline")
	return c
}

func writeReport(args []string, out string, withHTML bool, stdout io.Writer) error {
	if !strings.HasSuffix(out, ".md") {
		return &badInputError{err: fmt.Errorf("tlsbench: report: -o %s: want a .md file name", out)}
	}
	runs, paths, err := readRuns(args)
	if err != nil {
		return err
	}
	return writePage(runs, paths, out, withHTML, nil, stdout)
}

// writePage writes the review page of runs (read from paths) to out, and
// with withHTML its self-contained HTML beside it. Charts already drawn
// (d, by run --plots) are linked where they are; otherwise they are drawn
// into <name>-charts/ beside the page.
func writePage(runs []*results.Run, paths []string, out string, withHTML bool, d *plots.Drawn, stdout io.Writer) error {
	base := strings.TrimSuffix(filepath.Base(out), ".md")
	src := report.Sources{Results: paths, Page: base + ".md", ChartDir: base + "-charts"}
	if d != nil {
		rel, err := filepath.Rel(filepath.Dir(out), d.Dir)
		if err != nil {
			return err
		}
		src.ChartDir = filepath.ToSlash(rel)
	} else {
		var err error
		if d, err = drawCharts(runs, filepath.Join(filepath.Dir(out), src.ChartDir)); err != nil {
			return err
		}
		defer d.List(stdout)
	}
	for _, c := range d.Charts {
		src.Charts = append(src.Charts, report.Chart{Name: c.Name, Title: c.Title})
	}
	files, err := report.WritePage(out, runs, src, withHTML)
	for _, f := range files {
		if strings.HasSuffix(f, ".html") {
			f += " (self-contained)"
		}
		fmt.Fprintf(stdout, "report: %s\n", f)
	}
	return err
}
