// Package bench runs a scenario end to end. A run has three steps. Start
// resolves a copy of the scenario (the caller's is never changed), starts
// its Fleet (the embedded testbed in a child process, real servers from
// the system's packages, or nothing for a remote target) where a
// Placement puts it, and derives the generator's loadgen.Config, from
// which everything the result says about the clients is read. The phases
// then run through package loadgen, with the CPU of the generator and of
// the servers measured apart and the servers' own counts read at every
// phase boundary. Finish stops the fleet, attaches warnings and returns
// the run as a results.Run. A scenario's network block puts the fleet
// behind a network lab (lab.go, package bench/netlab), whose link is
// measured beside it.
//
// A set of runs is planned here too: Plan applies the command line's
// Overrides to each scenario (warning when one changes what a scenario
// means) and repeats the set interleaved, as Jobs.
//
// It does not parse command lines, print or draw: package main does, with
// the Progress callback and the returned Run.
package bench

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/tlsbench/tlsbench/loadgen"
	"github.com/tlsbench/tlsbench/loadgen/clock"
	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/scenarios"
)

// Options are the settings of a run that are not part of the scenario.
type Options struct {
	// TestbedCommand is the command that runs the testbed child, reading
	// its config on stdin (Serve). Default: this executable with the
	// argument "testbed".
	TestbedCommand []string

	// LinkCommand is the command that runs a network lab's link process
	// (netlab.ServeLink) for a scenario with a network block. Default:
	// this executable with the argument "link".
	LinkCommand []string

	// CertDir is where throwaway testbed certificates are kept. Default:
	// "certs".
	CertDir string

	// Version is the tool version recorded in results.
	Version string

	// Command is the command line recorded in results.
	Command []string

	// Progress, if not nil, is called while phases run (from another
	// goroutine).
	Progress func(Progress)

	// Grace is how long connections in flight may finish after the run's
	// context is canceled. Zero: 2 s.
	Grace time.Duration

	// Abort, when closed after the run's context is canceled, cuts the
	// connections still in flight at once instead of after the grace
	// period (a second Ctrl-C). Nil: never.
	Abort <-chan struct{}

	// Clock is the run's time source: the run's start and end, the times
	// faults are injected at and recorded with, and everything the
	// generator times (it is passed on as loadgen.Config.Clock). The CPU
	// sampler's wall time stays on the real clock, because the CPU times
	// it divides are real. Nil: the real clock.
	Clock clock.Clock

	// Shard makes the run one shard of a run split over several
	// generators, started together (see Shard). Zero: the whole run.
	Shard Shard

	// Resolve is how a remote target's name becomes addresses (see
	// ResolveAll, ResolveOff). Empty: ResolveAll.
	Resolve string

	// LookupHost resolves a remote target's host name to its addresses.
	// Nil: net.DefaultResolver.LookupHost.
	LookupHost func(ctx context.Context, host string) ([]string, error)
}

// clock returns the run's clock.
func (o Options) clock() clock.Clock {
	if o.Clock == nil {
		return clock.Real{}
	}
	return o.Clock
}

// Progress reports a running phase.
type Progress struct {
	Scenario string
	// Index is the phase's index in the scenario, Phases their number.
	Index, Phases int
	// Planned is the phase's duration (0 for a count-bounded phase) and
	// Count its connection count (0 for a duration-bounded phase).
	Planned time.Duration
	Count   int64
	loadgen.Progress
}

// ErrInterrupted is wrapped by Run's error when ctx was canceled; the run
// it returns is then partial.
var ErrInterrupted = errors.New("interrupted")

// Run runs sc and returns its result. The scenario must be valid (loaded
// with scenarios.Load, or checked with Validate); Run does not change it:
// it resolves and measures a copy, which the result records. When ctx is
// canceled the phase in flight stops, the servers are stopped, and Run
// returns the run marked partial together with an error wrapping
// ErrInterrupted. Other errors after the start return the partial run
// too; a nil run means nothing was measured.
func Run(ctx context.Context, sc *scenarios.Scenario, opts Options) (*results.Run, error) {
	return Job{Scenario: sc}.Run(ctx, opts)
}

