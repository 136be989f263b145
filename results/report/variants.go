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

// variantColumn is a column of the variant table: its header and the
// Metric.ID of its comparison ("" for the names).
type variantColumn struct {
	head, metric string
	wideOnly     bool
}

// variantColumns are the variant table's columns. The default view fits
// Width characters: the baseline's name and the bytes are wide-only.
var variantColumns = []variantColumn{
	{head: "variant"}, {head: "scenario"}, {head: "beside", wideOnly: true},
	{head: "handshake p50 µs", metric: "handshake_p50"},
	{head: "CPU µs/hs client", metric: "cpu_client"},
	{head: "CPU µs/hs server", metric: "cpu_server"},
	{head: "bytes/hs c→s", metric: "bytes_c2s", wideOnly: true},
	{head: "bytes/hs s→c", metric: "bytes_s2c", wideOnly: true},
}

// WriteVariants writes the variant table in the default view (see
// View.WriteVariants).
func WriteVariants(w io.Writer, runs []*results.Run) error { return View{}.WriteVariants(w, runs) }

// WriteVariants writes, for a set of runs, what mutual TLS and ECH cost:
// a row per group run with one of them beside the group of the same setup
// and resumption run without (results.Set.Variants), with the baseline's
// and the variant's medians of handshake latency and CPU per handshake
// (and, in the wide view, the baseline's name and the bytes per handshake
// each way), and their difference. Nothing when the set has no such pair.
func (v View) WriteVariants(w io.Writer, runs []*results.Run) error {
	pairs := results.NewSet(runs).Variants()
	if len(pairs) == 0 {
		return nil
	}
	var cols []variantColumn
	t := &Table{}
	for _, c := range variantColumns {
		if c.wideOnly && !v.Wide {
			continue
		}
		cols = append(cols, c)
		t.Head = append(t.Head, c.head)
		t.Right = append(t.Right, c.metric != "")
	}
	for _, p := range pairs {
		cmp, err := results.Compare(p.Baseline.Runs, p.Variant.Runs, results.Rule{})
		if err != nil {
			continue
		}
		var row []string
		for _, c := range cols {
			switch c.head {
			case "variant":
				row = append(row, p.What)
			case "scenario":
				row = append(row, p.Variant.Name)
			case "beside":
				row = append(row, p.Baseline.Name)
			default:
				row = append(row, variantCell(cmp, c.metric))
			}
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
	note := "medians over each side's runs; a difference within noise is marked ~;\nserver CPU is the server processes' (n/a when not observed)"
	if !v.Wide {
		note += "\n--wide also shows the baseline's name and the bytes per handshake each way"
	}
	_, err := fmt.Fprintln(w, note)
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
