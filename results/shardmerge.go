package results

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// ShardResult is one shard's result and where it was read from (a file
// name, or a stream and line, for errors and .merged_from).
type ShardResult struct {
	File string
	Run  *Run
}

// MergeOptions change what MergeShards accepts.
type MergeOptions struct {
	// AllowMissing merges the shards there are when some are missing (or
	// started late and ran nothing): the result is partial and lists the
	// missing indexes. False: a missing shard is an error.
	AllowMissing bool
}

// MergeShards merges the results of the shards of one run (tlsbench run
// --shard I/N) into one result, as if one generator had made every
// connection. It refuses, with an error that names the files:
//
//   - a result that is not a shard's, or shards of different counts;
//   - shards whose resolved scenarios differ (ScenarioHash of each
//     .scenario.config, the file it was loaded from left out) or whose
//     phases differ;
//   - a shard index given twice, or one missing (a shard that started
//     late counts as missing), unless opts.AllowMissing;
//   - histograms whose HDR settings differ between shards, or that would
//     drop values when added.
//
// What it combines, phase by phase (phase i of every shard is the same
// phase of the scenario, run at the same time):
//
//   - counts add up: handshakes by outcome and kind, errors by class,
//     fallbacks, negotiated parameters, the client's and the servers'
//     per-node counts (nodes by index), the resumption matrix, an open
//     loop's scheduled and late starts;
//   - every HDR histogram of SummaryFields is added exactly, per metric
//     and kind, and its percentiles read again: the merged p99 is the p99
//     of all the shards' handshakes;
//   - CPU seconds and bytes are summed and divided by the summed
//     handshakes; CPU utilisation (cores, the link processes' too) and an
//     open loop's offered rate are summed; the machines' busy fraction is
//     their mean;
//   - the window runs from the earliest shard's phase start to the latest
//     one's end, and the rate is the summed handshakes over it;
//   - the per-second intervals are aligned by their offset from the
//     common start (an interval of one shard that begins within half a
//     second of another's is the same second) and their counts added;
//     their p50 and p99, read from histograms the file does not keep, are
//     the largest of the shards' (a bound, not a merge);
//   - warnings are kept, each message prefixed with its shard.
//
// The result records .merged_from (index, host, actual start, file and
// clock state of each shard) and .start_skew_us (the latest actual start
// minus the earliest); it is an ordinary result otherwise, with the whole
// run's scenario, labels and client description, and no .shard.
func MergeShards(shards []ShardResult, opts MergeOptions) (*Run, error) {
	if len(shards) == 0 {
		return nil, errors.New("results: merge: no shard results")
	}
	byIndex, missing, err := checkShards(shards)
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 && !opts.AllowMissing {
		return nil, missingError(shards, byIndex, missing)
	}
	var use []ShardResult // the shards that ran, in index order
	for _, i := range slices.Sorted(maps.Keys(byIndex)) {
		if !byIndex[i].Run.Shard.Late {
			use = append(use, byIndex[i])
		}
	}
	if len(use) == 0 {
		return nil, errors.New("results: merge: every shard started late and ran nothing")
	}
	if err := checkHistograms(use); err != nil {
		return nil, err
	}
	phases, err := checkPhases(use)
	if err != nil {
		return nil, err
	}
	first := use[0].Run
	m := &Run{
		SchemaVersion: SchemaVersion,
		Scenario:      first.Scenario,
		Label:         first.Label,
		Labels:        first.Labels,
		Repeat:        first.Repeat,
		Repeats:       first.Repeats,
		StartedAt:     first.StartedAt,
		EndedAt:       first.EndedAt,
		Tool:          first.Tool,
		Machine:       first.Machine,
		Target:        first.Target,
		Client:        first.Client,
		Warnings:      []Warning{},
		MissingShards: missing,
	}
	var reasons []string
	var earliest, latest time.Time
	for k, s := range use {
		r, sh := s.Run, s.Run.Shard
		m.MergedFrom = append(m.MergedFrom, MergedShard{Index: sh.Index, Host: sh.Host, StartedAt: sh.StartedAt, File: s.File, Clock: sh.Clock})
		if r.StartedAt.Before(m.StartedAt) {
			m.StartedAt = r.StartedAt
		}
		if r.EndedAt.After(m.EndedAt) {
			m.EndedAt = r.EndedAt
		}
		if k == 0 || sh.StartedAt.Before(earliest) {
			earliest = sh.StartedAt
		}
		if k == 0 || sh.StartedAt.After(latest) {
			latest = sh.StartedAt
		}
		if r.Partial {
			reasons = append(reasons, fmt.Sprintf("shard %d: %s", sh.Index, r.PartialReason))
		}
		for _, w := range r.Warnings {
			w.Message = fmt.Sprintf("shard %d (%s): %s", sh.Index, sh.Host, w.Message)
			m.Warnings = append(m.Warnings, w)
		}
		m.Faults = append(m.Faults, r.Faults...)
	}
	skew := latest.Sub(earliest).Microseconds()
	m.StartSkewUS = &skew
	for i := range phases {
		var ps []Phase
		for _, s := range use {
			if i < len(s.Run.Phases) {
				ps = append(ps, s.Run.Phases[i])
			}
		}
		if len(ps) < len(use) {
			reasons = append(reasons, fmt.Sprintf("phase %s: %d of %d shards ran it", ps[0].Name, len(ps), len(use)))
		}
		p, err := mergeShardPhase(ps)
		if err != nil {
			return nil, fmt.Errorf("results: merge: phase %s: %w", ps[0].Name, err)
		}
		m.Phases = append(m.Phases, p)
	}
	if first.Sweep != nil {
		m.Sweep = mergeSweeps(use, m.Phases)
	}
	if len(missing) > 0 {
		reasons = append(reasons, fmt.Sprintf("shards %s of %d missing", joinInts(missing), first.Shard.Count))
	}
	if len(reasons) > 0 {
		m.Partial = true
		m.PartialReason = strings.Join(reasons, "; ")
	}
	m.Warnings = append(m.Warnings, skewWarnings(m, use)...)
	return m, nil
}

