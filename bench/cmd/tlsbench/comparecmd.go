package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/tlsbench/tlsbench/results"
)

type compareFlags struct {
	format    string
	threshold float64 // percent
	alpha     float64
	minEffect float64 // percent
}

func compareCommand(stdout io.Writer) *cobra.Command {
	var f compareFlags
	c := &cobra.Command{
		Use:   "compare A.json B.json | A.json... -- B.json...",
		Short: "Compare two runs, or two sets of runs, metric by metric: A, B, B/A and whether it is beyond noise",
		Long: `Compare two result files, or two sets of them (separated by --, or given
as two globs), metric by metric: rate, handshake p50 and p99, connect p50,
client and server CPU per handshake, bytes each way and the resumed share.
Each line shows A, B, the ratio B/A and whether the difference is beyond
noise; "~" marks noise, in the style of benchstat.

The rule, printed with every comparison:
  - with at least 3 runs a side, and enough that the Mann-Whitney U test can
    reach --alpha at all (4 and 4, or 3 and 5, for 0.05), a difference counts
    when the U test gives p < --alpha and the medians differ by at least
    --min-effect;
  - otherwise the medians (the values, for single runs) are compared: a
    difference counts when it is at least --threshold either way. On a shared
    2-core machine single runs differ by up to about 20 % unchanged.

Two single files, or two sets that each hold one scenario, are compared
directly whatever their names (full vs resumed, say). Otherwise runs are
matched by scenario name and each scenario in both sets is compared.`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return compare(cmd.ArgsLenAtDash(), args, f, stdout)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.format, "format", "text", "output format: text, markdown or csv")
	fl.Float64Var(&f.threshold, "threshold", 20, "without enough repeats, the smallest difference in % that is not noise")
	fl.Float64Var(&f.alpha, "alpha", 0.05, "significance level of the U test")
	fl.Float64Var(&f.minEffect, "min-effect", 5, "with the U test, the smallest difference in % of the medians that counts")
	return c
}

func compare(dash int, args []string, f compareFlags, stdout io.Writer) error {
	var errs []error
	switch f.format {
	case "text", "markdown", "csv":
	default:
		errs = append(errs, fmt.Errorf("--format: want text, markdown or csv, got %q", f.format))
	}
	if f.threshold <= 0 || f.minEffect <= 0 {
		errs = append(errs, errors.New("--threshold and --min-effect: must be positive percentages"))
	}
	if f.alpha <= 0 || f.alpha >= 1 {
		errs = append(errs, fmt.Errorf("--alpha: must be between 0 and 1, got %g", f.alpha))
	}
	var argsA, argsB []string
	switch {
	case dash >= 0:
		argsA, argsB = args[:dash], args[dash:]
		if len(argsA) == 0 || len(argsB) == 0 {
			errs = append(errs, errors.New("compare: give result files on both sides of --"))
		}
		for _, a := range argsB {
			if strings.HasPrefix(a, "-") {
				errs = append(errs, fmt.Errorf("compare: %s after --: flags go before --", a))
			}
		}
	case len(args) == 2:
		argsA, argsB = args[:1], args[1:]
	default:
		errs = append(errs, fmt.Errorf("compare: want two result files (or globs), or two sets separated by --; got %d arguments", len(args)))
	}
	if err := errors.Join(errs...); err != nil {
		return &badInputError{err: fmt.Errorf("tlsbench: %w", err)}
	}
	runsA, _, errA := readRuns(argsA)
	runsB, _, errB := readRuns(argsB)
	if err := errors.Join(errA, errB); err != nil {
		return &badInputError{err: err}
	}
	rule := results.Rule{Alpha: f.alpha, MinEffect: f.minEffect / 100, Threshold: f.threshold / 100}
	cmp, err := results.CompareSets(runsA, runsB, rule)
	if err != nil {
		return &badInputError{err: fmt.Errorf("tlsbench: %w", err)}
	}
	pairs, onlyA, onlyB := cmp.Pairs, cmp.OnlyA, cmp.OnlyB
	switch f.format {
	case "csv":
		return writeCompareCSV(stdout, pairs)
	case "markdown":
		writeCompareMarkdown(stdout, pairs, rule, onlyA, onlyB)
	default:
		writeCompareText(stdout, pairs, rule, onlyA, onlyB)
	}
	return nil
}

