package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/results/report"
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
	if !slices.Contains(report.CompareFormats(), f.format) {
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
	return report.WriteComparisons(stdout, cmp, f.format)
}