// checkShards checks that every result is a shard of one run and returns
// them by index, with the indexes missing (or late).
func checkShards(shards []ShardResult) (map[int]ShardResult, []int, error) {
	var errs []error
	var count int
	var hash, hashFile string
	byIndex := map[int]ShardResult{}
	for k, s := range shards {
		sh := s.Run.Shard
		if sh == nil {
			errs = append(errs, fmt.Errorf("%s is not a shard's result (it has no .shard): run each shard with tlsbench run --shard I/N", s.File))
			continue
		}
		h, err := ScenarioHash(s.Run.Scenario.Config)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.File, err))
			continue
		}
		if k == 0 || hash == "" {
			count, hash, hashFile = sh.Count, h, s.File
		}
		if sh.Count != count {
			errs = append(errs, fmt.Errorf("%s is shard %d of %d, but %s is one of %d", s.File, sh.Index, sh.Count, hashFile, count))
			continue
		}
		if h != hash {
			errs = append(errs, fmt.Errorf("%s and %s ran different scenarios (resolved scenario hashes %.12s and %.12s): shards of one run share one scenario", hashFile, s.File, hash, h))
			continue
		}
		if sh.Index < 0 || sh.Index >= sh.Count {
			errs = append(errs, fmt.Errorf("%s: shard index %d is not in 0..%d", s.File, sh.Index, sh.Count-1))
			continue
		}
		if prev, ok := byIndex[sh.Index]; ok {
			errs = append(errs, fmt.Errorf("shard %d of %d is given twice: %s and %s", sh.Index, sh.Count, prev.File, s.File))
			continue
		}
		byIndex[sh.Index] = s
	}
	if err := errors.Join(errs...); err != nil {
		return nil, nil, fmt.Errorf("results: merge: %w", err)
	}
	var missing []int
	for i := range count {
		if s, ok := byIndex[i]; !ok || s.Run.Shard.Late {
			missing = append(missing, i)
		}
	}
	return byIndex, missing, nil
}

func missingError(shards []ShardResult, byIndex map[int]ShardResult, missing []int) error {
	count := shards[0].Run.Shard.Count
	var have []string
	for _, i := range slices.Sorted(maps.Keys(byIndex)) {
		have = append(have, fmt.Sprintf("%d from %s", i, byIndex[i].File))
	}
	var late []string
	for _, i := range missing {
		if s, ok := byIndex[i]; ok {
			late = append(late, fmt.Sprintf("shard %d (%s) started late and ran nothing", i, s.File))
		}
	}
	msg := fmt.Sprintf("results: merge: shard %s of %d missing (have %s)", joinInts(missing), count, strings.Join(have, ", "))
	if len(late) > 0 {
		msg += "; " + strings.Join(late, "; ")
	}
	return errors.New(msg + ": give every shard's result, or --allow-missing for a partial merge")
}

