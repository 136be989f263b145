package bench_test

import (
	"context"
	"math"
	"testing"

	"github.com/tlsbench/tlsbench/bench"
	"github.com/tlsbench/tlsbench/results"
)

// topologyPhases: 30 clients; the warm-up gives every client a session.
const topologyPhases = `
clients: {count: 30, concurrency: 3}
phases:
  - {name: warmup, count: 90, record: false}
  - {name: measure, count: 900}
timeouts: {connect: 5s, handshake: 5s, io: 5s}
`

func runTopology(t *testing.T, yaml string) (*results.Run, results.Phase) {
	t.Helper()
	run, err := bench.Run(context.Background(), scenario(t, yaml+topologyPhases), options(t))
	if err != nil {
		t.Fatal(err)
	}
	m := run.Phases[1]
	if m.Handshakes.Failed != 0 {
		t.Fatalf("%d handshakes failed: %v", m.Handshakes.Failed, m.Errors)
	}
	if m.Server == nil || m.Server.Handshakes != m.Handshakes.Completed() || m.Server.Resumed != m.Handshakes.Resumed {
		t.Errorf("client completed %d (resumed %d), server %+v", m.Handshakes.Completed(), m.Handshakes.Resumed, m.Server)
	}
	for _, w := range run.Warnings {
		if w.Code == "prediction_mismatch" || w.Code == "counts_disagree" {
			t.Errorf("warning: %s: %s", w.Code, w.Message)
		}
	}
	return run, m
}

func share(p results.Phase) float64 {
	return float64(p.Handshakes.Resumed) / float64(p.Handshakes.Completed())
}

func TestTopologyResumption(t *testing.T) {
	tests := []struct {
		name     string
		yaml     string
		min, max float64
		// diagonal: sessions resume only at the node that issued them.
		diagonal bool
	}{
		{"shared keys, round-robin", "resumption: tickets\ntopology: {nodes: 3, balance: round-robin, ticket_keys: shared}\n", 0.99, 1, false},
		{"per-node keys, round-robin", "resumption: tickets\ntopology: {nodes: 3, balance: round-robin, ticket_keys: per-node}\n", 0, 0, true},
		{"per-node keys, sticky", "resumption: tickets\ntopology: {nodes: 3, balance: sticky, ticket_keys: per-node}\n", 0.99, 1, true},
		{"per-node keys, random", "resumption: tickets\ntopology: {nodes: 3, balance: random, ticket_keys: per-node}\n", -1, -1, true},
		{"shared session cache, round-robin", "resumption: cache\ntopology: {nodes: 3, balance: round-robin, session_cache: shared}\n", 0.99, 1, false},
		{"per-node session cache, random (aws-clb)", "topology: {preset: aws-clb}\n", -1, -1, true},
		{"aws-nlb", "topology: {preset: aws-nlb}\n", 0.99, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run, m := runTopology(t, tt.yaml)
			got := share(m)
			lo, hi := tt.min, tt.max
			if lo < 0 {
				// Random balance: within a binomial interval around 1/3
				// (4 standard deviations over the offered sessions).
				n := float64(m.Handshakes.Offered)
				sd := math.Sqrt((1.0 / 3) * (2.0 / 3) / n)
				lo, hi = 1.0/3-4*sd, 1.0/3+4*sd
			}
			if got < lo || got > hi {
				t.Errorf("resumed share = %.3f (%d of %d), want %.3f..%.3f", got, m.Handshakes.Resumed, m.Handshakes.Completed(), lo, hi)
			}
			if m.Prediction == nil {
				t.Fatal("no prediction")
			}
			if d := math.Abs(m.Prediction.ResumedShare - got); d > m.Prediction.Tolerance {
				t.Errorf("predicted %.3f, measured %.3f, tolerance %.3f", m.Prediction.ResumedShare, got, m.Prediction.Tolerance)
			}
			// The resumption matrix: diagonal for per-node state, full
			// for shared state.
			var offDiagResumed, offDiagOffered int64
			for i, row := range m.Matrix {
				for j, c := range row {
					if i != j {
						offDiagResumed += c.Resumed
						offDiagOffered += c.Offered
					}
				}
			}
			switch {
			case tt.diagonal && offDiagResumed != 0:
				t.Errorf("per-node state, yet %d sessions resumed at another node than their issuer", offDiagResumed)
			case !tt.diagonal && offDiagResumed < offDiagOffered*99/100:
				t.Errorf("shared state, yet only %d of %d sessions offered to another node resumed", offDiagResumed, offDiagOffered)
			}
			if tt.diagonal && m.Handshakes.Offered > m.Handshakes.Resumed {
				// The servers say why: the session came from another node.
				if got, want := m.Server.Fallbacks["other_node"], m.Handshakes.Offered-m.Handshakes.Resumed; got != want {
					t.Errorf("server fallbacks other_node = %d, want %d (offered − resumed)", got, want)
				}
			}
			if len(run.Target.Addresses) != 3 {
				t.Errorf("%d node addresses, want 3", len(run.Target.Addresses))
			}
		})
	}
}

// TestKeyRotationDip: with rotation and no overlap, every client falls
// back to a full handshake once just after each rotation; the servers say
// the key was rotated out.
func TestKeyRotationDip(t *testing.T) {
	sc := scenario(t, `resumption: tickets
topology: {nodes: 3, balance: round-robin, ticket_keys: shared, rotate_keys_every: 1s}
clients: {count: 30, concurrency: 3}
phases:
  - {name: warmup, count: 90, record: false}
  - {name: measure, duration: 3500ms}
`)
	run, err := bench.Run(context.Background(), sc, options(t))
	if err != nil {
		t.Fatal(err)
	}
	m := run.Phases[1]
	rotated := m.Server.Fallbacks["rotated_out"]
	if rotated < 30 {
		t.Errorf("server fallbacks rotated_out = %d, want at least 30 (every client once per rotation)", rotated)
	}
	if full := m.Handshakes.Full; full != rotated {
		t.Errorf("full handshakes %d != rotated_out %d: every fallback should be a rotation", full, rotated)
	}
	// The dips: full handshakes come in one burst per rotation, in the
	// second of the rotation and perhaps the next. The rotations are
	// counted by the servers (their key generation from the warm-up's end
	// to the phase's), not derived from the phase's length: a loaded
	// machine stretches the phase and spreads the bursts. A rotation after
	// the phase stopped starting connections has no burst; one between the
	// warm-up and the phase puts its burst in the first second.
	rotations := m.Server.Nodes[0].KeyGeneration - run.Phases[0].Server.Nodes[0].KeyGeneration
	if rotations < 1 {
		t.Fatalf("the servers did not rotate their keys during the phase (key generation %d)", m.Server.Nodes[0].KeyGeneration)
	}
	if most := 30 * (rotations + 1); rotated > most {
		t.Errorf("rotated_out = %d, want at most %d: each client falls back once per rotation (%d, and one before the phase)", rotated, most, rotations)
	}
	var dips int64
	for _, iv := range m.Intervals {
		if iv.Full > 0 {
			dips++
		}
	}
	if dips < rotations-1 || dips > rotations+1 {
		t.Errorf("%d intervals with full handshakes, want %d ± 1 (one per rotation the servers made): %+v", dips, rotations, m.Intervals)
	}
	if m.Prediction == nil || math.Abs(m.Prediction.ResumedShare-share(m)) > m.Prediction.Tolerance {
		t.Errorf("prediction %+v, measured %.3f", m.Prediction, share(m))
	}
}
