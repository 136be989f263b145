package results

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
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

// ExportHGRM writes every non-empty latency summary (see SummaryFields) of
// the runs' measured phases into dir as .hgrm (see WriteHGRM), one file
// each, named <run>[-r<repeat>]-<phase>-<summary>.hgrm ("tls13-full-r2-
// measure-handshake-full.hgrm"), and returns their paths. Two runs that
// would give one name (repeats without repeat numbers) get "-2", "-3", ...
// rather than overwriting each other.
func ExportHGRM(dir string, runs []*Run) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	var paths []string
	used := map[string]bool{}
	for i, r := range runs {
		name := r.Name()
		if name == "" {
			name = fmt.Sprintf("run%d", i+1)
		}
		if r.Repeats > 1 {
			name += fmt.Sprintf("-r%d", r.Repeat)
		}
		for _, p := range r.Phases {
			if !p.Measured {
				continue
			}
			for _, f := range SummaryFields() {
				s := f.Of(&p)
				if s == nil || s.Count == 0 {
					continue
				}
				base := SafeName(name + "-" + p.Name + "-" + f.Name)
				file := base + ".hgrm"
				for n := 2; used[file]; n++ {
					file = fmt.Sprintf("%s-%d.hgrm", base, n)
				}
				used[file] = true
				path := filepath.Join(dir, file)
				if err := writeFile(path, func(w io.Writer) error { return WriteHGRM(w, *s) }); err != nil {
					return paths, fmt.Errorf("results: %s: %w", path, err)
				}
				paths = append(paths, path)
			}
		}
	}
	return paths, nil
}

// writeFile writes a file through fill and keeps the Close error.
func writeFile(path string, fill func(io.Writer) error) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	return fill(f)
}