// checkHistograms refuses histograms whose HDR settings differ between
// shards, and histograms that the addition would drop values of.
func checkHistograms(use []ShardResult) error {
	type setting struct {
		lo, hi int64
		sig    int64
	}
	var errs []error
	ref := map[string]setting{}
	refFile := map[string]string{}
	for _, s := range use {
		for i := range s.Run.Phases {
			p := &s.Run.Phases[i]
			for _, f := range SummaryFields() {
				sum := f.Of(p)
				if !f.present(sum) {
					continue
				}
				h, err := sum.Histogram()
				if err != nil {
					errs = append(errs, fmt.Errorf("%s: phases[%d].%s: %w", s.File, i, f.Key, err))
					continue
				}
				key := fmt.Sprintf("phases[%d].%s", i, f.Key)
				got := setting{h.LowestTrackableValue(), h.HighestTrackableValue(), h.SignificantFigures()}
				if want, ok := ref[key]; ok && want != got {
					errs = append(errs, fmt.Errorf("%s: %s: HDR settings differ from %s's (%d..%d µs, %d significant digits, against %d..%d µs, %d): they cannot be added exactly",
						s.File, key, refFile[key], got.lo, got.hi, got.sig, want.lo, want.hi, want.sig))
					continue
				}
				ref[key], refFile[key] = got, s.File
				if dropped := NewHistogram().Merge(h); dropped != 0 {
					errs = append(errs, fmt.Errorf("%s: %s: adding its histogram drops %d values (beyond %d µs): the merge would lose them", s.File, key, dropped, int64(MaxLatencyUS)))
				}
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("results: merge: %w", err)
	}
	return nil
}

// checkPhases checks that the shards ran the same phases (a partial shard
// may have run fewer) and returns the longest list.
func checkPhases(use []ShardResult) ([]Phase, error) {
	var longest []Phase
	var from string
	for _, s := range use {
		ps := s.Run.Phases
		for i := range min(len(ps), len(longest)) {
			if ps[i].Name != longest[i].Name || ps[i].Measured != longest[i].Measured {
				return nil, fmt.Errorf("results: merge: %s and %s ran different phases: %q and %q at %d", from, s.File, longest[i].Name, ps[i].Name, i)
			}
		}
		if len(ps) > len(longest) {
			longest, from = ps, s.File
		}
	}
	if len(longest) == 0 {
		return nil, errors.New("results: merge: no shard ran a phase")
	}
	return longest, nil
}

// mergeShardPhase merges the shards' runs of one phase, made at the same
// time (see MergeShards).
func mergeShardPhase(ps []Phase) (Phase, error) {
	m, err := addPhases(ps)
	if err != nil {
		return Phase{}, err
	}
	m.WindowS = m.EndedAt.Sub(m.StartedAt).Seconds()
	if m.WindowS > 0 {
		m.RatePerS = float64(m.Handshakes.Completed()) / m.WindowS
	}
	var busy mean
	m.CPU.ClientUtil, m.CPU.ServerUtil = 0, 0
	var offered, linkUtil float64
	for _, p := range ps {
		busy.add(p.CPU.MachineBusy, p.WindowS)
		m.CPU.ClientUtil += p.CPU.ClientUtil
		m.CPU.ServerUtil += p.CPU.ServerUtil
		if p.Pacing != nil {
			offered += p.Pacing.OfferedRatePerS
		}
		if p.Link != nil {
			linkUtil += p.Link.CPUUtil // each shard's lab has its own link process
		}
	}
	if m.Link != nil {
		m.Link.CPUUtil = linkUtil
	}
	m.CPU.MachineBusy = busy.value()
	if !m.CPU.ServerObserved {
		m.CPU.ServerUtil = 0
	}
	if m.Pacing != nil {
		m.Pacing.OfferedRatePerS = offered
	}
	m.Intervals = alignIntervals(m.StartedAt, ps)
	return m, nil
}

// alignIntervals adds the shards' per-second intervals by their offset
// from start (see MergeShards).
func alignIntervals(start time.Time, ps []Phase) []Interval {
	var out []Interval
	for _, p := range ps {
		off := p.StartedAt.Sub(start).Seconds()
		for _, iv := range p.Intervals {
			k := int(math.Round(off + iv.StartS))
			for len(out) <= k {
				out = append(out, Interval{StartS: float64(len(out))})
			}
			o := &out[k]
			o.IntervalS = max(o.IntervalS, iv.IntervalS)
			o.Full += iv.Full
			o.Resumed += iv.Resumed
			o.Offered += iv.Offered
			o.Failed += iv.Failed
			o.HandshakeUS.P50 = max(o.HandshakeUS.P50, iv.HandshakeUS.P50)
			o.HandshakeUS.P99 = max(o.HandshakeUS.P99, iv.HandshakeUS.P99)
		}
	}
	for i := range out {
		if out[i].IntervalS == 0 {
			out[i].IntervalS = 1
		}
		out[i].RatePerS = float64(out[i].Full+out[i].Resumed) / out[i].IntervalS
	}
	return out
}

// mergeSweeps rebuilds a sweep's steps from the merged phases. Each shard
// stops its sweep by its own share; the merged knee is the earliest.
func mergeSweeps(use []ShardResult, phases []Phase) *Sweep {
	sw := &Sweep{Knee: -1}
	var stopped []string
	first := true
	for _, s := range use {
		if s.Run.Sweep == nil {
			continue
		}
		if first || s.Run.Sweep.Knee < sw.Knee {
			sw.Knee = s.Run.Sweep.Knee
		}
		first = false
		if st := s.Run.Sweep.Stopped; st != "" && !slices.Contains(stopped, st) {
			stopped = append(stopped, st)
		}
	}
	sw.Stopped = strings.Join(stopped, "; ")
	for _, st := range use[0].Run.Sweep.Steps {
		i := slices.IndexFunc(phases, func(p Phase) bool { return p.Name == st.Phase })
		if i < 0 {
			continue
		}
		p := phases[i]
		step := SweepStep{Phase: p.Name, AchievedRatePerS: p.RatePerS,
			TotalUS: IntervalLatency{P50: p.LatencyUS.Total.P50, P99: p.LatencyUS.Total.P99}}
		if pc := p.Pacing; pc != nil {
			step.OfferedRatePerS = pc.OfferedRatePerS
			if pc.Scheduled > 0 {
				step.Late = float64(pc.Late) / float64(pc.Scheduled)
			}
		}
		sw.Steps = append(sw.Steps, step)
	}
	sw.Knee = min(sw.Knee, len(sw.Steps)-1)
	return sw
}

// skewWarnings says when the shards' start skew, or what their clocks
// say of themselves, limits the merged run: a constant open loop whose
// ticks the skew shifts by more than a tenth of their spacing, or a clock
// that is not synchronised.
func skewWarnings(m *Run, use []ShardResult) []Warning {
	var ws []Warning
	skew := time.Duration(*m.StartSkewUS) * time.Microsecond
	for _, p := range m.Phases {
		if pc := p.Pacing; pc != nil && strings.Contains(pc.Arrival, "constant") && pc.OfferedRatePerS > 0 {
			spacing := time.Duration(float64(time.Second) / pc.OfferedRatePerS)
			if skew > spacing/10 {
				ws = append(ws, Warning{Code: WarnStartSkew, Phase: p.Name, Message: fmt.Sprintf(
					"constant arrivals at %.0f/s are striped ticks %s apart, but the shards started %s apart: their ticks bunch up instead of interleaving; arrival poisson is exact whatever the skew", pc.OfferedRatePerS, spacing, skew)})
			}
		}
	}
	for _, s := range use {
		if c := s.Run.Shard.Clock; !c.Synchronized {
			ws = append(ws, Warning{Code: WarnStartSkew, Message: fmt.Sprintf(
				"shard %d (%s): its clock is not known to be synchronised (%s, max error %d µs): the start skew is only as good as its clock", s.Run.Shard.Index, s.Run.Shard.Host, c.Source, c.MaxErrorUS)})
		}
	}
	return ws
}

func joinInts(v []int) string {
	var s []string
	for _, i := range v {
		s = append(s, fmt.Sprint(i))
	}
	return strings.Join(s, ", ")
}
