package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/tlsbench/tlsbench/bench"
	"github.com/tlsbench/tlsbench/bench/progress"
	"github.com/tlsbench/tlsbench/plots"
	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/results/report"
	"github.com/tlsbench/tlsbench/scenarios"
)

// runFlags are the flags of `tlsbench run`.
type runFlags struct {
	duration   time.Duration
	target     string
	serverName string
	caFile     string
	echConfig  string
	outDir     string
	certDir    string
	progress   string
	grace      time.Duration
	repeat     int    // run the set this many times, interleaved
	plotDir    string // draw the charts of the run set here at the end
	reportFile string // write the set's review page here at the end
	wide       bool   // summary tables with every column
	cpuprofile string // write a CPU profile of the generator here
	shard      string // I/N
	startAt    string // RFC 3339
	tolerance  time.Duration
	resolve    string
}

func runCommand(stdout, stderr io.Writer) *cobra.Command {
	var f runFlags
	c := &cobra.Command{
		Use:   "run SCENARIO.yaml...",
		Short: "Run scenarios, write one result file each, print a summary",
		Long: `Run each scenario in turn, write its result file (JSON) to the output
directory, and print a summary table; with several scenarios, end with a
table that compares them all.

Every scenario file is checked before anything runs: a bad file prints
file:line:col: key.path: message and nothing runs.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScenarios(cmd.Context(), args, f, stdout, stderr)
		},
	}
	fl := c.Flags()
	fl.DurationVar(&f.duration, "duration", 0, "set the duration of every measured phase (for quick looks and CI)")
	fl.StringVar(&f.target, "target", "", "send the load to this host:port instead of the embedded testbed")
	fl.StringVar(&f.serverName, "server-name", "", "server name for SNI and certificate verification (with --target)")
	fl.StringVar(&f.caFile, "ca", "", "PEM file of CA certificates to verify --target with (default: system roots)")
	fl.StringVar(&f.echConfig, "ech-config", "", "the ECH config list of --target (binary, base64 or PEM ECHCONFIG), for scenarios with tls.ech")
	fl.StringVarP(&f.outDir, "output", "o", filepath.Join("results", "runs"), "directory for result files")
	fl.StringVar(&f.certDir, "cert-dir", "certs", "directory for the embedded testbed's throwaway certificates")
	fl.StringVar(&f.progress, "progress", "auto", "progress bar: auto (when stderr is a terminal), on or off")
	fl.StringVar(&f.cpuprofile, "cpuprofile", "", "write a CPU profile of the generator to this file")
	fl.MarkHidden("cpuprofile")
	fl.DurationVar(&f.grace, "grace", 2*time.Second, "on Ctrl-C, how long connections in flight may finish (a second Ctrl-C cuts them at once)")
	fl.IntVar(&f.repeat, "repeat", 1, "run the whole set N times, interleaved (1st of each scenario, then 2nd, ...); tables show median ± spread")
	fl.StringVar(&f.plotDir, "plots", "", "at the end, draw the charts of the run set into this directory and list them")
	fl.StringVar(&f.reportFile, "report", "", "at the end, write the run set's review page, findings first, to this .md file and its .html beside it")
	fl.BoolVar(&f.wide, "wide", false, "summary tables with every column (default: the columns that fit 120 characters)")
	fl.StringVar(&f.shard, "shard", "", "run shard I/N of the scenario (clients k with k mod N = I); env TLSBENCH_SHARD, or JOB_COMPLETION_INDEX with TLSBENCH_SHARDS")
	fl.StringVar(&f.startAt, "start-at", "", "with --shard: start the first phase at this RFC 3339 time, once ready (env TLSBENCH_START_AT)")
	fl.DurationVar(&f.tolerance, "start-tolerance", bench.DefaultStartTolerance, "with --start-at: a shard ready later than this after the start time runs nothing and exits 5")
	fl.StringVar(&f.resolve, "resolve", bench.ResolveAll, "a remote target's name: all (every address it resolves to, balanced) or off (the name as it is)")
	return c
}

// loadAll loads every scenario and plans the set's runs with the flags'
// overrides, reporting every problem of every file at once.
func loadAll(paths []string, f runFlags) ([]bench.Job, bench.Shard, error) {
	shard, err := bench.ShardFrom(f.shard, f.startAt, f.tolerance, os.Getenv)
	errs := []error{err, bench.CheckResolve(f.resolve)}
	if shard.Count > 0 && (len(paths) > 1 || f.repeat > 1) {
		errs = append(errs, errors.New("--shard: a shard runs one scenario once (no --repeat)"))
	}
	var scs []*scenarios.Scenario
	for _, p := range paths {
		sc, err := scenarios.Load(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		scs = append(scs, sc)
	}
	ov := bench.Overrides{Duration: f.duration, Target: f.target, ServerName: f.serverName, CAFile: f.caFile, ECHConfigFile: f.echConfig}
	jobs, err := bench.Plan(scs, ov, max(f.repeat, 1))
	if err != nil {
		errs = append(errs, err)
	}
	// A network scenario that cannot have its lab stops the set before
	// anything starts.
	if err := bench.CheckLab(jobs); err != nil {
		errs = append(errs, err)
	}
	if f.target == "" && (f.serverName != "" || f.caFile != "" || f.echConfig != "") {
		errs = append(errs, errors.New("--server-name, --ca and --ech-config go with --target"))
	}
	if f.repeat < 1 {
		errs = append(errs, fmt.Errorf("--repeat: must be at least 1, got %d", f.repeat))
	}
	if f.grace < 0 {
		errs = append(errs, fmt.Errorf("--grace: must not be negative, got %s", f.grace))
	}
	if f.duration < 0 {
		errs = append(errs, fmt.Errorf("--duration: must be positive, got %s", f.duration))
	}
	if f.reportFile != "" && !strings.HasSuffix(f.reportFile, ".md") {
		errs = append(errs, fmt.Errorf("--report %s: want a .md file name", f.reportFile))
	}
	if f.progress != "auto" && f.progress != "on" && f.progress != "off" {
		errs = append(errs, fmt.Errorf("--progress: want auto, on or off, got %q", f.progress))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, shard, &badInputError{err: err}
	}
	return jobs, shard, nil
}

func runScenarios(ctx context.Context, paths []string, f runFlags, stdout, stderr io.Writer) error {
	jobs, shard, err := loadAll(paths, f)
	if err != nil {
		return err
	}
	if f.cpuprofile != "" {
		stop, err := bench.StartCPUProfile(f.cpuprofile)
		if err != nil {
			return &badInputError{err: fmt.Errorf("--cpuprofile: %w", err)}
		}
		defer stop()
	}
	scs := bench.Scenarios(jobs)
	for _, sc := range scs {
		announce(stderr, sc.Name+" sends load to", sc.Target.List(), sc.Target.ServerName)
	}
	opts := bench.Options{CertDir: f.certDir, Version: version, Command: append([]string{"tlsbench"}, os.Args[1:]...), Abort: abortFrom(ctx), Grace: f.grace, Shard: shard, Resolve: f.resolve}
	view := report.View{Wide: f.wide}
	var runs []*results.Run
	var files []string
	var crossed []error
	for _, job := range jobs {
		sc := job.Scenario
		fmt.Fprintf(stdout, "== %s\n", job.Heading(len(scs)))
		bar := progress.New(stderr, f.progress)
		opts.Progress = bar.Func()
		run, runErr := job.Run(ctx, opts)
		bar.Finish()
		if run == nil {
			return fmt.Errorf("%s: %w", sc.Name, runErr)
		}
		path := filepath.Join(f.outDir, results.FileName(run))
		if err := results.Write(path, run); err != nil {
			return errors.Join(runErr, err)
		}
		view.WriteRun(stdout, run)
		fmt.Fprintf(stdout, "result: %s\n\n", path)
		if run.Shard != nil { // for kubectl logs ... | tlsbench merge -
			if err := results.WriteMarked(stdout, run); err != nil {
				return err
			}
		}
		runs, files = append(runs, run), append(files, path)
		if runErr != nil {
			if errors.Is(runErr, bench.ErrInterrupted) {
				return errInterrupted
			}
			return runErr
		}
		// A run that measured nothing fails at once; crossed thresholds
		// fail the set once it has run.
		var nothing *bench.NoHandshakesError
		if err := bench.Verdict(run); errors.As(err, &nothing) {
			return err
		} else if err != nil {
			crossed = append(crossed, err)
		}
	}
	if err := view.WriteSummary(stdout, runs, f.repeat); err != nil {
		return err
	}
	var d *plots.Drawn
	if f.plotDir != "" {
		if d, err = drawCharts(runs, f.plotDir); err != nil {
			return err
		}
		fmt.Fprintln(stdout)
		d.List(stdout)
	}
	if f.reportFile != "" {
		if err := writePage(runs, files, f.reportFile, true, d, stdout); err != nil {
			return err
		}
	}
	if len(crossed) > 0 {
		return &gateError{err: errors.Join(crossed...)}
	}
	return nil
}

// announce says on stderr, before anything is sent, that who (a
// scenario, the check) connects to addrs, not to this machine, when one of
// them is not a loopback address.
func announce(w io.Writer, who string, addrs []string, serverName string) {
	if slices.ContainsFunc(addrs, func(a string) bool { return !bench.IsLoopback(a) }) {
		fmt.Fprintf(w, "tlsbench: %s %s (server name %q), not to this machine\n", who, strings.Join(addrs, ", "), serverName)
	}
}
