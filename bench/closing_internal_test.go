package bench

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/scenarios"
)

// TestLoadgenConfigClosing: the close sequence and source addresses a
// scenario asks for reach the generator, and the close sequence the result
// records (closeDescription) is the one the generator performs. (They were
// once recorded without being applied: the result said "after sending
// close_notify" while the client sent none, and nginx dropped sessions.)
func TestLoadgenConfigClosing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                      string
		yaml                      string
		wantNotify, wantFirst     bool
		wantReset                 bool
		wantSources               []string
		wantDescribed, wantAbsent string
	}{
		{"default", "", true, false, false, nil, "after sending close_notify", "without close_notify"},
		{"no notify", "close: {notify: false}\n", false, false, false, nil, "without close_notify", "after sending"},
		{"client first with reset", "close: {first: client, reset: true}\n", true, true, true, nil, "TCP reset (SO_LINGER 0), after sending close_notify", "reads to EOF"},
		{"source addresses", "clients: {count: 4, concurrency: 2, source_addresses: [127.0.0.5, 127.0.0.6]}\n", true, false, false, []string{"127.0.0.5", "127.0.0.6"}, "after sending close_notify", "without"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc, err := scenarios.Parse(tt.name+".yaml", []byte(`tls: {version: "1.3", key: ecdsa-p256}
resumption: tickets
phases: [{name: measure, count: 10}]
`+tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			srv := &servers{target: results.Target{Addresses: []string{"127.0.0.2:443"}, ServerName: "localhost"}}
			cfg, err := loadgenConfig(sc, srv)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.CloseNotify != tt.wantNotify || cfg.CloseFirst != tt.wantFirst || cfg.Reset != tt.wantReset {
				t.Errorf("CloseNotify, CloseFirst, Reset = %v, %v, %v; want %v, %v, %v",
					cfg.CloseNotify, cfg.CloseFirst, cfg.Reset, tt.wantNotify, tt.wantFirst, tt.wantReset)
			}
			if !slices.Equal(cfg.SourceAddrs, tt.wantSources) {
				t.Errorf("SourceAddrs = %q, want %q", cfg.SourceAddrs, tt.wantSources)
			}
			got := closeDescription(sc.AfterHandshake, sc.Close, false)
			if !strings.Contains(got, tt.wantDescribed) || strings.Contains(got, tt.wantAbsent) {
				t.Errorf("recorded close %q: want it to say %q and not %q", got, tt.wantDescribed, tt.wantAbsent)
			}
		})
	}
}

// TestPredictionNamesNginxCloseRace: on nginx with stateful TLS 1.3
// tickets, a scenario whose clients skip close_notify gets a prediction
// whose model says what it leaves out; with close_notify it does not.
func TestPredictionNamesNginxCloseRace(t *testing.T) {
	t.Parallel()
	for _, notify := range []bool{true, false} {
		yaml := `server: nginx
tls: {version: "1.3", key: ecdsa-p256}
resumption: cache
phases: [{name: measure, count: 100}]
close: {notify: ` + strconv.FormatBool(notify) + "}\n"
		sc, err := scenarios.Parse("nginx-cache.yaml", []byte(yaml))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Unix(1_700_000_000, 0)
		run := &results.Run{Phases: []results.Phase{{Name: "measure", Measured: true, StartedAt: start, EndedAt: start.Add(2 * time.Second)}}}
		share, model := (&predictor{sc: sc}).simulate(run, 0, 0.05)
		if share < 0.9 {
			t.Errorf("notify %v: predicted share %.3f, want about 1 (one node, its own cache)", notify, share)
		}
		if got := strings.Contains(model, "without close_notify"); got == notify {
			t.Errorf("notify %v: model %q; want the nginx close_notify race named only without close_notify", notify, model)
		}
	}
}
