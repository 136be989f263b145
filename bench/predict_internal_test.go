package bench

import (
	"strings"
	"testing"
	"time"

	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/scenarios"
)

// TestPredictionNamesNginxCloseRace: on nginx with stateful TLS 1.3
// tickets, a scenario whose clients skip close_notify gets a prediction
// whose model says what it leaves out; with close_notify it does not.
func TestPredictionNamesNginxCloseRace(t *testing.T) {
	t.Parallel()
	sc, err := scenarios.Parse("nginx-cache.yaml", []byte(`server: nginx
tls: {version: "1.3", key: ecdsa-p256}
resumption: cache
phases: [{name: measure, count: 100}]
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, notify := range []bool{true, false} {
		start := time.Unix(1_700_000_000, 0)
		run := &results.Run{Phases: []results.Phase{{Name: "measure", Measured: true, StartedAt: start, EndedAt: start.Add(2 * time.Second)}}}
		share, model := (&predictor{sc: sc, notify: notify}).simulate(run, 0, 0.05)
		if share < 0.9 {
			t.Errorf("notify %v: predicted share %.3f, want about 1 (one node, its own cache)", notify, share)
		}
		if got := strings.Contains(model, "without close_notify"); got == notify {
			t.Errorf("notify %v: model %q; want the nginx close_notify race named only without close_notify", notify, model)
		}
	}
}
