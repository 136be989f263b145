package results

import "fmt"

// ThresholdCheck is one threshold of the scenario (its thresholds: block)
// checked on one measured phase: package bench writes one per threshold
// and measured phase into Run.Thresholds.
type ThresholdCheck struct {
	// Metric is the threshold's metric, as the scenario names it
	// ("resumed_share").
	Metric string `json:"metric"`
	// Threshold is the expression as the scenario wrote it (">= 95%").
	Threshold string `json:"threshold"`
	// Phase is the measured phase it was checked on.
	Phase string `json:"phase"`
	// Value is the phase's measured value of the metric, in Unit; nil
	// when the phase has none (no handshake completed, or the servers'
	// CPU was not observed), and then the check fails.
	Value *float64 `json:"value"`
	// Unit is the unit of Value: "%", "/s" or "µs".
	Unit string `json:"unit"`
	// Pass is true when Value is within the threshold.
	Pass bool `json:"pass"`
	// Note says why there is no value.
	Note string `json:"note,omitempty"`
}

// Measured formats the measured value with its unit ("99.2 %", "1834/s",
// "412 µs"), or the note when there is none.
func (c ThresholdCheck) Measured() string {
	if c.Value == nil {
		return "no value (" + c.Note + ")"
	}
	if c.Unit == "/s" {
		return figure(*c.Value, "") + "/s"
	}
	return figure(*c.Value, c.Unit)
}

// String says what was checked and how it went: "measure: resumed_share
// 100 % (<= 50%): crossed".
func (c ThresholdCheck) String() string {
	verdict := "ok"
	if !c.Pass {
		verdict = "crossed"
	}
	return fmt.Sprintf("%s: %s %s (%s): %s", c.Phase, c.Metric, c.Measured(), c.Threshold, verdict)
}

// CrossedThresholds returns the run's threshold checks that failed.
func (r *Run) CrossedThresholds() []ThresholdCheck {
	var out []ThresholdCheck
	for _, c := range r.Thresholds {
		if !c.Pass {
			out = append(out, c)
		}
	}
	return out
}
