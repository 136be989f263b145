package loadgen

import (
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/tlsbench/tlsbench/results"
)

// intervalSigFigs is the precision of per-interval histograms: enough for a
// p99 over time, at a tenth of the memory of the phase histograms.
const intervalSigFigs = 2

// intervalCounts are the counts of one interval.
type intervalCounts struct {
	full, resumed, offered, failed int64
}

// timeline is a phase's per-second data, shared by its workers. Each
// worker adds to it once per interval (when its own interval rolls over),
// never per handshake.
type timeline struct {
	start time.Time
	mu    sync.Mutex
	slots []*slot
}

type slot struct {
	counts intervalCounts
	hist   *hdrhistogram.Histogram
}

func newIntervalHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(results.MinLatencyUS, results.MaxLatencyUS, intervalSigFigs)
}

// add merges one worker's interval into slot i.
func (t *timeline) add(i int, c intervalCounts, h *hdrhistogram.Histogram) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for len(t.slots) <= i {
		t.slots = append(t.slots, nil)
	}
	s := t.slots[i]
	if s == nil {
		s = &slot{hist: newIntervalHistogram()}
		t.slots[i] = s
	}
	s.counts.full += c.full
	s.counts.resumed += c.resumed
	s.counts.offered += c.offered
	s.counts.failed += c.failed
	s.hist.Merge(h)
}

// intervals returns the timeline as result intervals; end is the phase's
// end, which bounds the last interval.
func (t *timeline) intervals(end time.Time) []results.Interval {
	t.mu.Lock()
	defer t.mu.Unlock()
	total := end.Sub(t.start).Seconds()
	out := make([]results.Interval, len(t.slots))
	for i, s := range t.slots {
		length := min(1, total-float64(i))
		if length <= 0 {
			length = 1
		}
		iv := results.Interval{StartS: float64(i), IntervalS: length}
		if s != nil {
			iv.Full, iv.Resumed, iv.Offered, iv.Failed = s.counts.full, s.counts.resumed, s.counts.offered, s.counts.failed
			iv.RatePerS = float64(s.counts.full+s.counts.resumed) / length
			if s.hist.TotalCount() > 0 {
				iv.HandshakeUS = results.IntervalLatency{
					P50: float64(s.hist.ValueAtQuantile(50)),
					P99: float64(s.hist.ValueAtQuantile(99)),
				}
			}
		}
		out[i] = iv
	}
	return out
}

// workerInterval is a worker's current interval, flushed into the
// timeline when a connection ends in a later one.
type workerInterval struct {
	index  int
	counts intervalCounts
	hist   *hdrhistogram.Histogram
}

// note files a connection that ended at end.
func (w *workerInterval) note(t *timeline, end time.Time, o *outcome) {
	i := int(end.Sub(t.start) / time.Second)
	if i != w.index {
		w.flush(t)
		w.index = i
	}
	switch {
	case o.failed:
		w.counts.failed++
		return
	case o.resumed:
		w.counts.resumed++
	default:
		w.counts.full++
	}
	if o.offered {
		w.counts.offered++
	}
	w.hist.RecordValue(o.handshake.Microseconds())
}

// flush adds the worker's interval to the timeline and starts afresh.
func (w *workerInterval) flush(t *timeline) {
	if w.counts != (intervalCounts{}) {
		t.add(w.index, w.counts, w.hist)
	}
	w.counts = intervalCounts{}
	resetHistogram(w.hist)
}