// Run runs the job's scenario as Run does, recording the job's warnings
// and its place in the set in the result.
func (j Job) Run(ctx context.Context, opts Options) (*results.Run, error) {
	r, err := start(ctx, j, opts)
	if err != nil {
		return nil, err
	}
	defer r.fleet.Stop()
	percent, restore := sizeGC(r.cfg.Clients)
	defer restore()
	r.run.Client.GC = gcDescription(percent)
	r.run.Client.GCPercent = percent
	return r.finish(ctx, r.phases(ctx))
}

// runner is one run in progress: its resolved scenario, its fleet and
// generator, and the result it fills.
type runner struct {
	sc    *scenarios.Scenario // resolved: a copy of the caller's
	opts  Options
	fleet Fleet
	cfg   loadgen.Config // the generator's, resolved once
	gen   *loadgen.Generator
	run   *results.Run
	lab   *labRun // the network lab; nil on loopback
	// unobservable is set once the servers' counters could not be read.
	unobservable bool
}

// start resolves the job's scenario, starts its fleet and builds its
// generator: everything a run decides before its first phase.
func start(ctx context.Context, j Job, opts Options) (*runner, error) {
	run := &results.Run{
		SchemaVersion: results.SchemaVersion,
		StartedAt:     opts.clock().Now(),
		Tool:          results.Tool{Version: opts.Version, Go: runtime.Version(), Command: opts.Command},
		Machine:       Machine(),
		Label:         j.label(),
		Repeat:        max(j.Repeat, 1),
		Repeats:       max(j.Repeats, 1),
		Warnings:      append([]results.Warning{}, j.Warnings...),
	}
	if err := readLimits().check(j.Scenario.Clients.Concurrency); err != nil {
		return nil, err
	}
	removeStaleLabs()
	s, err := resolveScenario(j.Scenario, opts)
	if err != nil {
		return nil, err
	}
	var place Placement // loopback
	var lab *labRun
	if s.sc.Network != nil {
		if lab, err = startLab(ctx, s, opts); err != nil {
			return nil, err
		}
		place = lab.placement()
	}
	f, err := startFleet(ctx, s, place, opts)
	if err != nil {
		return nil, errors.Join(err, lab.stop())
	}
	if lab != nil {
		f = &labFleet{Fleet: f, lab: lab}
	}
	r := &runner{sc: s.sc, opts: opts, fleet: f, run: run, lab: lab}
	run.Target = f.Target()
	run.Warnings = append(run.Warnings, s.warnings...)
	cfgJSON, err := json.Marshal(s.sc)
	if err != nil {
		f.Stop()
		return nil, fmt.Errorf("bench: %w", err)
	}
	run.Scenario = results.Scenario{Name: s.sc.Name, File: s.sc.File, Config: cfgJSON}
	run.Labels = labels(s.sc)
	if lab != nil {
		run.Network = lab.network()
		run.Labels.Network = lab.labels(s.sc.Network)
		run.Warnings = append(run.Warnings, lab.warnings(s.sc.Network)...)
	}
	lcfg, err := generatorConfig(s.sc, f, place)
	if err != nil {
		f.Stop()
		return nil, err
	}
	lcfg.RoundTrips = lab != nil
	lcfg.Grace = opts.Grace
	lcfg.Clock = opts.clock()
	s.variants(&lcfg)
	lcfg.Shard = opts.shardOf()
	runSeed := seed(s.sc)
	lcfg.Seed = uint64(runSeed)
	r.cfg = lcfg
	run.Client = describeClient(lcfg)
	run.Client.Seed = runSeed
	s.describeVariants(run)
	if r.gen, err = loadgen.New(lcfg); err != nil {
		f.Stop()
		return nil, fmt.Errorf("bench: %w", err)
	}
	if err := r.startShard(); err != nil {
		f.Stop()
		return nil, fmt.Errorf("bench: %w", err)
	}
	return r, nil
}

