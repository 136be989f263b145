package bench

import (
	"fmt"
	"math"
	"runtime"
	"sort"
	"strings"

	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/scenarios"
)

// Thresholds of the warnings. They are deliberately loose: each warning
// says that a number may not mean what it seems to, not that it is wrong.
const (
	// cpuBoundShare: the generator used at least this share of the cores
	// it may use.
	cpuBoundShare = 0.9
	// machineSaturated: the whole machine was at least this busy.
	machineSaturated = 0.9
	// otherLoadCores: this many cores were busy outside tlsbench and the
	// servers it measured.
	otherLoadCores = 0.25
	// fallbackShare: more than this share of offered sessions did not
	// resume.
	fallbackShare = 0.01
	// schedLagLimitUS: the generator's timers woke this late (p99).
	schedLagLimitUS = 5000
)

// timeOfDay formats the moments in warnings.
const timeOfDay = "15:04:05.000"

// warnings inspects a finished run and returns what limits its numbers.
func warnings(sc *scenarios.Scenario, run *results.Run) []results.Warning {
	var ws []results.Warning
	add := func(code results.WarningCode, phase, format string, args ...any) {
		ws = append(ws, results.Warning{Code: code, Phase: phase, Message: fmt.Sprintf(format, args...)})
	}
	if sc.Target.InsecureSkipVerify {
		add(results.WarnInsecureSkipVerify, "", "certificate verification was skipped, as the scenario asked (target.insecure_skip_verify): the handshakes did less work than a real client's")
	}
	if n := sc.TLS.ReuseKeyShare; n > 0 {
		add(results.WarnReusedKeyShare, "", "lab mode: each worker reused one key share for %d handshakes (tls.reuse_key_share), which is not what a real client does (RFC 9846 section 4.2.8: clients MUST NOT); the generator's CPU per handshake is lower than a real client's, the server's work is the same", n)
	}
	if sc.AfterHandshake == scenarios.Close && sc.TLS.Version == scenarios.TLS13 && sc.Resumption != scenarios.ResumeNone {
		add(results.WarnNoTLS13Ticket, "", "after_handshake is close: a TLS 1.3 ticket arrives after the handshake and is never read, so clients cannot resume")
	}
	for _, f := range run.Faults {
		what := fmt.Sprintf("%s node %d", f.Action, f.Node)
		if f.Node < 0 {
			what = f.Action
		}
		if f.Error != "" {
			add(results.WarnFaultFailed, "", "the scenario's fault %s at %s could not be injected: %s", what, f.At.UTC().Format(timeOfDay), f.Error)
		} else {
			add(results.WarnFaultInjected, "", "the scenario injected %s at %s", what, f.At.UTC().Format(timeOfDay))
		}
	}
	cores := float64(min(runtime.GOMAXPROCS(0), runtime.NumCPU()))
	for _, p := range run.Phases {
		for _, n := range p.Nodes {
			if n.Failed == 0 {
				continue
			}
			var parts []string
			for class, c := range n.Errors {
				parts = append(parts, fmt.Sprintf("%s %d", class, c))
			}
			sort.Strings(parts)
			add(results.WarnNodeFailed, p.Name, "node %d (%s): %d connections failed between %s and %s UTC (%s); %d completed",
				n.Node, n.Address, n.Failed, n.FirstFailure.UTC().Format(timeOfDay), n.LastFailure.UTC().Format(timeOfDay),
				strings.Join(parts, ", "), n.Completed)
		}
		if !p.Measured {
			continue
		}
		completed := p.Handshakes.Completed()
		c := p.CPU
		switch {
		case c.ClientUtil >= cpuBoundShare*cores:
			add(results.WarnGeneratorCPUBound, p.Name, "the generator used %.2f of %.0f cores: it, not the server, limited the rate", c.ClientUtil, cores)
		case c.MachineBusy >= machineSaturated && c.ServerObserved && c.ClientUtil > c.ServerUtil:
			add(results.WarnGeneratorCPUBound, p.Name, "the machine was %.0f%% busy and the generator used more CPU than the server (%.2f vs %.2f cores): the shared CPU, and the generator's share of it, limited the rate; compare CPU per handshake rather than rates", 100*c.MachineBusy, c.ClientUtil, c.ServerUtil)
		}
		var linkUtil float64 // the network lab's link is tlsbench's too
		if p.Link != nil {
			linkUtil = p.Link.CPUUtil
		}
		if other := c.MachineBusy*float64(runtime.NumCPU()) - c.ClientUtil - c.ServerUtil - linkUtil; c.ServerObserved && other > otherLoadCores {
			add(results.WarnOtherLoad, p.Name, "%.2f cores were busy outside tlsbench and its servers: other load on the machine disturbs the numbers", other)
		}
		if s := p.Server; s != nil {
			tol := int64(sc.Clients.Concurrency)
			if abs(s.Handshakes-completed) > tol || abs(s.Resumed-p.Handshakes.Resumed) > tol {
				add(results.WarnCountsDisagree, p.Name, "client and server disagree: client completed %d handshakes (%d resumed), server %d (%d resumed)", completed, p.Handshakes.Resumed, s.Handshakes, s.Resumed)
			}
		}
		// With a prediction, expected fallbacks are no news:
		// prediction_mismatch says when they are more than the model.
		if notResumed := p.Fallbacks["offered_not_resumed"]; p.Prediction == nil && p.Handshakes.Offered > 0 && float64(notResumed) > fallbackShare*float64(p.Handshakes.Offered) {
			add(results.WarnOfferedNotResumed, p.Name, "%d of %d offered sessions were not resumed (the server did a full handshake)", notResumed, p.Handshakes.Offered)
		}
		if pr := p.Prediction; pr != nil && math.Abs(pr.MeasuredShare-pr.ResumedShare) > pr.Tolerance {
			add(results.WarnPredictionMismatch, p.Name, "measured resumption %.1f%% differs from the %.1f%% the topology predicts (tolerance ±%.1f points; model: %s)",
				100*pr.MeasuredShare, 100*pr.ResumedShare, 100*pr.Tolerance, pr.Model)
		}
		if l := p.SchedLagUS; l != nil && l.P99 > schedLagLimitUS {
			add(results.WarnGeneratorSchedLag, p.Name, "the generator's timers woke up to %.1f ms late (p99): its process is starved of CPU, so its latencies include its own queueing", l.P99/1000)
		}
		if pc := p.Pacing; pc != nil && pc.Scheduled > 0 && float64(pc.Late) > 0.01*float64(pc.Scheduled) {
			add(results.WarnGeneratorBehind, p.Name, "%d of %d connections started more than %.0f µs after their intended start (lag p99 %.0f µs): all %d connections in flight were busy, or the generator was slow; latency counts from the intended start",
				pc.Late, pc.Scheduled, pc.LateAfterUS, pc.LagUS.P99, sc.Clients.Concurrency)
		}
		if p.OutOfRange > 0 {
			add(results.WarnOutOfRange, p.Name, "%d latencies were outside the histograms' range (1 µs to 60 s) and are not in the percentiles", p.OutOfRange)
		}
		if len(p.Errors) > 0 {
			var parts []string
			var total int64
			for class, n := range p.Errors {
				parts = append(parts, fmt.Sprintf("%s %d", class, n))
				total += n
			}
			sort.Strings(parts)
			add(results.WarnErrors, p.Name, "%d connections failed (%s)", total, strings.Join(parts, ", "))
		}
		if completed == 0 {
			add(results.WarnNoHandshakes, p.Name, "no handshake completed in this phase")
		}
	}
	ws = append(ws, networkWarnings(run)...)
	return append(ws, variantWarnings(sc, run)...)
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
