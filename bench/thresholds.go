package bench

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/scenarios"
)

// thresholdValue reads one threshold metric from a measured phase, in the
// metric's base unit (percent, per second, or microseconds; see
// scenarios.ThresholdUnit). ok is false when the phase has no value, and
// note then says why.
type thresholdValue func(p results.Phase) (v float64, ok bool, note string)

// thresholdValues reads every metric of scenarios.ThresholdMetrics; a test
// checks that none is missing.
var thresholdValues = map[string]thresholdValue{
	"resumed_share": completed(func(p results.Phase) float64 {
		return 100 * float64(p.Handshakes.Resumed) / float64(p.Handshakes.Completed())
	}),
	"error_rate": func(p results.Phase) (float64, bool, string) {
		if p.Handshakes.Total == 0 {
			return 0, false, "no connection was started"
		}
		var failed int64
		for _, n := range p.Errors {
			failed += n
		}
		return 100 * float64(failed) / float64(p.Handshakes.Total), true, ""
	},
	"rate": func(p results.Phase) (float64, bool, string) {
		if p.WindowS <= 0 {
			return 0, false, "the phase has no window"
		}
		return p.RatePerS, true, ""
	},
	"handshake_p50":            completed(func(p results.Phase) float64 { return p.LatencyUS.Handshake.P50 }),
	"handshake_p99":            completed(func(p results.Phase) float64 { return p.LatencyUS.Handshake.P99 }),
	"handshake_p999":           completed(func(p results.Phase) float64 { return p.LatencyUS.Handshake.P999 }),
	"connect_p99":              completed(func(p results.Phase) float64 { return p.LatencyUS.Connect.P99 }),
	"total_p99":                completed(func(p results.Phase) float64 { return p.LatencyUS.Total.P99 }),
	"client_cpu_per_handshake": completed(func(p results.Phase) float64 { return p.CPUUSPerHandshake.Client }),
	"server_cpu_per_handshake": func(p results.Phase) (float64, bool, string) {
		if !p.CPU.ServerObserved {
			return 0, false, "the servers' CPU was not observed"
		}
		return completed(func(p results.Phase) float64 { return p.CPUUSPerHandshake.Server })(p)
	},
}

// completed reads a value that exists only when a handshake completed.
func completed(f func(results.Phase) float64) thresholdValue {
	return func(p results.Phase) (float64, bool, string) {
		if p.Handshakes.Completed() == 0 {
			return 0, false, "no handshake completed"
		}
		return f(p), true, ""
	}
}

// checkThresholds checks each of the scenario's thresholds on each
// measured phase of run and records the checks in run.Thresholds. A
// threshold whose phase has no value fails.
func checkThresholds(sc *scenarios.Scenario, run *results.Run) {
	for _, p := range run.Phases {
		if !p.Measured {
			continue
		}
		for _, t := range sc.Thresholds.List() {
			c := results.ThresholdCheck{Metric: t.Name, Threshold: t.Text, Phase: p.Name, Unit: t.ThresholdMetric.Unit.Symbol()}
			v, ok, note := thresholdValues[t.Name](p)
			if ok {
				c.Value = &v
				c.Pass = t.Holds(v)
			} else {
				c.Note = note
			}
			run.Thresholds = append(run.Thresholds, c)
		}
	}
}

// NoHandshakesError is the verdict on a run one of whose measured phases
// completed no handshake: it measured nothing, and a pipeline must fail.
type NoHandshakesError struct {
	// Scenario and Phase name the run and its phase.
	Scenario, Phase string
	// Started is the connections the phase started; Errors counts the
	// failed ones by class, and Sample is one error message.
	Started int64
	Errors  map[string]int64
	Sample  string
}

func (e *NoHandshakesError) Error() string {
	var parts []string
	for class, n := range e.Errors {
		parts = append(parts, fmt.Sprintf("%s %d", class, n))
	}
	sort.Strings(parts)
	s := fmt.Sprintf("%s: no handshake completed in measured phase %s: measured nothing", e.Scenario, e.Phase)
	if e.Started > 0 {
		s += fmt.Sprintf(" (%d connections started", e.Started)
		if len(parts) > 0 {
			s += ", failed: " + strings.Join(parts, ", ")
		}
		s += ")"
	}
	if e.Sample != "" {
		s += fmt.Sprintf(", e.g. %q", e.Sample)
	}
	return s
}

// ThresholdsError is the verdict on a run that crossed thresholds.
type ThresholdsError struct {
	// Scenario names the run; Crossed are the failed checks.
	Scenario string
	Crossed  []results.ThresholdCheck
}

func (e *ThresholdsError) Error() string {
	var parts []string
	for _, c := range e.Crossed {
		parts = append(parts, c.String())
	}
	return fmt.Sprintf("%s: threshold crossed: %s", e.Scenario, strings.Join(parts, "; "))
}

// Verdict says whether a finished run passes a pipeline: a
// *NoHandshakesError when one of its measured phases completed no
// handshake, else a *ThresholdsError when one of its threshold checks
// failed, else nil. The result file holds the same: the phases' counts and
// .thresholds[].
func Verdict(run *results.Run) error {
	for _, p := range run.Phases {
		if !p.Measured || p.Handshakes.Completed() > 0 {
			continue
		}
		e := &NoHandshakesError{Scenario: run.Name(), Phase: p.Name, Started: p.Handshakes.Total, Errors: p.Errors}
		if len(p.ErrorDetails) > 0 {
			e.Sample = p.ErrorDetails[0].Sample
		}
		return e
	}
	if crossed := run.CrossedThresholds(); len(crossed) > 0 {
		return &ThresholdsError{Scenario: run.Name(), Crossed: crossed}
	}
	return nil
}
