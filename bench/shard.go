package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/tlsbench/tlsbench/loadgen"
	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/scenarios"
)

// Shard is a run's part of a run split over several generators (tlsbench
// run --shard I/N), and the common start it waits for. What a shard runs
// is package loadgen's Shard: client k is in shard k mod Count, with its
// whole session chain and its topology role; concurrency and the slots of
// count-bounded phases and open loops are striped so that the shards'
// shares add up to the scenario's. The scenario itself is not changed:
// every shard runs, and records, the same resolved scenario, so that
// results.MergeShards can check that they belong together.
//
// A shard first does everything that takes time: resolving the scenario
// and its certificates, starting the servers it starts, building its
// clients. Then it waits for StartAt on the run's clock (Options.Clock),
// and only then starts its first phase. A shard that is ready only after
// StartAt + Tolerance runs nothing: its result says so (.shard.late,
// partial) and Run's error wraps ErrLateStart.
type Shard struct {
	// Index is the shard's index, 0..Count-1; Count the number of shards.
	// Count 0: not a shard.
	Index, Count int

	// StartAt is the common start time. Zero: start when ready.
	StartAt time.Time

	// Tolerance is how late after StartAt the shard may be ready and
	// still run. Zero: DefaultStartTolerance.
	Tolerance time.Duration

	// Host names the machine in the result. Empty: os.Hostname (under
	// Kubernetes, the pod's name).
	Host string
}

// DefaultStartTolerance is how late a shard may be ready when
// Shard.Tolerance is zero.
const DefaultStartTolerance = time.Second

// ErrLateStart is wrapped by Run's error when a shard was ready only after
// its start time plus the tolerance; the run it returns is partial and
// ran no phase.
var ErrLateStart = errors.New("late start")

// ParseShard parses "I/N" (0 <= I < N).
func ParseShard(s string) (index, count int, err error) {
	if _, err := fmt.Sscanf(s, "%d/%d", &index, &count); err != nil || fmt.Sprintf("%d/%d", index, count) != s {
		return 0, 0, fmt.Errorf("want I/N (shard I of N, from 0), got %q", s)
	}
	if count < 1 || index < 0 || index >= count {
		return 0, 0, fmt.Errorf("want I/N with 0 <= I < N, got %q", s)
	}
	return index, count, nil
}

// shardOf returns the generator's part of the run for o.
func (o Options) shardOf() loadgen.Shard {
	return loadgen.Shard{Index: o.Shard.Index, Count: o.Shard.Count}
}

// seed returns the generator's seed: the scenario's, or one drawn.
func seed(sc *scenarios.Scenario) int64 {
	if sc.Seed != 0 {
		return sc.Seed
	}
	return rand.Int64N(1<<62) + 1
}

// startShard fills in the run's .shard before its first phase, and warns
// about a policy that a shard cannot apply over all the run's connections.
func (r *runner) startShard() error {
	sh := r.opts.Shard
	if sh.Count == 0 {
		return nil
	}
	h, err := results.ScenarioHash(r.run.Scenario.Config)
	if err != nil {
		return err
	}
	host := sh.Host
	if host == "" {
		host, _ = os.Hostname()
	}
	tol := sh.Tolerance
	if tol <= 0 {
		tol = DefaultStartTolerance
	}
	ls := r.opts.shardOf()
	r.run.Shard = &results.Shard{
		Index: sh.Index, Count: sh.Count, StartAt: sh.StartAt, ToleranceUS: tol.Microseconds(), Host: host,
		Clients:      int(ls.Share(int64(r.cfg.Clients))),
		Concurrency:  int(ls.Share(int64(r.cfg.Concurrency))),
		ScenarioHash: h,
	}
	if r.cfg.Balance == loadgen.LeastConn && sh.Count > 1 {
		r.run.Warnings = append(r.run.Warnings, results.Warning{Code: results.WarnShardInexact, Message: fmt.Sprintf(
			"balance least-conn counts the connections in flight of this shard only (%d of %d shards): across generators it is not one least-conn balancer; round-robin, random and sticky decide per client and are exact", sh.Index, sh.Count)})
	}
	return nil
}