// phases runs the scenario's phases (or its sweep's steps) and returns the
// error that stopped them early.
func (r *runner) phases(ctx context.Context) error {
	sc, run, opts := r.sc, r.run, r.opts
	// A shard has done everything slow: it waits for the common start.
	if err := r.barrier(ctx); err != nil {
		return err
	}
	stopFaults := injectFaults(ctx, opts.clock(), r.fleet, sc.Faults, run)
	defer stopFaults()
	phases := sc.Phases
	if sc.Sweep != nil {
		phases = sweepPhases(sc)
		run.Sweep = &results.Sweep{Knee: -1}
	}
	for i, p := range phases {
		lp := loadgen.Phase{Name: p.Name, Measured: p.Recorded(), Duration: time.Duration(p.Duration), Count: int64(p.Count), Abort: opts.Abort, Rate: p.Rate}
		var progress func(loadgen.Progress)
		if opts.Progress != nil {
			progress = func(lpr loadgen.Progress) {
				opts.Progress(Progress{Scenario: sc.Name, Index: i, Phases: len(phases), Planned: lp.Duration, Count: lp.Count, Progress: lpr})
			}
		}
		if i == 0 {
			lp.ScheduleFrom = r.scheduleFrom()
		}
		before, berr := r.snapshot(ctx)
		ph, err := r.gen.Run(ctx, lp, progress)
		after, aerr := r.snapshot(context.WithoutCancel(ctx))
		fillServerSide(&ph, before, after)
		if w := r.lab.fill(&ph, before.link, after.link); w != nil {
			run.Warnings = append(run.Warnings, *w)
		}
		// A server that stops answering is measured, not fatal: the run
		// goes on and the result says from when its counts are missing.
		if serr := errors.Join(berr, aerr); serr != nil && !r.unobservable {
			r.unobservable = true
			run.Warnings = append(run.Warnings, results.Warning{Code: results.WarnServerUnobservable, Phase: p.Name,
				Message: fmt.Sprintf("the servers' own counters could not be read from phase %s on (%v): server-side counts are missing from there", p.Name, serr)})
		}
		run.Phases = append(run.Phases, ph)
		if i == 0 && run.Shard != nil {
			run.Shard.StartedAt = ph.StartedAt // the load's actual start
		}
		pr := predictor{sc: sc, epoch: r.fleet.Epoch(), notify: r.cfg.CloseNotify}
		run.Phases[i].Prediction = pr.predict(run, i)
		if err != nil {
			return err
		}
		if run.Sweep != nil && p.Rate > 0 && p.Recorded() && sweepStep(sc.Sweep, run.Sweep, run.Phases[i]) {
			break
		}
	}
	return nil
}

// finish stops the fleet and completes the result: the sweep's outcome,
// the warnings, and whether the run is partial.
func (r *runner) finish(ctx context.Context, runErr error) (*results.Run, error) {
	sc, run := r.sc, r.run
	if run.Sweep != nil && run.Sweep.Stopped == "" {
		run.Sweep.Stopped = "reached the last rate"
		if runErr != nil {
			run.Sweep.Stopped = "interrupted"
		}
		run.Sweep.Knee = len(run.Sweep.Steps) - 1
	}
	if err := r.fleet.Stop(); err != nil && runErr == nil && !r.unobservable {
		run.Warnings = append(run.Warnings, results.Warning{Code: results.WarnServerStop, Message: err.Error()})
	}
	run.EndedAt = r.opts.clock().Now()
	run.Warnings = append(run.Warnings, warnings(sc, run)...)
	checkThresholds(sc, run)
	switch {
	case runErr == nil:
	case ctx.Err() != nil:
		run.Partial = true
		run.PartialReason = "interrupted: " + context.Cause(ctx).Error()
		return run, fmt.Errorf("bench: %s: %w", sc.Name, ErrInterrupted)
	default:
		run.Partial = true
		run.PartialReason = runErr.Error()
		return run, fmt.Errorf("bench: %s: %w", sc.Name, runErr)
	}
	return run, nil
}

