package loadgen

import (
	"crypto/tls"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/scenarios/kex"
	"github.com/tlsbench/tlsbench/scenarios/tlsfleet"
)

// Handshake kinds, as indexes.
const (
	kindFull = iota
	kindResumed
	numKinds
)

// The latency histograms of a phase, by kind: connect, handshake, and
// whole is connect + handshake of each connection (Latency.Total).
const (
	latConnect = iota
	latHandshake
	latWhole
	numLatencies
)

// latencies are a phase's connect, handshake and whole latency histograms
// by kind, one set for all the generator's workers: a worker buffers its
// values (latencyBuf) and adds them under the lock, 256 at a time. A
// histogram is 136 KiB (1 µs to 60 s at 3 significant digits): a set per
// worker was 13 MB of live heap for 32 workers, twice that resident, and
// 0.4 GB for a thousand.
type latencies struct {
	mu sync.Mutex
	h  [numLatencies][numKinds]*hdrhistogram.Histogram // made on first use
}

// reset empties the histograms for a new phase.
func (l *latencies) reset() {
	for i := range l.h {
		for k := range l.h[i] {
			resetHistogram(l.h[i][k])
		}
	}
}

// latencyBufLen is how many values a worker holds before it adds them to
// the shared histograms.
const latencyBufLen = 256

// latencyBuf is a worker's latencies not yet in the shared histograms.
type latencyBuf struct {
	n int
	v [latencyBufLen]latValue
}

type latValue struct {
	which, kind uint8
	us          int64
}

// stats is one worker's measurements in the current phase. Only its worker
// writes it; completed and failedLive are atomics so that progress can be
// read while the phase runs. record does not allocate.
type stats struct {
	lat                     *latencies // the generator's, shared
	buf                     latencyBuf
	count                   [numKinds]int64
	in, out                 [numKinds]int64
	offered                 int64
	offeredNotResumed       int64
	otherNode               int64 // offered_not_resumed, issued by another node
	noSession               int64
	failed                  int64
	total                   int64
	outOfRange              int64
	errs                    [numErrorClasses][numStages]int64
	samples                 [numErrorClasses]string
	negotiated              [8]negotiated
	negotiatedOther         int64
	clientCerts             int64 // completed handshakes that presented the client certificate
	echOffered, echAccepted int64 // completed handshakes that offered ECH, and accepted it
	// matrix[issuer][server] counts offered and resumed sessions by the
	// node that issued them and the node they were presented to.
	matrix [][]cell
	nodes  []nodeStats

	// helloRetry counts completed handshakes with a HelloRetryRequest.
	helloRetry int64
	// trips counts round trips and first flights (Config.RoundTrips);
	// nil otherwise.
	trips *tripStats

	// Open loop: uncorrected connect latency, schedule lag, late starts.
	uncorrected, lag *hdrhistogram.Histogram
	late             int64
	scheduled        int64

	completed  atomic.Int64
	failedLive atomic.Int64
}

type cell struct{ offered, resumed int64 }

// nodeStats is a worker's count of one node's connections.
type nodeStats struct {
	completed, resumed, failed int64
	errs                       [numErrorClasses]int64
	first, last                time.Time // of failures
}

type negotiated struct {
	version, suite uint16
	curve          tls.CurveID
	count          int64
}

func newStats(nodes int, lat *latencies) *stats {
	s := &stats{lat: lat, matrix: make([][]cell, nodes), nodes: make([]nodeStats, nodes)}
	for i := range s.matrix {
		s.matrix[i] = make([]cell, nodes)
	}
	return s // the histograms are made on first use (histogram)
}

// histogram returns *h, made first if it is nil: a worker makes only the
// histograms its runs use (136 KiB each; the kind no phase makes and an
// open loop's are left out), once, so recording stays free of
// allocations after a worker's first connections.
func histogram(h **hdrhistogram.Histogram) *hdrhistogram.Histogram {
	if *h == nil {
		*h = results.NewHistogram()
	}
	return *h
}

// merge adds from, which may be nil (never made), to into and returns
// the values it dropped.
func merge(into, from *hdrhistogram.Histogram) int64 {
	if from == nil {
		return 0
	}
	return into.Merge(from)
}

