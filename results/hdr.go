package results

import (
	"fmt"

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
	if h == nil {
		h = NewHistogram()
	}
	enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return Summary{}, fmt.Errorf("results: encode histogram: %w", err)
	}
	s := Summary{Count: h.TotalCount(), HDR: string(enc)}
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