// side names one side of a comparison: "tls13-full (3 runs)".
func side(runs []*results.Run) string {
	var names []string
	for _, r := range runs {
		if n := r.Name(); !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	s := strings.Join(names, ", ")
	if len(runs) == 1 {
		return s + " (1 run)"
	}
	return fmt.Sprintf("%s (%d runs)", s, len(runs))
}

// verdict is benchstat's last column: "~" for noise, else the change and
// whether it is better or worse, with the p-value under the U test.
func verdict(c results.Comparison) string {
	if c.A.N == 0 || c.B.N == 0 {
		return "n/a"
	}
	p := ""
	if c.Test == results.UTest {
		p = fmt.Sprintf(" (p=%.3f)", c.P)
	}
	if !c.Beyond {
		return "~" + p
	}
	word := "worse"
	if c.Better() {
		word = "better"
	}
	return change(c) + " " + word + p
}

// change is the difference of B from A: a percentage, or percentage
// points for a metric that is itself a percentage.
func change(c results.Comparison) string {
	if c.Metric.Unit == "%" {
		return fmt.Sprintf("%+.1f pts", c.B.Median-c.A.Median)
	}
	if math.IsInf(c.Ratio, 1) {
		return "+∞%"
	}
	d := 100 * (c.Ratio - 1)
	if d < 0 {
		return fmt.Sprintf("−%.0f%%", -d)
	}
	return fmt.Sprintf("+%.0f%%", d)
}

func ratioCell(c results.Comparison) string {
	switch {
	case math.IsNaN(c.Ratio):
		return "n/a"
	case math.IsInf(c.Ratio, 1):
		return "∞"
	}
	return fmt.Sprintf("%.2f", c.Ratio)
}

// runCounts returns how many runs each side has (the rule depends on it).
func runCounts(p results.Pair) (int, int) { return len(p.A), len(p.B) }

func writeCompareText(w io.Writer, pairs []results.Pair, rule results.Rule, onlyA, onlyB []string) {
	for i, p := range pairs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "A: %s\nB: %s\n", side(p.A), side(p.B))
		fmt.Fprintf(w, "rule: %s\n\n", rule.Describe(runCounts(p)))
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "metric\tunit\tA\tB\tB/A\tverdict\t")
		for _, c := range p.Metrics {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", c.Metric.Name, c.Metric.Unit, medianSpread(c.A), medianSpread(c.B), ratioCell(c), verdict(c))
		}
		tw.Flush()
		fmt.Fprintf(w, "warnings: A: %s; B: %s\n", warningList(p.A), warningList(p.B))
	}
	writeUnmatched(w, onlyA, onlyB)
	fmt.Fprintln(w, "values are medians over runs ± the largest deviation from them; ~ marks a difference within noise under the rule")
}

func writeUnmatched(w io.Writer, onlyA, onlyB []string) {
	if len(onlyA) > 0 {
		fmt.Fprintf(w, "only in A, not compared: %s\n", strings.Join(onlyA, ", "))
	}
	if len(onlyB) > 0 {
		fmt.Fprintf(w, "only in B, not compared: %s\n", strings.Join(onlyB, ", "))
	}
}

func writeCompareMarkdown(w io.Writer, pairs []results.Pair, rule results.Rule, onlyA, onlyB []string) {
	for i, p := range pairs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "### %s vs %s\n\n", mdEscape(groupNames(p.A)), mdEscape(groupNames(p.B)))
		fmt.Fprintf(w, "A: %s  \nB: %s  \nRule: %s\n\n", mdEscape(side(p.A)), mdEscape(side(p.B)), mdEscape(rule.Describe(runCounts(p))))
		writeCompareMarkdownTable(w, p.Metrics)
		fmt.Fprintf(w, "\nWarnings: A: %s; B: %s\n", mdEscape(warningList(p.A)), mdEscape(warningList(p.B)))
	}
	if len(onlyA)+len(onlyB) > 0 {
		fmt.Fprintln(w)
		writeUnmatched(w, onlyA, onlyB)
	}
}

func writeCompareMarkdownTable(w io.Writer, rows []results.Comparison) {
	fmt.Fprintln(w, "| metric | unit | A | B | B/A | verdict |")
	fmt.Fprintln(w, "|---|---|--:|--:|--:|---|")
	for _, c := range rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", c.Metric.Name, c.Metric.Unit, medianSpread(c.A), medianSpread(c.B), ratioCell(c), verdict(c))
	}
}

func groupNames(runs []*results.Run) string {
	var names []string
	for _, g := range results.NewSet(runs).Groups {
		if !slices.Contains(names, g.Name) {
			names = append(names, g.Name)
		}
	}
	return strings.Join(names, ", ")
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func writeCompareCSV(w io.Writer, pairs []results.Pair) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"a", "b", "metric", "unit", "a_median", "a_min", "a_max", "a_n", "b_median", "b_min", "b_max", "b_n", "ratio", "test", "p", "beyond_noise", "b_better"})
	g := func(v float64) string {
		if math.IsNaN(v) {
			return ""
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	for _, p := range pairs {
		for _, c := range p.Metrics {
			cw.Write([]string{
				groupNames(p.A), groupNames(p.B), c.Metric.ID, c.Metric.Unit,
				g(c.A.Median), g(c.A.Min), g(c.A.Max), strconv.Itoa(c.A.N),
				g(c.B.Median), g(c.B.Min), g(c.B.Max), strconv.Itoa(c.B.N),
				g(c.Ratio), c.Test.String(), g(c.P), strconv.FormatBool(c.Beyond), strconv.FormatBool(c.Better()),
			})
		}
	}
	cw.Flush()
	return cw.Error()
}
