package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/tlsbench/tlsbench/results"
)

// tableHeader is the column header of the summary tables. Units are in the
// header; latencies are µs read from HDR histograms.
const tableHeader = "scenario\tphase\ths/s\tresumed/offered\tresumed % (predicted)\tserver full/resumed\tconnect p50/p99 µs\thandshake p50/p99/p99.9 µs\tfull hs p50 µs\tresumed hs p50 µs\tCPU µs/hs client/server\tbytes/hs c→s/s→c\terrors\twarnings\t"

func phaseRow(run *results.Run, p results.Phase) string {
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
	return fmt.Sprintf("%s\t%s\t%.0f\t%d/%d\t%s\t%s\t%.0f/%.0f\t%.0f/%.0f/%.0f\t%s\t%s\t%.0f/%s\t%.0f/%.0f\t%s\t%s\t",
		run.Scenario.Name, phase, p.RatePerS,
		h.Resumed, h.Offered, resumedShare(p), server,
		p.LatencyUS.Connect.P50, p.LatencyUS.Connect.P99,
		p.LatencyUS.Handshake.P50, p.LatencyUS.Handshake.P99, p.LatencyUS.Handshake.P999,
		kindP50(p.Kinds.Full), kindP50(p.Kinds.Resumed),
		p.CPUUSPerHandshake.Client, cpuServer,
		p.BytesPerHandshake.ClientToServer, p.BytesPerHandshake.ServerToClient,
		errorText(p.Errors), warningCodes(run, p.Name))
}

// warningCodes lists the codes of the warnings about a phase or the whole
// run, so that a table row shows what limits its numbers.
func warningCodes(run *results.Run, phase string) string {
	return codeList(run.WarningsAbout(func(p results.Phase) bool { return p.Name == phase }))
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

// writeRunSummary prints one run: every phase, what was negotiated, and the
// warnings.
func writeRunSummary(w io.Writer, run *results.Run) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, tableHeader)
	for _, p := range run.Phases {
		fmt.Fprintln(tw, phaseRow(run, p))
	}
	tw.Flush()
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
}

// writeComparison prints the measured phases of several runs in one table.
func writeComparison(w io.Writer, runs []*results.Run) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, tableHeader)
	for _, run := range runs {
		for _, p := range run.Phases {
			if p.Measured {
				fmt.Fprintln(tw, phaseRow(run, p))
			}
		}
	}
	tw.Flush()
	n := 0
	for _, run := range runs {
		n += len(run.Warnings)
	}
	if n > 0 {
		fmt.Fprintf(w, "%d warnings in these runs: see each run above and the result files' .warnings\n", n)
	}
	fmt.Fprintln(w, "latency in µs from HDR histograms; CPU is user+system over the phase window per completed handshake (client: tlsbench, server: the server processes tlsbench started, when it started them); bytes are TLS records each way, dial to close, TCP/IP headers excluded")
}
