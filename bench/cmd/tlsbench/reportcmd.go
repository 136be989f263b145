package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/tlsbench/tlsbench/results/report"
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
	base := strings.TrimSuffix(filepath.Base(out), ".md")
	chartDir := base + "-charts"
	d, err := drawCharts(runs, filepath.Join(filepath.Dir(out), chartDir))
	if err != nil {
		return err
	}
	src := report.Sources{Results: paths, Page: base + ".md", ChartDir: chartDir}
	for _, c := range d.charts {
		src.Charts = append(src.Charts, report.Chart{Name: c.Name, Title: c.Title})
	}
	doc := report.Review(runs, src)
	var md bytes.Buffer
	doc.WriteMarkdown(&md)
	if err := os.WriteFile(out, md.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "report: %s\n", out)
	if withHTML {
		hpath := strings.TrimSuffix(out, ".md") + ".html"
		var h bytes.Buffer
		if err := doc.WriteHTML(&h, filepath.Dir(out)); err != nil {
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
