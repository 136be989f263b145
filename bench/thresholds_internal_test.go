package bench

import (
	"errors"
	"strings"
	"testing"

	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/scenarios"
)

// TestThresholdValuesCoverMetrics: every metric a scenario may set a
// threshold on has a value here.
func TestThresholdValuesCoverMetrics(t *testing.T) {
	t.Parallel()
	names := map[string]bool{}
	for _, m := range scenarios.ThresholdMetrics() {
		names[m.Name] = true
		if thresholdValues[m.Name] == nil {
			t.Errorf("threshold metric %s has no value in thresholdValues", m.Name)
		}
	}
	for n := range thresholdValues {
		if !names[n] {
			t.Errorf("thresholdValues has %s, which no scenario can set", n)
		}
	}
}

func TestCheckThresholds(t *testing.T) {
	t.Parallel()
	sc, err := scenarios.Parse("t.yaml", []byte(`thresholds:
  resumed_share: ">= 95%"
  error_rate: "< 1%"
  handshake_p99: "< 20ms"
  rate: ">= 1000/s"
  server_cpu_per_handshake: "< 500us"
`))
	if err != nil {
		t.Fatal(err)
	}
	measure := results.Phase{Name: "measure", Measured: true, WindowS: 2, RatePerS: 1500,
		Handshakes: results.Handshakes{Total: 3010, Full: 100, Resumed: 2900, Failed: 10},
		Errors:     map[string]int64{"timeout": 10},
		LatencyUS:  results.Latency{Handshake: results.Summary{P99: 25000}},
		CPU:        results.CPU{ServerObserved: true}, CPUUSPerHandshake: results.CPUPerHandshake{Server: 412}}
	empty := results.Phase{Name: "second", Measured: true, WindowS: 1, Handshakes: results.Handshakes{Total: 5, Failed: 5},
		Errors: map[string]int64{"refused": 5}, ErrorDetails: []results.ErrorDetail{{Class: "refused", Sample: "connection refused"}}}
	run := &results.Run{Label: "x", Phases: []results.Phase{{Name: "warmup"}, measure, empty}}
	checkThresholds(sc, run)
	var got []string
	for _, c := range run.Thresholds {
		got = append(got, c.String())
	}
	want := []string{
		"measure: resumed_share 96.7 % (>= 95%): ok",
		"measure: error_rate 0.33 % (< 1%): ok",
		"measure: rate 1500/s (>= 1000/s): ok",
		"measure: handshake_p99 25000 µs (< 20ms): crossed",
		"measure: server_cpu_per_handshake 412 µs (< 500us): ok",
		"second: resumed_share no value (no handshake completed) (>= 95%): crossed",
		"second: error_rate 100 % (< 1%): crossed",
		"second: rate 0/s (>= 1000/s): crossed",
		"second: handshake_p99 no value (no handshake completed) (< 20ms): crossed",
		"second: server_cpu_per_handshake no value (the servers' CPU was not observed) (< 500us): crossed",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("checks:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// A measured phase that completed nothing is the verdict, before the
	// thresholds.
	var nh *NoHandshakesError
	if err := Verdict(run); !errors.As(err, &nh) || nh.Phase != "second" ||
		err.Error() != `x: no handshake completed in measured phase second: measured nothing (5 connections started, failed: refused 5), e.g. "connection refused"` {
		t.Errorf("verdict = %v, want no handshakes in phase second", err)
	}
	run.Phases = run.Phases[:2]
	run.Thresholds = nil
	checkThresholds(sc, run)
	var te *ThresholdsError
	if err := Verdict(run); !errors.As(err, &te) || len(te.Crossed) != 1 ||
		err.Error() != "x: threshold crossed: measure: handshake_p99 25000 µs (< 20ms): crossed" {
		t.Errorf("verdict = %v, want handshake_p99 crossed", err)
	}
	run.Thresholds = run.Thresholds[:1]
	if err := Verdict(run); err != nil {
		t.Errorf("verdict of a passing run = %v", err)
	}
}