// reset empties the worker's stats for a new phase (the shared latencies
// are the generator's to reset).
func (s *stats) reset() {
	lat, matrix, nodes := s.lat, s.matrix, s.nodes
	uncorrected, lag, trips := s.uncorrected, s.lag, s.trips
	if trips != nil {
		trips.reset()
	}
	resetHistogram(uncorrected)
	resetHistogram(lag)
	for i := range matrix {
		clear(matrix[i])
	}
	clear(nodes)
	s.buf.n = 0
	*s = stats{lat: lat, buf: s.buf, matrix: matrix, nodes: nodes, uncorrected: uncorrected, lag: lag, trips: trips}
}

// resetHistogram empties h (nil: never made), leaving an empty one
// untouched: Reset writes
// every count (17,408 of them, 136 KiB, for 1 µs to 60 s at 3 significant
// digits), and a histogram never written to is still memory the kernel
// has not had to provide. A worker has nine, most of them unused in most
// runs (an open loop's, the kind a phase does not make); resetting them
// all made 32 workers' histograms 40 MB of resident memory before the
// first connection.
func resetHistogram(h *hdrhistogram.Histogram) {
	if h != nil && h.TotalCount() != 0 {
		h.Reset()
	}
}

// record files one connection's outcome.
func (s *stats) record(o *outcome) {
	s.total++
	if !o.intended.IsZero() {
		s.scheduled++
		s.recordLatency(histogram(&s.lag), o.lag)
		if o.lag > LateStart {
			s.late++
		}
	}
	n := &s.nodes[o.node]
	if o.err != nil {
		s.errs[o.class][o.stage]++
		if s.samples[o.class] == "" {
			s.samples[o.class] = o.err.Error()
		}
		n.failed++
		n.errs[o.class]++
		if n.first.IsZero() {
			n.first = o.end
		}
		n.last = o.end
	}
	if o.failed {
		s.failed++
		s.failedLive.Add(1)
		return
	}
	k := kindFull
	if o.resumed {
		k = kindResumed
	}
	s.count[k]++
	n.completed++
	if o.resumed {
		n.resumed++
	}
	s.in[k] += o.in
	s.out[k] += o.out
	s.addLatency(latConnect, k, o.connect)
	s.addLatency(latHandshake, k, o.handshake)
	s.addLatency(latWhole, k, o.connect+o.handshake)
	if !o.intended.IsZero() {
		s.recordLatency(histogram(&s.uncorrected), o.uncorrected)
	}
	switch {
	case o.offered:
		s.offered++
		if !o.resumed {
			s.offeredNotResumed++
			if o.issuer >= 0 && o.issuer != o.node {
				s.otherNode++
			}
		}
		if o.issuer >= 0 {
			c := &s.matrix[o.issuer][o.node]
			c.offered++
			if o.resumed {
				c.resumed++
			}
		}
	case !o.resumed:
		s.noSession++
	}
	s.recordNegotiated(o.version, o.suite, o.curve)
	if o.helloRetry {
		s.helloRetry++
	}
	if s.trips != nil {
		s.trips.record(k, o)
	}
	if o.clientCert {
		s.clientCerts++
	}
	if o.echOffered {
		s.echOffered++
		if o.echAccepted {
			s.echAccepted++
		}
	}
	s.completed.Add(1)
}

// addLatency buffers one latency, and adds the buffer to the shared
// histograms when it is full.
func (s *stats) addLatency(which, kind int, d time.Duration) {
	s.buf.v[s.buf.n] = latValue{which: uint8(which), kind: uint8(kind), us: d.Microseconds()}
	s.buf.n++
	if s.buf.n == latencyBufLen {
		s.flushLatencies()
	}
}

// flushLatencies adds the buffered latencies to the shared histograms;
// values out of their range are counted (outOfRange), as recordLatency
// does. A worker calls it when its buffer is full and when its phase ends.
func (s *stats) flushLatencies() {
	if s.buf.n == 0 {
		return
	}
	l := s.lat
	l.mu.Lock()
	for _, v := range s.buf.v[:s.buf.n] {
		if histogram(&l.h[v.which][v.kind]).RecordValue(v.us) != nil {
			s.outOfRange++
		}
	}
	l.mu.Unlock()
	s.buf.n = 0
}

