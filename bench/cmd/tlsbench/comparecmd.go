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
	failOn    []string
}

func compareCommand(stdout io.Writer) *cobra.Command {
	var f compareFlags
	c := &cobra.Command{
		Use:   "compare A.json B.json | A.json... -- B.json...",
		Short: "Compare two runs, or two sets of runs, metric by metric: A, B, B/A and whether it is beyond noise",
		Long: `Compare two result files, or two sets of them (separated by --, or two
globs), metric by metric: A, B, B/A and whether the difference is beyond
noise ("~": noise) under the rule printed with it: the U test (p < --alpha,
≥ --min-effect) with enough repeats (4 and 4), else --threshold.

Two single files, or two sets that each hold one scenario, are compared
directly whatever their names (full vs resumed, say). Otherwise runs are
matched by scenario name and each scenario in both sets is compared.

With --fail-on, exit with status 4 when B is worse than A beyond noise on
any of the metrics named: a baseline check for pipelines.`,
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
	fl.StringSliceVar(&f.failOn, "fail-on", nil, "exit 4 when B is worse than A beyond noise on any of these metrics: "+strings.Join(results.MetricIDs(), ", "))
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
	for _, id := range f.failOn {
		if !slices.Contains(results.MetricIDs(), id) {
			errs = append(errs, fmt.Errorf("--fail-on: unknown metric %q (want %s)", id, strings.Join(results.MetricIDs(), ", ")))
		}
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
	if err := report.WriteComparisons(stdout, cmp, f.format); err != nil {
		return err
	}
	var worse []error
	for _, r := range cmp.Worse(f.failOn) {
		worse = append(worse, fmt.Errorf("B is worse than A beyond noise: %s", r))
	}
	if len(worse) > 0 {
		return &gateError{err: errors.Join(worse...)}
	}
	return nil
}
