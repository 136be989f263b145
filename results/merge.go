package results

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Measured returns the run's measured phases merged into one (see
// MergePhases): the numbers that charts, comparisons and reports show for a
// run. Warm-up phases are left out. A run with no measured phase is an
// error.
func (r *Run) Measured() (Phase, error) {
	var ps []Phase
	for _, p := range r.Phases {
		if p.Measured {
			ps = append(ps, p)
		}
	}
	if len(ps) == 0 {
		return Phase{}, fmt.Errorf("results: run %q has no measured phase", r.Name())
	}
	return MergePhases(ps)
}

// MergePhases merges phases measured one after another as if they were one
// phase whose window is the sum of their windows (the gaps between phases
// are not measured time). One phase goes through the same merge as many,
// so the merged phase has the same fields whatever their number, and
// merging one phase gives it back unchanged.
//
//   - Counts add up: handshakes by outcome and kind, errors by class and
//     stage (each class keeping its first sample), fallbacks, negotiated
//     parameters, values out of histogram range, the server's counts and
//     fallback reasons, the per-node counts of client and server (nodes
//     matched by index; an address is kept when every phase gives the
//     node the same one, and left empty otherwise, as for the repeats of a
//     run, each of which starts its own servers), the resumption matrix
//     cell by cell, and an open loop's scheduled and late starts.
//   - Every summary of SummaryFields is merged exactly: the HDR histograms
//     are added (see MergeHistograms) and the percentiles read again. A
//     summary that one of the phases lacks (a file written before it
//     existed) is left empty; the pacing summaries merge over the
//     open-loop phases.
//   - Figures per handshake or per second are recomputed: the rate from
//     the summed handshakes and windows; CPU per handshake (the total and its
//     user and system parts, each alike) and bytes per handshake as the
//     means of the phases' figures weighted by their completed handshakes
//     (by kind, for a kind's bytes), which is the summed CPU or bytes over
//     the summed handshakes; CPU utilisation, the machine's busy fraction
//     and an open loop's offered rate as means weighted by window.
//   - The prediction is the mean of the phases' predictions weighted by
//     completed handshakes; its measured share is recomputed; its
//     tolerance is the weighted mean of theirs, never tighter than one
//     computed over all the handshakes at once.
//   - The scheduler lag, which has no histogram, is the largest p50 and
//     the largest p99 of the phases: a bound, not a merge.
//   - Intervals are concatenated, their StartS made relative to the
//     earliest phase start.
//   - Behind a network link: HelloRetryRequests and each kind's round-trip
//     counts add up (the median read again), the first-flight histograms
//     are added exactly, and the link's counters and CPU add up (see
//     mergeNetwork).
//
// The phases may come from several runs (the repeats of a scenario); then
// the result describes all of them together. An error means a histogram
// could not be decoded or added exactly.
func MergePhases(phases []Phase) (Phase, error) {
	if len(phases) == 0 {
		return Phase{}, errors.New("results: nothing to merge")
	}
	m, err := addPhases(phases)
	if err != nil {
		return Phase{}, err
	}
	var busy, clientUtil, serverUtil, offered mean
	for _, p := range phases {
		m.WindowS += p.WindowS
		busy.add(p.CPU.MachineBusy, p.WindowS)
		clientUtil.add(p.CPU.ClientUtil, p.WindowS)
		serverUtil.add(p.CPU.ServerUtil, p.WindowS)
		if p.Pacing != nil {
			offered.add(p.Pacing.OfferedRatePerS, p.WindowS)
		}
		off := p.StartedAt.Sub(m.StartedAt).Seconds()
		for _, iv := range p.Intervals {
			iv.StartS += off
			m.Intervals = append(m.Intervals, iv)
		}
	}
	if m.WindowS > 0 {
		m.RatePerS = float64(m.Handshakes.Completed()) / m.WindowS
	}
	m.CPU.MachineBusy, m.CPU.ClientUtil = busy.value(), clientUtil.value()
	if m.CPU.ServerObserved {
		m.CPU.ServerUtil = serverUtil.value()
	}
	if m.Pacing != nil {
		m.Pacing.OfferedRatePerS = offered.value()
	}
	return m, nil
}

// mean is a weighted mean. The mean of one value is that value, exactly.
type mean struct {
	sum, weight, only float64
	n                 int
}

func (a *mean) add(v, w float64) {
	if w <= 0 {
		return
	}
	a.sum += v * w
	a.weight += w
	a.only = v
	a.n++
}

func (a *mean) value() float64 {
	switch a.n {
	case 0:
		return 0
	case 1:
		return a.only
	}
	return a.sum / a.weight
}