func (s *stats) recordLatency(h *hdrhistogram.Histogram, d time.Duration) {
	if h.RecordValue(d.Microseconds()) != nil {
		s.outOfRange++
	}
}

func (s *stats) recordNegotiated(v, suite uint16, curve tls.CurveID) {
	for i := range s.negotiated {
		n := &s.negotiated[i]
		if n.count == 0 {
			*n = negotiated{version: v, suite: suite, curve: curve, count: 1}
			return
		}
		if n.version == v && n.suite == suite && n.curve == curve {
			n.count++
			return
		}
	}
	s.negotiatedOther++
}

// collect merges the workers' stats into a results.Phase.
func (g *Generator) collect(ph Phase, start, end time.Time) (results.Phase, error) {
	out := results.Phase{
		Name:      ph.Name,
		Measured:  ph.Measured,
		StartedAt: start,
		EndedAt:   end,
		WindowS:   end.Sub(start).Seconds(),
		Errors:    map[string]int64{},
		Fallbacks: map[string]int64{},
	}
	var (
		connect, handshake, whole [numKinds]*hdrhistogram.Histogram
		in, out2                  [numKinds]int64
		errs                      [numErrorClasses][numStages]int64
		samples                   [numErrorClasses]string
		neg                       = map[negotiated]int64{}
		matrix                    = make([][]cell, len(g.cfg.Targets))
	)
	for i := range matrix {
		matrix[i] = make([]cell, len(g.cfg.Targets))
	}
	for _, w := range g.workers {
		w.stats.flushLatencies() // done when its loop ended; nothing is left
	}
	shared := func(h *hdrhistogram.Histogram) *hdrhistogram.Histogram {
		if h == nil {
			return results.NewHistogram()
		}
		return h
	}
	for k := range numKinds {
		connect[k], handshake[k], whole[k] = shared(g.lat.h[latConnect][k]), shared(g.lat.h[latHandshake][k]), shared(g.lat.h[latWhole][k])
	}
	for _, w := range g.workers {
		s := w.stats
		for k := range numKinds {
			in[k] += s.in[k]
			out2[k] += s.out[k]
		}
		out.Handshakes.Total += s.total
		out.Handshakes.Full += s.count[kindFull]
		out.Handshakes.Resumed += s.count[kindResumed]
		out.Handshakes.Offered += s.offered
		out.Handshakes.Failed += s.failed
		out.Handshakes.HelloRetry += s.helloRetry
		out.Handshakes.ClientCert += s.clientCerts
		out.Handshakes.ECHOffered += s.echOffered
		out.Handshakes.ECHAccepted += s.echAccepted
		out.OutOfRange += s.outOfRange
		out.Fallbacks[string(tlsfleet.NoSession)] += s.noSession
		out.Fallbacks[string(tlsfleet.OfferedNotResumed)] += s.offeredNotResumed
		out.Fallbacks[string(tlsfleet.IssuedByOtherNode)] += s.otherNode
		for c := range numErrorClasses {
			for st := range numStages {
				errs[c][st] += s.errs[c][st]
			}
			if samples[c] == "" {
				samples[c] = s.samples[c]
			}
		}
		for _, n := range s.negotiated {
			if n.count > 0 {
				key := n
				key.count = 0
				neg[key] += n.count
			}
		}
		if s.negotiatedOther > 0 {
			neg[negotiated{}] += s.negotiatedOther
		}
		for i := range s.matrix {
			for j := range s.matrix[i] {
				matrix[i][j].offered += s.matrix[i][j].offered
				matrix[i][j].resumed += s.matrix[i][j].resumed
			}
		}
	}
	if out.WindowS > 0 {
		out.RatePerS = float64(out.Handshakes.Completed()) / out.WindowS
	}
	all := func(hs [numKinds]*hdrhistogram.Histogram) *hdrhistogram.Histogram {
		h := results.NewHistogram()
		for _, x := range hs {
			h.Merge(x)
		}
		return h
	}
	var err error
	summarize := func(h *hdrhistogram.Histogram) results.Summary {
		s, e := results.Summarize(h)
		if e != nil && err == nil {
			err = e
		}
		return s
	}
	out.LatencyUS = results.Latency{Connect: summarize(all(connect)), Handshake: summarize(all(handshake)), Total: summarize(all(whole))}
	kinds := [numKinds]*results.Kind{&out.Kinds.Full, &out.Kinds.Resumed}
	for k := range numKinds {
		n := connect[k].TotalCount()
		*kinds[k] = results.Kind{
			Count:             n,
			LatencyUS:         results.Latency{Connect: summarize(connect[k]), Handshake: summarize(handshake[k]), Total: summarize(whole[k])},
			BytesPerHandshake: perHandshake(out2[k], in[k], n),
		}
	}
	out.BytesPerHandshake = perHandshake(out2[0]+out2[1], in[0]+in[1], out.Handshakes.Completed())
	if e := g.collectTrips(&out); e != nil && err == nil {
		err = e
	}
	for c := range numErrorClasses {
		for st := range numStages {
			if n := errs[c][st]; n > 0 {
				name := ErrorClass(c).String()
				out.Errors[name] += n
				out.ErrorDetails = append(out.ErrorDetails, results.ErrorDetail{
					Class: name, Stage: Stage(st).String(), Count: n, Sample: samples[c], Hint: ErrorClass(c).Hint(),
				})
			}
		}
	}
	for n, count := range neg {
		out.Negotiated = append(out.Negotiated, results.Negotiated{
			Version: versionName(n.version), CipherSuite: suiteName(n.suite), Group: string(kex.Named(n.curve)), Count: count,
		})
	}
	sort.Slice(out.Negotiated, func(i, j int) bool { return out.Negotiated[i].Count > out.Negotiated[j].Count })
	out.Nodes = make([]results.ClientNode, len(g.cfg.Targets))
	for i, addr := range g.cfg.Targets {
		cn := results.ClientNode{Node: i, Address: addr}
		var first, last time.Time
		for _, w := range g.workers {
			n := w.stats.nodes[i]
			cn.Completed += n.completed
			cn.Resumed += n.resumed
			cn.Failed += n.failed
			for c, v := range n.errs {
				if v > 0 {
					if cn.Errors == nil {
						cn.Errors = map[string]int64{}
					}
					cn.Errors[ErrorClass(c).String()] += v
				}
			}
			if !n.first.IsZero() && (first.IsZero() || n.first.Before(first)) {
				first = n.first
			}
			if n.last.After(last) {
				last = n.last
			}
		}
		if !first.IsZero() {
			cn.FirstFailure, cn.LastFailure = &first, &last
		}
		out.Nodes[i] = cn
	}
	out.Matrix = make([][]results.Cell, len(matrix))
	for i := range matrix {
		out.Matrix[i] = make([]results.Cell, len(matrix[i]))
		for j, c := range matrix[i] {
			out.Matrix[i][j] = results.Cell{Offered: c.offered, Resumed: c.resumed}
		}
	}
	return out, err
}

func perHandshake(c2s, s2c, n int64) results.Bytes {
	if n == 0 {
		return results.Bytes{}
	}
	return results.Bytes{ClientToServer: float64(c2s) / float64(n), ServerToClient: float64(s2c) / float64(n)}
}

func versionName(v uint16) string {
	if v == 0 {
		return "other"
	}
	return tls.VersionName(v)
}

func suiteName(s uint16) string {
	if s == 0 {
		return "other"
	}
	return tls.CipherSuiteName(s)
}

// collectPacing merges the workers' open-loop measurements.
func (g *Generator) collectPacing(rate float64, arrival string) (*results.Pacing, error) {
	p := &results.Pacing{OfferedRatePerS: rate, Arrival: arrival, LateAfterUS: float64(LateStart.Microseconds())}
	lag, unc := results.NewHistogram(), results.NewHistogram()
	for _, w := range g.workers {
		p.Scheduled += w.stats.scheduled
		p.Late += w.stats.late
		merge(lag, w.stats.lag)
		merge(unc, w.stats.uncorrected)
	}
	var err error
	if p.LagUS, err = results.Summarize(lag); err != nil {
		return p, err
	}
	p.ConnectUncorrectedUS, err = results.Summarize(unc)
	return p, err
}
