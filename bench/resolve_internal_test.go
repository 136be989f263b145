package bench

import (
	"crypto/tls"
	"slices"
	"strings"
	"testing"

	"github.com/tlsbench/tlsbench/loadgen"
	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/scenarios"
)

// TestGeneratorConfig: what a scenario asks of its clients reaches the
// generator. (The close sequence was once recorded without being applied:
// the result said "after sending close_notify" while the client sent none,
// and nginx dropped sessions. The record is now read from this Config.)
func TestGeneratorConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		yaml  string
		check func(loadgen.Config) bool
	}{
		{"close_notify by default", "", func(c loadgen.Config) bool { return c.CloseNotify && !c.CloseFirst && !c.Reset }},
		{"no close_notify", "close: {notify: false}\n", func(c loadgen.Config) bool { return !c.CloseNotify }},
		{"client first with reset", "close: {first: client, reset: true}\n", func(c loadgen.Config) bool { return c.CloseNotify && c.CloseFirst && c.Reset }},
		{"source addresses", "clients: {count: 4, concurrency: 2, source_addresses: [127.0.0.5, 127.0.0.6]}\n",
			func(c loadgen.Config) bool { return slices.Equal(c.SourceAddrs, []string{"127.0.0.5", "127.0.0.6"}) }},
		{"open loop", "clients: {count: 4, concurrency: 2, rate: 500, arrival: poisson}\n", func(c loadgen.Config) bool { return c.Rate == 500 && c.Poisson }},
		{"groups in order", "tls: {version: \"1.3\", groups: [x25519mlkem768, p256]}\n",
			func(c loadgen.Config) bool {
				return slices.Equal(c.CurvePreferences, []tls.CurveID{tls.X25519MLKEM768, tls.CurveP256})
			}},
		{"http names the server", "after_handshake: http\n", func(c loadgen.Config) bool {
			return c.AfterHandshake == loadgen.HTTP && strings.Contains(string(c.HTTPRequest), "Host: tlsbench.test\r\n")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc, err := scenarios.Parse(tt.name+".yaml", []byte("resumption: tickets\nphases: [{name: measure, count: 10}]\n"+tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			f := &remoteFleet{target: results.Target{Addresses: []string{"127.0.0.2:443"}, ServerName: ServerName}}
			cfg, err := generatorConfig(sc, f, Placement{})
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(cfg) {
				t.Errorf("config %+v does not do what the scenario asks", cfg)
			}
		})
	}
}

// TestCloseDescription: the recorded close sequence is the Config's.
func TestCloseDescription(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		cfg         loadgen.Config
		want, wantN string
	}{
		{"read-eof with notify", loadgen.Config{CloseNotify: true}, "client reads to EOF; the client's close is a FIN, after sending close_notify", ""},
		{"no notify", loadgen.Config{}, "without close_notify", "after sending"},
		{"session IDs always notify", loadgen.Config{SessionIDs: true}, "after sending close_notify", "without"},
		{"client first, reset", loadgen.Config{CloseFirst: true, Reset: true, CloseNotify: true}, "closes first, once the server's first application record arrives (TIME_WAIT on the client); the client's close is a TCP reset (SO_LINGER 0)", ""},
		{"http", loadgen.Config{AfterHandshake: loadgen.HTTP}, "reads the response to EOF: the server closes first", ""},
		{"close at once", loadgen.Config{AfterHandshake: loadgen.Close, CloseFirst: true}, "right after the handshake", "first application record"},
	}
	for _, tt := range tests {
		got := closeDescription(tt.cfg)
		if !strings.Contains(got, tt.want) || (tt.wantN != "" && strings.Contains(got, tt.wantN)) {
			t.Errorf("%s: %q; want it to say %q and not %q", tt.name, got, tt.want, tt.wantN)
		}
	}
}