// barrier waits for the shard's start time, once the run is ready. It
// returns an error wrapping ErrLateStart when the shard was ready too
// late, and the context's error when it is canceled while waiting.
func (r *runner) barrier(ctx context.Context) error {
	sh := r.run.Shard
	if sh == nil {
		return nil
	}
	clk := r.opts.clock()
	sh.ReadyAt = clk.Now()
	sh.Clock = ClockSync()
	if !sh.StartAt.IsZero() {
		tol := time.Duration(sh.ToleranceUS) * time.Microsecond
		if late := sh.ReadyAt.Sub(sh.StartAt); late > tol {
			sh.Late = true
			msg := fmt.Sprintf("shard %d of %d was ready at %s, %s after the start time %s (tolerance %s): it ran nothing",
				sh.Index, sh.Count, sh.ReadyAt.UTC().Format(time.RFC3339Nano), late.Round(time.Millisecond), sh.StartAt.UTC().Format(time.RFC3339Nano), tol)
			r.run.Warnings = append(r.run.Warnings, results.Warning{Code: results.WarnShardLate, Message: msg})
			return fmt.Errorf("%w: %s", ErrLateStart, msg)
		}
		if !clk.SleepUntil(sh.StartAt, ctx.Done()) {
			return ctx.Err()
		}
	}
	sh.StartedAt = clk.Now() // until the first phase says when it began
	return nil
}

// scheduleFrom is the origin of the first phase's open-loop schedule: the
// common start time of a shard, so that the shards' striped ticks
// interleave; zero otherwise (the phase's own start).
func (r *runner) scheduleFrom() time.Time {
	if r.run.Shard == nil {
		return time.Time{}
	}
	return r.run.Shard.StartAt
}

// The environment variables a shard reads when its flags are not given:
// TLSBENCH_SHARD=I/N, or JOB_COMPLETION_INDEX (which the Kubernetes Job
// controller sets in each pod of an Indexed Job) with TLSBENCH_SHARDS=N;
// and TLSBENCH_START_AT=TIME.
const (
	EnvShard   = "TLSBENCH_SHARD"
	EnvShards  = "TLSBENCH_SHARDS"
	EnvIndex   = "JOB_COMPLETION_INDEX"
	EnvStartAt = "TLSBENCH_START_AT"
)

// ShardFrom returns the shard a command line and its environment ask for:
// shard ("I/N", or empty for the environment's) and startAt (RFC 3339, or
// empty for the environment's) win over getenv's variables. No shard
// anywhere is the whole run (Count 0), which must then have no start
// time either.
func ShardFrom(shard, startAt string, tolerance time.Duration, getenv func(string) string) (Shard, error) {
	var s Shard
	var errs []error
	switch env, idx, n := getenv(EnvShard), getenv(EnvIndex), getenv(EnvShards); {
	case shard != "":
		i, c, err := ParseShard(shard)
		if err != nil {
			errs = append(errs, fmt.Errorf("--shard: %w", err))
		}
		s.Index, s.Count = i, c
	case env != "":
		i, c, err := ParseShard(env)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", EnvShard, err))
		}
		s.Index, s.Count = i, c
	case n != "":
		i, c, err := ParseShard(idx + "/" + n)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q with %s=%q: %w", EnvIndex, idx, EnvShards, n, err))
		}
		s.Index, s.Count = i, c
	}
	from := "--start-at"
	if startAt == "" {
		startAt, from = getenv(EnvStartAt), EnvStartAt
	}
	if startAt != "" {
		t, err := time.Parse(time.RFC3339Nano, startAt)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: want an RFC 3339 time (2025-06-01T12:00:00Z), got %q", from, startAt))
		}
		s.StartAt = t
		if s.Count == 0 && err == nil {
			errs = append(errs, fmt.Errorf("%s: a start time is for shards: give --shard I/N too", from))
		}
	}
	if tolerance < 0 {
		errs = append(errs, fmt.Errorf("--start-tolerance: must not be negative, got %s", tolerance))
	}
	s.Tolerance = tolerance
	return s, errors.Join(errs...)
}
