package bench_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tlsbench/tlsbench/bench"
	"github.com/tlsbench/tlsbench/results"
)

func warning(run *results.Run, code results.WarningCode) string {
	var msgs []string
	for _, w := range run.Warnings {
		if w.Code == code {
			msgs = append(msgs, w.Message)
		}
	}
	return strings.Join(msgs, "\n")
}

// TestNodeFailsDuringRun: one of three nodes is killed or stalls in the
// middle of the measured phase; its failed connections are counted by
// class and by node, the others go on, the run finishes, and the result
// says which node failed and when.
func TestNodeFailsDuringRun(t *testing.T) {
	tests := []struct {
		action, class string
	}{
		{"kill", "refused"},
		{"stall", "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			sc := scenario(t, `resumption: tickets
topology: {nodes: 3, balance: round-robin, ticket_keys: shared}
clients: {count: 12, concurrency: 3}
phases:
  - {name: warmup, count: 36, record: false}
  - {name: measure, duration: 2500ms}
timeouts: {connect: 1s, handshake: 300ms, io: 1s}
faults: [{at: 1s, action: `+tt.action+`, node: 1}]
`)
			run, err := bench.Run(context.Background(), sc, options(t))
			if err != nil {
				t.Fatalf("the run did not finish: %v", err)
			}
			if run.Partial || len(run.Phases) != 2 {
				t.Fatalf("partial %v, %d phases; want a complete run", run.Partial, len(run.Phases))
			}
			m := run.Phases[1]
			failed := m.Nodes[1]
			if failed.Failed == 0 || failed.Errors[tt.class] == 0 || failed.FirstFailure == nil {
				t.Fatalf("node 1: %+v, want failures of class %s", failed, tt.class)
			}
			for _, i := range []int{0, 2} {
				if n := m.Nodes[i]; n.Failed != 0 || n.Completed == 0 {
					t.Errorf("node %d: %+v, want only completed connections", i, n)
				}
			}
			if len(run.Faults) != 1 || run.Faults[0].Error != "" || failed.FirstFailure.Before(run.Faults[0].At) {
				t.Errorf("faults %+v, first failure %v: want one fault injected before the first failure", run.Faults, failed.FirstFailure)
			}
			if w := warning(run, "node_failed"); !strings.Contains(w, "node 1 (") || !strings.Contains(w, tt.class) {
				t.Errorf("node_failed warning = %q, want it to name node 1 and %s", w, tt.class)
			}
			// A node killed mid-handshake can leave a TLS 1.3 client done
			// while the server never read its Finished: the counts may
			// differ by the connections in flight (3).
			if d := m.Handshakes.Completed() - m.Server.Handshakes; m.Server == nil || d < 0 || d > 3 {
				t.Errorf("server counts %+v, client completed %d", m.Server, m.Handshakes.Completed())
			}
		})
	}
}

// TestTestbedKilledDuringRun: the whole testbed process dies; the run goes
// on to its end, counting every refused connection, and says from when the
// server side could not be observed.
func TestTestbedKilledDuringRun(t *testing.T) {
	sc := scenario(t, `resumption: tickets
clients: {count: 8, concurrency: 2}
phases:
  - {name: warmup, count: 16, record: false}
  - {name: measure, duration: 1500ms}
  - {name: after, duration: 500ms}
timeouts: {connect: 1s, handshake: 1s, io: 1s}
faults: [{at: 700ms, action: kill-testbed}]
`)
	run, err := bench.Run(context.Background(), sc, options(t))
	if err != nil {
		t.Fatalf("the run did not finish: %v", err)
	}
	if len(run.Phases) != 3 {
		t.Fatalf("%d phases, want all 3", len(run.Phases))
	}
	m := run.Phases[1]
	if m.Handshakes.Completed() == 0 || m.Errors["refused"] == 0 {
		t.Errorf("measure: %+v, errors %v; want handshakes before the kill and refused ones after", m.Handshakes, m.Errors)
	}
	if after := run.Phases[2]; after.Handshakes.Completed() != 0 || after.Handshakes.Failed == 0 {
		t.Errorf("after the kill: %+v, want only failures", after.Handshakes)
	}
	if w := warning(run, "server_unobservable"); w == "" {
		t.Error("no server_unobservable warning")
	}
	// The counts at the end of the phase could not be read: no server
	// side for it rather than a wrong one. (Its CPU stays readable: a
	// dead child's counters stay in /proc until it is reaped.)
	if m.Server != nil || run.Phases[2].Server != nil {
		t.Errorf("server counts reported across the testbed's death: %+v, %+v", m.Server, run.Phases[2].Server)
	}
}