// snapshot is the counters read at a phase boundary.
type snapshot struct {
	cpu    cpuSample
	counts *ServerCounts
	link   *linkSample // the network lab's link; nil without one
}

// snapshot reads the counters at a phase boundary. The CPU counters are
// always read; the servers' own counts may fail (a dead testbed), and then
// snap.counts is nil and the error says why.
func (r *runner) snapshot(ctx context.Context) (snapshot, error) {
	var snap snapshot
	var err error
	snap.counts, err = r.fleet.Counts(ctx)
	snap.cpu = sampleCPU(r.fleet.PIDs())
	snap.link = r.lab.sample(ctx)
	return snap, err
}

// injectFaults schedules faults from now (the start of the first phase)
// and records each in run as it happens. The returned func cancels those
// not yet injected and waits for any being injected.
func injectFaults(ctx context.Context, clk clock.Clock, f Fleet, faults []scenarios.Fault, run *results.Run) func() {
	if len(faults) == 0 {
		return func() {}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var timers []clock.Timer
	for _, fault := range faults {
		wg.Add(1)
		t := clk.AfterFunc(time.Duration(fault.At), func() {
			defer wg.Done()
			ev := results.Fault{At: clk.Now(), Action: string(fault.Action), Node: fault.Node}
			if fault.Action == scenarios.FaultKillTestbed {
				ev.Node = -1
			}
			if err := f.Fault(ctx, fault); err != nil {
				ev.Error = err.Error()
			}
			mu.Lock()
			run.Faults = append(run.Faults, ev)
			mu.Unlock()
		})
		timers = append(timers, t)
	}
	return func() {
		for _, t := range timers {
			if t.Stop() {
				wg.Done()
			}
		}
		wg.Wait()
	}
}

// fillServerSide adds to ph what was measured outside the generator:
// CPU of both sides and the machine, and the servers' own counts.
func fillServerSide(ph *results.Phase, a, b snapshot) {
	d := diffCPU(a.cpu, b.cpu)
	n := float64(ph.Handshakes.Completed())
	wall := d.wall.Seconds()
	client, server := d.client.Total(), d.server.Total()
	ph.CPU = results.CPU{
		ClientS:        client.Seconds(),
		ClientUserS:    d.client.User.Seconds(),
		ClientSystemS:  d.client.System.Seconds(),
		ServerS:        server.Seconds(),
		ServerUserS:    d.server.User.Seconds(),
		ServerSystemS:  d.server.System.Seconds(),
		ServerObserved: d.serverOK,
		MachineBusy:    d.machineBusy,
	}
	if wall > 0 {
		ph.CPU.ClientUtil = client.Seconds() / wall
		ph.CPU.ServerUtil = server.Seconds() / wall
	}
	if n > 0 {
		perHS := func(d time.Duration) float64 { return float64(d.Microseconds()) / n }
		c := &ph.CPUUSPerHandshake
		c.Client, c.ClientUser, c.ClientSystem = perHS(client), perHS(d.client.User), perHS(d.client.System)
		if d.serverOK {
			c.Server, c.ServerUser, c.ServerSystem = perHS(server), perHS(d.server.User), perHS(d.server.System)
		}
	}
	ph.Server = serverSide(a.counts, b.counts)
}

// LoadPool reads a PEM file of CA certificates into a pool; a file
// without one is an error.
func LoadPool(file string) (*x509.CertPool, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("bench: CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("bench: CA file %s: no PEM certificate in it", file)
	}
	return pool, nil
}

// Machine describes this machine for results: its OS, architecture, CPU
// model and count, GOMAXPROCS and kernel release.
func Machine() results.Machine {
	m := results.Machine{OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0)}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(data)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(data))
	}
	return m
}

// IsLoopback reports whether addr (host:port) is a loopback address
// (127.0.0.0/8, ::1 or localhost).
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
