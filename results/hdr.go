package results

import (
	"fmt"
	"sync"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// The range and precision of every latency histogram: 1 µs to 60 s, three
// significant digits. Values outside the range are counted apart (see
// Phase.OutOfRange), never clamped.
const (
	MinLatencyUS = 1
	MaxLatencyUS = 60_000_000
	SigFigs      = 3
)

// NewHistogram returns an empty latency histogram in microseconds with the
// range and precision of every histogram in a result file.
func NewHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(MinLatencyUS, MaxLatencyUS, SigFigs)
}

// Summarize reads the percentiles of h and encodes it. A nil or empty
// histogram gives a Summary with Count 0 and an encoded empty histogram.
func Summarize(h *hdrhistogram.Histogram) (Summary, error) {
	if h == nil || h.TotalCount() == 0 && defaultRange(h) {
		enc, err := emptyHDR()
		return Summary{HDR: enc}, err
	}
	enc, err := encode(h)
	if err != nil {
		return Summary{}, err
	}
	s := Summary{Count: h.TotalCount(), HDR: enc}
	if s.Count == 0 {
		return s, nil
	}
	// ValueAtQuantile takes 0..100.
	v := h.ValueAtPercentilesSlice([]float64{50, 90, 99, 99.9})
	s.Min = float64(h.Min())
	s.Mean = h.Mean()
	s.P50, s.P90, s.P99, s.P999 = float64(v[0]), float64(v[1]), float64(v[2]), float64(v[3])
	s.Max = float64(h.Max())
	return s, nil
}

func encode(h *hdrhistogram.Histogram) (string, error) {
	enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("results: encode histogram: %w", err)
	}
	return string(enc), nil
}

// emptyHDR is the encoding of an empty histogram of NewHistogram's range,
// made once: each encoding makes a zlib writer of about a megabyte, and
// many of a phase's summaries are empty (the resumed handshakes of a run
// without resumption, the failures of one without failures), which made
// their encoding a third of a short run's CPU.
var emptyHDR = sync.OnceValues(func() (string, error) { return encode(NewHistogram()) })

// defaultRange says whether h has NewHistogram's range and precision.
func defaultRange(h *hdrhistogram.Histogram) bool {
	return h.LowestTrackableValue() == MinLatencyUS && h.HighestTrackableValue() == MaxLatencyUS && h.SignificantFigures() == SigFigs
}

// Histogram decodes the HDR histogram stored in s.
func (s Summary) Histogram() (*hdrhistogram.Histogram, error) {
	if s.HDR == "" {
		return nil, fmt.Errorf("results: summary has no histogram")
	}
	h, err := hdrhistogram.Decode([]byte(s.HDR))
	if err != nil {
		return nil, fmt.Errorf("results: decode histogram: %w", err)
	}
	if h.TotalCount() != s.Count {
		return nil, fmt.Errorf("results: histogram holds %d values, summary says %d", h.TotalCount(), s.Count)
	}
	return h, nil
}
