package bench

import (
	"fmt"
	"time"

	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/scenarios"
)

// sweepPhases returns the phases of a sweep: the scenario's phases that are
// not recorded (warm-ups), then one open-loop step per offered rate.
func sweepPhases(sc *scenarios.Scenario) []scenarios.Phase {
	var out []scenarios.Phase
	for _, p := range sc.Phases {
		if !p.Recorded() {
			out = append(out, p)
		}
	}
	sw := sc.Sweep
	for rate := sw.From; rate <= sw.To+sw.Step/1e6; rate += sw.Step {
		out = append(out, scenarios.Phase{Name: fmt.Sprintf("rate-%g", rate), Duration: sw.StepDuration, Rate: rate})
	}
	return out
}

// sweepStep records a finished step and reports whether the sweep stops:
// the achieved rate fell below the saturation share of the offered one, or
// the p99 total latency passed the limit.
func sweepStep(sw *scenarios.Sweep, out *results.Sweep, p results.Phase) bool {
	step := results.SweepStep{
		Phase:            p.Name,
		AchievedRatePerS: p.RatePerS,
		TotalUS:          results.IntervalLatency{P50: p.LatencyUS.Total.P50, P99: p.LatencyUS.Total.P99},
	}
	if pc := p.Pacing; pc != nil {
		step.OfferedRatePerS = pc.OfferedRatePerS
		if pc.Scheduled > 0 {
			step.Late = float64(pc.Late) / float64(pc.Scheduled)
		}
	}
	out.Steps = append(out.Steps, step)
	switch {
	case step.AchievedRatePerS < sw.Saturated*step.OfferedRatePerS:
		out.Stopped = fmt.Sprintf("saturated: %.0f/s achieved of %.0f/s offered", step.AchievedRatePerS, step.OfferedRatePerS)
	case sw.P99Limit > 0 && step.TotalUS.P99 > float64(time.Duration(sw.P99Limit).Microseconds()):
		out.Stopped = fmt.Sprintf("p99 limit: %.0f µs > %s at %.0f/s offered", step.TotalUS.P99, sw.P99Limit, step.OfferedRatePerS)
	default:
		return false
	}
	out.Knee = len(out.Steps) - 2
	return true
}
