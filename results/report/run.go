package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/tlsbench/tlsbench/results"
)

// phaseHead is the header of the phase tables. Units are in the header;
// latencies are µs read from HDR histograms.
var phaseHead = []string{"scenario", "phase", "hs/s", "resumed/offered", "resumed % (predicted)", "server full/resumed",
	"connect p50/p99 µs", "handshake p50/p99/p99.9 µs", "full hs p50 µs", "resumed hs p50 µs",
	"CPU µs/hs client/server", "bytes/hs c→s/s→c", "errors", "warnings"}

// phaseRow is one phase of a run as a row of the phase tables.
func phaseRow(run *results.Run, p results.Phase) []string {
	h := p.Handshakes
	phase := p.Name
	if !p.Measured {
		phase += " (warm-up)"
	}
	server := "n/a"
	if p.Server != nil {
		server = fmt.Sprintf("%d/%d", p.Server.Full, p.Server.Resumed)
	}
	cpuServer := "n/a"
	if p.CPU.ServerObserved {
		cpuServer = fmt.Sprintf("%.0f", p.CPUUSPerHandshake.Server)
	}
	kindP50 := func(k results.Kind) string {
		if k.Count == 0 {
			return "-"
		}
		return fmt.Sprintf("%.0f", k.LatencyUS.Handshake.P50)
	}
	return []string{
		run.Name(), phase, fmt.Sprintf("%.0f", p.RatePerS),
		fmt.Sprintf("%d/%d", h.Resumed, h.Offered), resumedShare(p), server,
		fmt.Sprintf("%.0f/%.0f", p.LatencyUS.Connect.P50, p.LatencyUS.Connect.P99),
		fmt.Sprintf("%.0f/%.0f/%.0f", p.LatencyUS.Handshake.P50, p.LatencyUS.Handshake.P99, p.LatencyUS.Handshake.P999),
		kindP50(p.Kinds.Full), kindP50(p.Kinds.Resumed),
		fmt.Sprintf("%.0f/%s", p.CPUUSPerHandshake.Client, cpuServer),
		fmt.Sprintf("%.0f/%.0f", p.BytesPerHandshake.ClientToServer, p.BytesPerHandshake.ServerToClient),
		errorText(p.Errors),
		codeList(run.WarningsAbout(func(q results.Phase) bool { return q.Name == p.Name })),
	}
}

// resumedShare is the measured share of resumed handshakes, with the
// topology's prediction beside it when there is one.
func resumedShare(p results.Phase) string {
	n := p.Handshakes.Completed()
	if n == 0 {
		return "-"
	}
	s := fmt.Sprintf("%.1f", 100*float64(p.Handshakes.Resumed)/float64(n))
	if pr := p.Prediction; pr != nil {
		s += fmt.Sprintf(" (%.1f)", 100*pr.ResumedShare)
	}
	return s
}

func errorText(errs map[string]int64) string {
	if len(errs) == 0 {
		return "0"
	}
	var parts []string
	for class, n := range errs {
		parts = append(parts, fmt.Sprintf("%s:%d", class, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// WriteRun writes one run for a terminal: a row per phase, warm-ups
// included, what was negotiated, the errors with a sample and what to do
// about them, and the warnings.
func WriteRun(w io.Writer, run *results.Run) error {
	t := &Table{Head: phaseHead}
	for _, p := range run.Phases {
		t.Rows = append(t.Rows, phaseRow(run, p))
	}
	if err := t.WriteText(w); err != nil {
		return err
	}
	for _, p := range run.Phases {
		if !p.Measured {
			continue
		}
		var neg []string
		for _, n := range p.Negotiated {
			neg = append(neg, fmt.Sprintf("%s %s %s ×%d", n.Version, n.CipherSuite, n.Group, n.Count))
		}
		if len(neg) > 0 {
			fmt.Fprintf(w, "negotiated (%s): %s\n", p.Name, strings.Join(neg, "; "))
		}
	}
	writeVariantLines(w, run)
	for _, p := range run.Phases {
		for _, e := range p.ErrorDetails {
			fmt.Fprintf(w, "errors (%s): %d %s at %s, e.g. %q\n  what to do: %s\n", p.Name, e.Count, e.Class, e.Stage, e.Sample, e.Hint)
		}
	}
	if run.Partial {
		fmt.Fprintf(w, "PARTIAL: %s\n", run.PartialReason)
	}
	for _, wn := range run.Warnings {
		where := ""
		if wn.Phase != "" {
			where = " (" + wn.Phase + ")"
		}
		fmt.Fprintf(w, "warning%s: %s: %s\n", where, wn.Code, wn.Message)
	}
	return nil
}

// WriteRuns writes the measured phases of several runs in one table, for
// a terminal.
func WriteRuns(w io.Writer, runs []*results.Run) error {
	t := &Table{Head: phaseHead}
	n := 0
	for _, run := range runs {
		for _, p := range run.Phases {
			if p.Measured {
				t.Rows = append(t.Rows, phaseRow(run, p))
			}
		}
		n += len(run.Warnings)
	}
	if err := t.WriteText(w); err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintf(w, "%d warnings in these runs: see each run above and the result files' .warnings\n", n)
	}
	_, err := fmt.Fprintln(w, "latency in µs from HDR histograms; CPU is user+system over the phase window per completed handshake (client: tlsbench, server: the server processes tlsbench started, when it started them); bytes are TLS records each way, dial to close, TCP/IP headers excluded")
	return err
}

// WriteRepeats writes a row per group of runs (the repeats of a scenario,
// see results.NewSet), for a terminal: the median of each metric over the
// repeats' measured phases and its spread, and their warnings.
func WriteRepeats(w io.Writer, runs []*results.Run) error {
	t := groupsTable(results.NewSet(runs).Groups, func(m results.Metric) string { return " " + m.Unit })
	if err := t.WriteText(w); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "median over the repeats ± the largest deviation of a repeat from it; compare sets with tlsbench compare")
	return err
}

// WriteSummary writes the closing table of a set of runs made by one
// tlsbench run: with repeats (more than 1), the table of repeats under a
// heading (WriteRepeats); else, for several runs, their measured phases
// (WriteRuns); for one run, nothing (WriteRun showed it).
func WriteSummary(w io.Writer, runs []*results.Run, repeats int) error {
	switch {
	case repeats > 1:
		fmt.Fprintf(w, "== all scenarios, measured phases, median of %d repeats ± spread\n", repeats)
		if err := WriteRepeats(w, runs); err != nil {
			return err
		}
	case len(runs) > 1:
		fmt.Fprintln(w, "== all runs, measured phases")
		if err := WriteRuns(w, runs); err != nil {
			return err
		}
	default:
		return nil
	}
	return WriteVariants(w, runs)
}