// addPhases merges everything of phases that does not depend on how their
// windows combine: counts, histograms and the figures per handshake. It
// leaves WindowS, RatePerS, the CPU utilisations, the machine's busy
// fraction, the offered rate and the intervals to its caller: MergePhases
// puts the windows end to end; phases measured at the same time (shards
// of one run) would overlap them.
func addPhases(phases []Phase) (Phase, error) {
	m := Phase{StartedAt: phases[0].StartedAt, EndedAt: phases[0].EndedAt, Measured: true}
	var names []string
	var cpuClient, cpuServer, bytesC, bytesS mean
	var cpuSplit [4]mean // client user, client system, server user, server system
	var kindBytes [2][2]mean
	m.CPU.ServerObserved = true
	var pred predictionSum
	for _, p := range phases {
		if !slices.Contains(names, p.Name) {
			names = append(names, p.Name)
		}
		m.Measured = m.Measured && p.Measured
		if p.StartedAt.Before(m.StartedAt) {
			m.StartedAt = p.StartedAt
		}
		if p.EndedAt.After(m.EndedAt) {
			m.EndedAt = p.EndedAt
		}
		h := p.Handshakes
		m.Handshakes.Total += h.Total
		m.Handshakes.Full += h.Full
		m.Handshakes.Resumed += h.Resumed
		m.Handshakes.Offered += h.Offered
		m.Handshakes.Failed += h.Failed
		m.Handshakes.ClientCert += h.ClientCert
		m.Handshakes.ECHOffered += h.ECHOffered
		m.Handshakes.ECHAccepted += h.ECHAccepted
		n := float64(h.Completed())
		m.CPU.ClientS += p.CPU.ClientS // CPU seconds, and each part, add up
		m.CPU.ServerS += p.CPU.ServerS
		m.CPU.ClientUserS += p.CPU.ClientUserS
		m.CPU.ClientSystemS += p.CPU.ClientSystemS
		m.CPU.ServerUserS += p.CPU.ServerUserS
		m.CPU.ServerSystemS += p.CPU.ServerSystemS
		m.CPU.ServerObserved = m.CPU.ServerObserved && p.CPU.ServerObserved
		cpuClient.add(p.CPUUSPerHandshake.Client, n)
		cpuServer.add(p.CPUUSPerHandshake.Server, n)
		c := p.CPUUSPerHandshake
		for i, v := range [4]float64{c.ClientUser, c.ClientSystem, c.ServerUser, c.ServerSystem} {
			cpuSplit[i].add(v, n)
		}
		bytesC.add(p.BytesPerHandshake.ClientToServer, n)
		bytesS.add(p.BytesPerHandshake.ServerToClient, n)
		for i, k := range []Kind{p.Kinds.Full, p.Kinds.Resumed} {
			kindBytes[i][0].add(k.BytesPerHandshake.ClientToServer, float64(k.Count))
			kindBytes[i][1].add(k.BytesPerHandshake.ServerToClient, float64(k.Count))
		}
		m.Kinds.Full.Count += p.Kinds.Full.Count
		m.Kinds.Resumed.Count += p.Kinds.Resumed.Count
		m.Errors = addCounts(m.Errors, p.Errors)
		m.Fallbacks = addCounts(m.Fallbacks, p.Fallbacks)
		m.ErrorDetails = mergeErrorDetails(m.ErrorDetails, p.ErrorDetails)
		m.Negotiated = mergeNegotiated(m.Negotiated, p.Negotiated)
		m.Server = mergeServer(m.Server, p.Server)
		m.Nodes = mergeClientNodes(m.Nodes, p.Nodes)
		m.Matrix = mergeMatrix(m.Matrix, p.Matrix)
		m.OutOfRange += p.OutOfRange
		pred.add(p)
		if l := p.SchedLagUS; l != nil {
			if m.SchedLagUS == nil {
				m.SchedLagUS = &IntervalLatency{}
			}
			m.SchedLagUS.P50 = max(m.SchedLagUS.P50, l.P50)
			m.SchedLagUS.P99 = max(m.SchedLagUS.P99, l.P99)
		}
		if pc := p.Pacing; pc != nil {
			if m.Pacing == nil {
				m.Pacing = &Pacing{Arrival: pc.Arrival}
			}
			m.Pacing.Scheduled += pc.Scheduled
			m.Pacing.Late += pc.Late
			m.Pacing.LateAfterUS = max(m.Pacing.LateAfterUS, pc.LateAfterUS)
			if m.Pacing.Arrival != pc.Arrival && !strings.Contains("+"+m.Pacing.Arrival+"+", "+"+pc.Arrival+"+") {
				m.Pacing.Arrival += "+" + pc.Arrival
			}
		}
	}
	m.Name = strings.Join(names, "+")
	m.CPUUSPerHandshake.Client = cpuClient.value()
	m.CPUUSPerHandshake.ClientUser, m.CPUUSPerHandshake.ClientSystem = cpuSplit[0].value(), cpuSplit[1].value()
	if m.CPU.ServerObserved {
		m.CPUUSPerHandshake.Server = cpuServer.value()
		m.CPUUSPerHandshake.ServerUser, m.CPUUSPerHandshake.ServerSystem = cpuSplit[2].value(), cpuSplit[3].value()
	} else {
		m.CPU.ServerS, m.CPU.ServerUserS, m.CPU.ServerSystemS = 0, 0, 0
	}
	m.BytesPerHandshake = Bytes{ClientToServer: bytesC.value(), ServerToClient: bytesS.value()}
	m.Kinds.Full.BytesPerHandshake = Bytes{ClientToServer: kindBytes[0][0].value(), ServerToClient: kindBytes[0][1].value()}
	m.Kinds.Resumed.BytesPerHandshake = Bytes{ClientToServer: kindBytes[1][0].value(), ServerToClient: kindBytes[1][1].value()}
	m.Prediction = pred.prediction()
	for _, f := range SummaryFields() {
		if err := mergeSummary(&m, phases, f); err != nil {
			return Phase{}, err
		}
	}
	if err := mergeNetwork(&m, phases); err != nil {
		return Phase{}, err
	}
	return m, nil
}

