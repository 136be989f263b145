package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/tlsbench/tlsbench/results"
)

// CompareFormats are the formats of WriteComparisons.
func CompareFormats() []string { return []string{"text", "markdown", "csv"} }

// WriteComparisons writes comparisons in format: "text" (CompareText),
// "markdown" (CompareMarkdown) or "csv" (CompareCSV).
func WriteComparisons(w io.Writer, c *results.Comparisons, format string) error {
	switch format {
	case "text":
		return CompareText(w, c)
	case "markdown":
		CompareMarkdown(w, c)
		return nil
	case "csv":
		return CompareCSV(w, c)
	}
	return fmt.Errorf("report: unknown format %q", format)
}

// CompareText writes comparisons for a terminal, in the style of
// benchstat: for each pair, its sides, the rule, a row per metric and the
// warnings of each side; then the names found in one set only.
func CompareText(w io.Writer, c *results.Comparisons) error {
	for i, p := range c.Pairs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "A: %s\nB: %s\n", side(p.A), side(p.B))
		fmt.Fprintf(w, "rule: %s\n\n", c.Rule.Describe(len(p.A), len(p.B)))
		if err := metricsTable(p, "A", "B").WriteText(w); err != nil {
			return err
		}
		fmt.Fprintf(w, "warnings: A: %s; B: %s\n", warningList(p.A), warningList(p.B))
	}
	unmatched(w, c)
	_, err := fmt.Fprintln(w, "values are medians over runs ± the largest deviation from them; ~ marks a difference within noise under the rule")
	return err
}

func unmatched(w io.Writer, c *results.Comparisons) {
	if len(c.OnlyA) > 0 {
		fmt.Fprintf(w, "only in A, not compared: %s\n", strings.Join(c.OnlyA, ", "))
	}
	if len(c.OnlyB) > 0 {
		fmt.Fprintf(w, "only in B, not compared: %s\n", strings.Join(c.OnlyB, ", "))
	}
}

// CompareMarkdown writes comparisons as Markdown: a section per pair with
// its sides, the rule, the table of metrics and the warnings.
func CompareMarkdown(w io.Writer, c *results.Comparisons) {
	for i, p := range c.Pairs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		a, b := strings.Join(names(p.A), ", "), strings.Join(names(p.B), ", ")
		fmt.Fprintf(w, "### %s vs %s\n\n", mdEscape(a), mdEscape(b))
		fmt.Fprintf(w, "A: %s  \nB: %s  \nRule: %s\n\n", mdEscape(side(p.A)), mdEscape(side(p.B)), mdEscape(c.Rule.Describe(len(p.A), len(p.B))))
		metricsTable(p, "A", "B").WriteMarkdown(w)
		fmt.Fprintf(w, "\nWarnings: A: %s; B: %s\n", mdEscape(warningList(p.A)), mdEscape(warningList(p.B)))
	}
	if len(c.OnlyA)+len(c.OnlyB) > 0 {
		fmt.Fprintln(w)
		unmatched(w, c)
	}
}

// CompareCSV writes comparisons as CSV, a row per pair and metric, with
// every number unrounded (empty where there is none).
func CompareCSV(w io.Writer, c *results.Comparisons) error {
	t := &Table{Head: []string{"a", "b", "metric", "unit", "a_median", "a_min", "a_max", "a_n", "b_median", "b_min", "b_max", "b_n", "ratio", "test", "p", "beyond_noise", "b_better"}}
	g := func(v float64) string {
		if math.IsNaN(v) {
			return ""
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	for _, p := range c.Pairs {
		a, b := strings.Join(names(p.A), ", "), strings.Join(names(p.B), ", ")
		for _, m := range p.Metrics {
			t.Rows = append(t.Rows, []string{
				a, b, m.Metric.ID, m.Metric.Unit,
				g(m.A.Median), g(m.A.Min), g(m.A.Max), strconv.Itoa(m.A.N),
				g(m.B.Median), g(m.B.Min), g(m.B.Max), strconv.Itoa(m.B.N),
				g(m.Ratio), m.Test.String(), g(m.P), strconv.FormatBool(m.Beyond), strconv.FormatBool(m.Better()),
			})
		}
	}
	return t.WriteCSV(w)
}
