package results

import (
	"bufio"
	"fmt"
	"io"
)

// WriteHGRM writes the histogram stored in s as HdrHistogram's
// percentile-distribution text (the .hgrm form that HdrHistogram's plotter
// and other tools read): one line per percentile step, five steps per
// halving of the distance to 100 %, with the value, the percentile as a
// fraction, the count up to it and 1/(1−percentile), then the mean,
// standard deviation, max and total count.
//
// Values are written in milliseconds (the stored microseconds / 1000), the
// unit the HdrHistogram plotter labels its axis with.
func WriteHGRM(w io.Writer, s Summary) error {
	h, err := s.Histogram()
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	if _, err := h.PercentilesPrint(bw, 5, 1000); err != nil {
		return fmt.Errorf("results: write hgrm: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("results: write hgrm: %w", err)
	}
	return nil
}