// mergeSummary merges the summary f of phases into m.
func mergeSummary(m *Phase, phases []Phase, f SummaryField) error {
	var sums []*Summary
	for i := range phases {
		s := f.Of(&phases[i])
		if s == nil {
			continue // no place for it: a closed loop's pacing
		}
		if !f.present(s) {
			return nil // written before the summary existed
		}
		sums = append(sums, s)
	}
	into := f.Of(m)
	if len(sums) == 0 || into == nil {
		return nil
	}
	h, err := MergeHistograms(sums...)
	if err != nil {
		return fmt.Errorf("results: %s: %w", f.Key, err)
	}
	*into, err = Summarize(h)
	return err
}

// MergeHistograms adds the histograms of sums into one: exactly, since
// every histogram of a result file has the range and precision of
// NewHistogram. A histogram with other settings, or one that the addition
// would drop values of, is an error (adding it would lose precision or
// values silently), as is one that does not decode or holds another count
// than its summary says.
func MergeHistograms(sums ...*Summary) (*hdrhistogram.Histogram, error) {
	all := NewHistogram()
	for i, s := range sums {
		h, err := s.Histogram()
		if err != nil {
			return nil, fmt.Errorf("histogram %d: %w", i+1, err)
		}
		if h.LowestTrackableValue() != MinLatencyUS || h.HighestTrackableValue() != MaxLatencyUS || h.SignificantFigures() != SigFigs {
			return nil, fmt.Errorf("histogram %d covers %d..%d µs with %d significant digits, not %d..%d µs with %d: it cannot be added exactly",
				i+1, h.LowestTrackableValue(), h.HighestTrackableValue(), h.SignificantFigures(), MinLatencyUS, MaxLatencyUS, SigFigs)
		}
		if dropped := all.Merge(h); dropped != 0 {
			return nil, fmt.Errorf("histogram %d: adding it dropped %d values", i+1, dropped)
		}
	}
	return all, nil
}

// addCounts adds from into into; into stays nil while every from is.
func addCounts(into, from map[string]int64) map[string]int64 {
	if from == nil {
		return into
	}
	if into == nil {
		into = map[string]int64{}
	}
	for k, v := range from {
		into[k] += v
	}
	return into
}

func mergeErrorDetails(into, from []ErrorDetail) []ErrorDetail {
	for _, d := range from {
		i := slices.IndexFunc(into, func(e ErrorDetail) bool { return e.Class == d.Class && e.Stage == d.Stage })
		if i < 0 {
			into = append(into, d)
			continue
		}
		into[i].Count += d.Count
	}
	return into
}

func mergeNegotiated(into, from []Negotiated) []Negotiated {
	for _, n := range from {
		i := slices.IndexFunc(into, func(e Negotiated) bool {
			return e.Version == n.Version && e.CipherSuite == n.CipherSuite && e.Group == n.Group
		})
		if i < 0 {
			into = append(into, n)
			continue
		}
		into[i].Count += n.Count
	}
	return into
}

