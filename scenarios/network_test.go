package scenarios_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/tlsbench/tlsbench/scenarios"
)

func rtts(ds ...string) scenarios.RTTs {
	var r scenarios.RTTs
	for _, d := range ds {
		r = append(r, dur(d))
	}
	return r
}

// TestParseNetwork checks good network blocks, defaults included.
func TestParseNetwork(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		yaml string
		want *scenarios.Network
	}{
		{"none", "name: x", nil},
		{"null", "network:", nil},
		{"empty", "network: {}", &scenarios.Network{RTT: rtts("0s"), MTU: 1500}},
		{"rtt", "network: {rtt: 40ms}", &scenarios.Network{RTT: rtts("40ms"), MTU: 1500}},
		{"rtt sweep", "network:\n  rtt: [0ms, 10ms, 40ms, 150ms]\n", &scenarios.Network{RTT: rtts("0s", "10ms", "40ms", "150ms"), MTU: 1500}},
		{"all keys", `network:
  rtt: 40ms
  jitter: 2ms
  loss: 0.5%
  bandwidth: 1.5gbit
  mtu: 9000
  queue: 100
  initcwnd: 4
  congestion: bbr
`, &scenarios.Network{RTT: rtts("40ms"), Jitter: dur("2ms"), Loss: 0.5, Bandwidth: 1_500_000_000, MTU: 9000, Queue: 100, InitCwnd: 4, Congestion: "bbr"}},
		{"zeros", "network: {rtt: 0s, jitter: 0s, loss: 0, bandwidth: 0, queue: 0, initcwnd: 0}", &scenarios.Network{RTT: rtts("0s"), MTU: 1500}},
		{"loss as percent", `network: {loss: "5%", bandwidth: 20MBit}`, &scenarios.Network{RTT: rtts("0s"), Loss: 5, Bandwidth: 20_000_000, MTU: 1500}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := scenarios.Parse("n.yaml", []byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s.Network, tt.want) {
				t.Errorf("Network = %+v, want %+v", s.Network, tt.want)
			}
		})
	}
}

func TestBandwidthText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want scenarios.Bandwidth
		text string // MarshalText; "" for a bad input
	}{
		{"0", 0, "0"},
		{"20mbit", 20_000_000, "20mbit"},
		{"1.5gbit", 1_500_000_000, "1500mbit"},
		{"512kbit", 512_000, "512kbit"},
		{" 64000 bit ", 64_000, "64kbit"},
		{"123bit", 123, "123bit"},
		{"10Gbit", 10_000_000_000, "10gbit"},
		{"20mbps", 0, ""},
		{"20", 0, ""},
		{"mbit", 0, ""},
		{"-1mbit", 0, ""},
		{"1e30gbit", 0, ""},
	}
	for _, tt := range tests {
		var b scenarios.Bandwidth
		err := b.UnmarshalText([]byte(tt.in))
		if tt.text == "" {
			if err == nil {
				t.Errorf("UnmarshalText(%q) = %d, want an error", tt.in, b)
			}
			continue
		}
		text, _ := b.MarshalText()
		if err != nil || b != tt.want || string(text) != tt.text {
			t.Errorf("UnmarshalText(%q) = %d (%s), %v; want %d (%s)", tt.in, b, text, err, tt.want, tt.text)
		}
	}
}

func TestPercentText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want scenarios.Percent
		ok   bool
	}{
		{"0", 0, true},
		{"1%", 1, true},
		{"0.5%", 0.5, true},
		{" 5 %", 5, true},
		{"1", 0, false},
		{"0.01", 0, false},
		{"NaN%", 0, false},
		{"%", 0, false},
	}
	for _, tt := range tests {
		var p scenarios.Percent
		err := p.UnmarshalText([]byte(tt.in))
		if (err == nil) != tt.ok || p != tt.want {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v, ok %v", tt.in, p, err, tt.want, tt.ok)
		}
	}
	if got := scenarios.Percent(0.5).Fraction(); got != 0.005 {
		t.Errorf("Fraction(0.5%%) = %g", got)
	}
	if text, _ := scenarios.Percent(1.25).MarshalText(); string(text) != "1.25%" {
		t.Errorf("MarshalText(1.25) = %s", text)
	}
}

// TestNetworkJSON checks that the block round-trips through JSON (the
// result file keeps the scenario), one RTT as a string, several as a list.
func TestNetworkJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n    scenarios.Network
		want string
	}{
		{scenarios.Network{RTT: rtts("40ms"), MTU: 1500, Loss: 1, Bandwidth: 20_000_000},
			`{"rtt":"40ms","loss":"1%","bandwidth":"20mbit","mtu":1500}`},
		{scenarios.Network{RTT: rtts("0s", "150ms"), MTU: 1500},
			`{"rtt":["0s","150ms"],"mtu":1500}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.n)
		if err != nil || string(b) != tt.want {
			t.Errorf("Marshal = %s, %v; want %s", b, err, tt.want)
			continue
		}
		var back scenarios.Network
		if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, tt.n) {
			t.Errorf("Unmarshal(%s) = %+v, %v; want %+v", b, back, err, tt.n)
		}
	}
}

// TestPerRTT checks that a sweep over RTT stands for one run per value,
// each with a copy of its own, and that other scenarios stand for
// themselves.
func TestPerRTT(t *testing.T) {
	t.Parallel()
	s, err := scenarios.Parse("sweep.yaml", []byte("network: {rtt: [0ms, 10ms, 40ms, 150ms], loss: 1%}\nphases: [{name: m, duration: 1s}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	runs := s.PerRTT()
	if len(runs) != 4 {
		t.Fatalf("PerRTT gave %d runs, want 4", len(runs))
	}
	for i, want := range []string{"0s", "10ms", "40ms", "150ms"} {
		r := runs[i]
		if len(r.Network.RTT) != 1 || r.Network.RTT[0] != dur(want) || r.Network.Loss != 1 || r.Name != "sweep" {
			t.Errorf("run %d: %+v, want rtt %s", i, r.Network, want)
		}
		if err := r.Validate(); err != nil {
			t.Errorf("run %d: %v", i, err)
		}
	}
	runs[0].Phases[0].Duration = dur("5s")
	runs[0].Network.Loss = 5
	if s.Phases[0].Duration != dur("1s") || runs[1].Phases[0].Duration != dur("1s") || s.Network.Loss != 1 || len(s.Network.RTT) != 4 {
		t.Errorf("changing one run changed the scenario or another run")
	}
	for _, yaml := range []string{"name: x", "network: {rtt: 40ms}"} {
		s, err := scenarios.Parse("one.yaml", []byte(yaml))
		if err != nil {
			t.Fatal(err)
		}
		if runs := s.PerRTT(); len(runs) != 1 || runs[0] != s {
			t.Errorf("%q: PerRTT = %v, want the scenario itself", yaml, runs)
		}
	}
	_ = time.Second
}
