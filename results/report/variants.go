package report

import (
	"fmt"
	"io"
	"math"

	"github.com/tlsbench/tlsbench/results"
)

// writeVariantLines writes, for a run with mutual TLS or ECH, a line per
// measured phase saying on how many handshakes the server asked for the
// client certificate, or accepted ECH, and ECH's public name.
func writeVariantLines(w io.Writer, run *results.Run) {
	for _, p := range run.Phases {
		if !p.Measured {
			continue
		}
		h := p.Handshakes
		switch {
		case run.Labels.MTLS && h.Full == 0:
			fmt.Fprintf(w, "mutual TLS (%s): no full handshake, so no client certificate (%s) presented: a resumed handshake carries none\n",
				p.Name, run.Labels.ClientKey)
		case run.Labels.MTLS:
			fmt.Fprintf(w, "mutual TLS (%s): client certificate (%s) presented on %d of %d full handshakes (a resumed one carries none)\n",
				p.Name, run.Labels.ClientKey, h.ClientCert, h.Full)
		}
		if run.Labels.ECH {
			fmt.Fprintf(w, "ECH (%s): accepted on %d of %d completed handshakes, public name %s\n",
				p.Name, h.ECHAccepted, h.Completed(), run.Target.ECHPublicName)
		}
	}
}

// variantMetrics are the metrics of the variant table, by Metric.ID.
var variantMetrics = []string{"handshake_p50", "cpu_client", "cpu_server", "bytes_c2s", "bytes_s2c"}

// WriteVariants writes, for a set of runs, what mutual TLS and ECH cost:
// a row per group run with one of them beside the group of the same setup
// and resumption run without (results.Set.Variants), with the baseline's
// and the variant's medians of handshake latency, CPU per handshake and
// bytes per handshake each way, and their difference. Nothing when the
// set has no such pair.
func WriteVariants(w io.Writer, runs []*results.Run) error {
	pairs := results.NewSet(runs).Variants()
	if len(pairs) == 0 {
		return nil
	}
	t := &Table{Head: []string{"variant", "scenario", "beside", "handshake p50 µs", "CPU µs/hs client", "CPU µs/hs server", "bytes/hs c→s", "bytes/hs s→c"},
		Right: []bool{false, false, false, true, true, true, true, true}}
	for _, p := range pairs {
		cmp, err := results.Compare(p.Baseline.Runs, p.Variant.Runs, results.Rule{})
		if err != nil {
			continue
		}
		row := []string{p.What, p.Variant.Name, p.Baseline.Name}
		for _, id := range variantMetrics {
			row = append(row, variantCell(cmp, id))
		}
		t.Rows = append(t.Rows, row)
	}
	if len(t.Rows) == 0 {
		return nil
	}
	fmt.Fprintln(w, "== what mutual TLS and ECH cost: beside the same scenario without them (baseline → variant, difference)")
	if err := t.WriteText(w); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "medians over each side's runs; server CPU is the server processes' (n/a when not observed); a difference within noise is marked ~")
	return err
}

// variantCell writes one metric of a comparison: "A → B (+D)".
func variantCell(cmp []results.Comparison, id string) string {
	for _, c := range cmp {
		if c.Metric.ID != id {
			continue
		}
		if c.A.N == 0 || c.B.N == 0 {
			return "n/a"
		}
		d := math.Round(c.B.Median - c.A.Median)
		if d == 0 {
			d = 0 // not -0
		}
		s := fmt.Sprintf("%.0f → %.0f (%+.0f)", c.A.Median, c.B.Median, d)
		if !c.Beyond {
			s += " ~"
		}
		return s
	}
	return "n/a"
}