// mergeServer adds the server's counts, its fallback reasons and its
// per-node counts.
func mergeServer(into, from *Server) *Server {
	if from == nil {
		return into
	}
	if into == nil {
		return &Server{
			Handshakes: from.Handshakes, Full: from.Full, Resumed: from.Resumed, Failed: from.Failed,
			Fallbacks: addCounts(nil, from.Fallbacks),
			Nodes:     mergeServerNodes(nil, from.Nodes),
		}
	}
	into.Handshakes += from.Handshakes
	into.Full += from.Full
	into.Resumed += from.Resumed
	into.Failed += from.Failed
	into.Fallbacks = addCounts(into.Fallbacks, from.Fallbacks)
	into.Nodes = mergeServerNodes(into.Nodes, from.Nodes)
	return into
}

// mergeServerNodes adds server nodes by index. A node's key generation is
// the largest.
func mergeServerNodes(into, from []NodeCounts) []NodeCounts {
	for _, n := range from {
		i := slices.IndexFunc(into, func(e NodeCounts) bool { return e.Node == n.Node })
		if i < 0 {
			n.Fallbacks = addCounts(nil, n.Fallbacks)
			into = append(into, n)
			continue
		}
		e := &into[i]
		e.Address = sameOrEmpty(e.Address, n.Address)
		e.Full += n.Full
		e.Resumed += n.Resumed
		e.Failed += n.Failed
		e.TLS12 += n.TLS12
		e.TLS13 += n.TLS13
		e.Fallbacks = addCounts(e.Fallbacks, n.Fallbacks)
		e.KeyGeneration = max(e.KeyGeneration, n.KeyGeneration)
	}
	return into
}

// mergeClientNodes adds the client's per-node counts by index; the first
// failure is the earliest, the last the latest.
func mergeClientNodes(into, from []ClientNode) []ClientNode {
	for _, n := range from {
		i := slices.IndexFunc(into, func(e ClientNode) bool { return e.Node == n.Node })
		if i < 0 {
			n.Errors = addCounts(nil, n.Errors)
			into = append(into, n)
			continue
		}
		e := &into[i]
		e.Address = sameOrEmpty(e.Address, n.Address)
		e.Completed += n.Completed
		e.Resumed += n.Resumed
		e.Failed += n.Failed
		e.Errors = addCounts(e.Errors, n.Errors)
		if n.FirstFailure != nil && (e.FirstFailure == nil || n.FirstFailure.Before(*e.FirstFailure)) {
			e.FirstFailure = n.FirstFailure
		}
		if n.LastFailure != nil && (e.LastFailure == nil || n.LastFailure.After(*e.LastFailure)) {
			e.LastFailure = n.LastFailure
		}
	}
	return into
}

func sameOrEmpty(a, b string) string {
	if a == b {
		return a
	}
	return ""
}

// mergeMatrix adds resumption matrices cell by cell; the result is as large
// as the largest.
func mergeMatrix(into, from [][]Cell) [][]Cell {
	n := max(len(into), len(from))
	for _, row := range from {
		n = max(n, len(row))
	}
	for _, row := range into {
		n = max(n, len(row))
	}
	if n == 0 {
		return into
	}
	out := make([][]Cell, n)
	for i := range out {
		out[i] = make([]Cell, n)
		for _, m := range [][][]Cell{into, from} {
			if i >= len(m) {
				continue
			}
			for j, c := range m[i] {
				out[i][j].Offered += c.Offered
				out[i][j].Resumed += c.Resumed
			}
		}
	}
	return out
}

// predictionSum merges the predictions of phases (see MergePhases).
type predictionSum struct {
	share, tolerance, revisit mean
	completed, resumed        int64
	models                    []string
}

func (s *predictionSum) add(p Phase) {
	pr := p.Prediction
	if pr == nil {
		return
	}
	n := float64(p.Handshakes.Completed())
	s.share.add(pr.ResumedShare, n)
	s.tolerance.add(pr.Tolerance, n)
	s.revisit.add(pr.RevisitS, n)
	s.completed += p.Handshakes.Completed()
	s.resumed += p.Handshakes.Resumed
	if !slices.Contains(s.models, pr.Model) {
		s.models = append(s.models, pr.Model)
	}
}

func (s *predictionSum) prediction() *Prediction {
	if s.models == nil {
		return nil
	}
	pr := &Prediction{
		ResumedShare: s.share.value(),
		Tolerance:    s.tolerance.value(),
		RevisitS:     s.revisit.value(),
		Model:        strings.Join(s.models, "; "),
	}
	if s.completed > 0 {
		pr.MeasuredShare = float64(s.resumed) / float64(s.completed)
	}
	return pr
}
