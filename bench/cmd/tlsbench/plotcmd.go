package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/tlsbench/tlsbench/plots"
	"github.com/tlsbench/tlsbench/results"
)

// defaultPlotDir is where `tlsbench plot` and `make bench` draw charts.
var defaultPlotDir = filepath.Join("plots", "out")

func plotCommand(stdout io.Writer) *cobra.Command {
	var dir string
	c := &cobra.Command{
		Use:   "plot RESULT.json...",
		Short: "Draw the charts of result files (PNG and SVG) and export their histograms (.hgrm)",
		Long: `Draw the charts of a set of result files into a directory, as PNG and
SVG: handshakes/s, the handshake-latency percentile spectrum, CPU and bytes
per handshake, rate and p99 over time, and for runs against several nodes
the resumption rate and the node × node resumption matrix. Every latency
histogram is exported beside them as HdrHistogram percentile-distribution
text (hgrm/*.hgrm, values in milliseconds).

Runs that share a name and setup are repeats: a bar shows their median and
min..max.
Arguments may be globs ('results/runs/*.json').`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			runs, _, err := readRuns(args)
			if err != nil {
				return err
			}
			out, err := drawCharts(runs, dir)
			if err != nil {
				return err
			}
			out.List(stdout)
			return nil
		},
	}
	c.Flags().StringVarP(&dir, "output", "o", defaultPlotDir, "directory for the charts")
	return c
}

// readRuns reads the result files named by args (globs are expanded, see
// results.Glob). Every unreadable file is reported, each error naming its
// file, as bad input; so is an empty set.
func readRuns(args []string) ([]*results.Run, []string, error) {
	paths, err := results.Glob(args)
	if err == nil && len(paths) == 0 {
		err = errors.New("tlsbench: no result files given")
	}
	if err != nil {
		return nil, nil, &badInputError{err: err}
	}
	runs, err := results.ReadFiles(paths)
	if err != nil {
		return nil, nil, &badInputError{err: err}
	}
	return runs, paths, nil
}

// drawCharts draws the charts of runs into dir and exports their latency
// histograms into dir/hgrm (plots.Draw); runs that make no chart are bad
// input.
func drawCharts(runs []*results.Run, dir string) (*plots.Drawn, error) {
	charts, err := plots.Build(runs)
	if err != nil {
		return nil, &badInputError{err: fmt.Errorf("tlsbench: %w", err)}
	}
	return plots.Draw(dir, charts, runs)
}
