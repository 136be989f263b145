package scenarios

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Network is an emulated network between the generator and the servers:
// package bench builds a lab of two network namespaces and a link process
// between them (package bench/netlab), in the manner of Mahimahi, and runs
// the servers behind it on real kernel TCP. A nil *Network (no network
// block) keeps the run on loopback, with no round-trip time at all.
//
// It does not apply to a remote target, which has a real network already.
type Network struct {
	// RTT is the round-trip time the link adds, split evenly between the
	// directions. One value, or a list to sweep: the scenario then runs
	// once per value, in order, each on a fresh lab (see PerRTT), and each
	// run is labelled with its RTT. Default: 0s.
	RTT RTTs `yaml:"rtt" json:"rtt"`

	// Jitter varies each packet's one-way delay uniformly within
	// rtt/2 ± jitter, without ever reordering the packets of one flow (a
	// packet waits for its flow's previous one, so in a busy flow the
	// delays bunch up towards rtt/2 + jitter). At most half the smallest
	// rtt. Default: 0s.
	Jitter Duration `yaml:"jitter" json:"jitter,omitempty"`

	// Loss is the share of packets the link drops, drawn independently per
	// packet in each direction, written as a percentage ("1%", "0.5%").
	// Default: 0%.
	Loss Percent `yaml:"loss" json:"loss,omitempty"`

	// Bandwidth is each direction's rate ("20mbit", "512kbit", "1gbit";
	// SI units of bits per second). 0: unlimited. Default: 0.
	Bandwidth Bandwidth `yaml:"bandwidth" json:"bandwidth,omitempty"`

	// MTU is the links' MTU in bytes, 576..65535. Default: 1500.
	MTU int `yaml:"mtu" json:"mtu"`

	// Queue is how many packets may wait for the link in each direction
	// before the next is tail-dropped (with a bandwidth). 0: one
	// bandwidth-delay product (bandwidth × rtt in MTU-sized packets), at
	// least 10. Default: 0.
	Queue int `yaml:"queue" json:"queue,omitempty"`

	// InitCwnd is the servers' initial congestion window in segments, a
	// route attribute on the server side. 0: the kernel's (10). Default:
	// 0.
	InitCwnd int `yaml:"initcwnd" json:"initcwnd,omitempty"`

	// Congestion is the TCP congestion control on both sides (reno,
	// cubic, bbr, ...; one the kernel lets a namespace use). Empty: cubic,
	// or reno where the machine does not let namespaces use cubic; the
	// result records which.
	Congestion string `yaml:"congestion" json:"congestion,omitempty"`
}

// Limits of a network block.
const (
	maxRTT       = 10 * time.Second
	maxRTTs      = 16
	maxLoss      = 50 // percent
	minBandwidth = 64_000
	maxBandwidth = 100_000_000_000
	minMTU       = 576
	maxMTU       = 65535
	maxQueue     = 1_000_000
	maxInitCwnd  = 1000
	defaultMTU   = 1500
)

// defaults fills the network block's unset fields.
func (n *Network) defaults() {
	if n.RTT == nil {
		n.RTT = RTTs{0}
	}
	if n.MTU == 0 {
		n.MTU = defaultMTU
	}
}

// network checks the network block and what it cannot go with.
func (v *validator) network(s *Scenario) {
	n := s.Network
	if n == nil {
		return
	}
	if !s.Target.Embedded() {
		v.add("network", "a remote target already has a real network: leave out network or target.address")
	}
	if len(s.Clients.SourceAddresses) > 0 {
		v.add("clients.source_addresses", "behind a network the generator dials from the lab's own addresses (198.18.0.x): leave out source_addresses")
	}
	switch {
	case len(n.RTT) == 0:
		v.add("network.rtt", "want at least one round-trip time")
	case len(n.RTT) > maxRTTs:
		v.add("network.rtt", "at most %d round-trip times to sweep, got %d", maxRTTs, len(n.RTT))
	}
	for i, r := range n.RTT {
		path := "network.rtt"
		if len(n.RTT) > 1 {
			path = fmt.Sprintf("network.rtt[%d]", i)
		}
		if r < 0 || time.Duration(r) > maxRTT {
			v.add(path, "must be 0..%s, got %s", fmtDuration(maxRTT), r)
		}
	}
	if len(n.RTT) > 0 {
		least := slices.Min(n.RTT)
		switch {
		case n.Jitter < 0:
			v.add("network.jitter", "must not be negative, got %s", n.Jitter)
		case least >= 0 && n.Jitter > least/2:
			v.add("network.jitter", "must be at most half the rtt (the one-way delay, %s), got %s", least/2, n.Jitter)
		}
	}
	if n.Loss < 0 || n.Loss > maxLoss {
		v.add("network.loss", "must be 0%%..%d%%, got %s", maxLoss, n.Loss)
	}
	if n.Bandwidth != 0 && (n.Bandwidth < minBandwidth || n.Bandwidth > maxBandwidth) {
		v.add("network.bandwidth", "must be 0 (unlimited) or %s..%s, got %s", Bandwidth(minBandwidth), Bandwidth(maxBandwidth), n.Bandwidth)
	}
	if n.MTU < minMTU || n.MTU > maxMTU {
		v.add("network.mtu", "must be %d..%d, got %d", minMTU, maxMTU, n.MTU)
	}
	if n.Queue < 0 || n.Queue > maxQueue {
		v.add("network.queue", "must be 0..%d packets (0: one bandwidth-delay product), got %d", maxQueue, n.Queue)
	}
	if n.InitCwnd < 0 || n.InitCwnd > maxInitCwnd {
		v.add("network.initcwnd", "must be 0..%d segments (0: the kernel's 10), got %d", maxInitCwnd, n.InitCwnd)
	}
	for _, r := range n.Congestion {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			v.add("network.congestion", "want the name of a congestion control (reno, cubic, bbr), got %q", n.Congestion)
			break
		}
	}
}

// PerRTT returns the runs the scenario stands for: the scenario itself
// when it has no network block or network.rtt holds one value; otherwise
// one copy per value of network.rtt, in order, each holding only that
// value. Copies share nothing that a caller may change (phases, the
// network block, the sweep and the other lists are copied). A sweep over
// RTT is these runs one after another, each on a lab of its own, so that
// no TCP state carries over from one RTT to the next.
func (s *Scenario) PerRTT() []*Scenario {
	if s.Network == nil || len(s.Network.RTT) <= 1 {
		return []*Scenario{s}
	}
	out := make([]*Scenario, len(s.Network.RTT))
	for i, r := range s.Network.RTT {
		c := s.Clone()
		c.Network.RTT = RTTs{r}
		out[i] = c
	}
	return out
}

// RTTs is network.rtt: one round-trip time, or several to sweep. In YAML
// and JSON a single value may be written without a list.
type RTTs []Duration

func (RTTs) scalarOrList() {}

// MarshalJSON writes one value as a duration string, several as a list.
func (r RTTs) MarshalJSON() ([]byte, error) {
	if len(r) == 1 {
		return json.Marshal(r[0])
	}
	return json.Marshal([]Duration(r))
}

// UnmarshalJSON reads a duration string or a list of them.
func (r *RTTs) UnmarshalJSON(b []byte) error {
	var one Duration
	if err := json.Unmarshal(b, &one); err == nil {
		*r = RTTs{one}
		return nil
	}
	var list []Duration
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Errorf("network.rtt: want a duration or a list of durations: %w", err)
	}
	*r = list
	return nil
}

// Percent is a share written as a percentage ("1%", "0.5%"); its value is
// in percent (1 for "1%").
type Percent float64

// Fraction returns the share as a fraction of 1 (0.01 for 1%).
func (p Percent) Fraction() float64 { return float64(p) / 100 }

// UnmarshalText parses a percentage such as "1%" or "0.25%", or a bare 0.
func (p *Percent) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "0" {
		*p = 0
		return nil
	}
	num, ok := strings.CutSuffix(s, "%")
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if !ok || err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("not a percentage: write it with %%, e.g. 1%% or 0.5%%, got %q", s)
	}
	*p = Percent(v)
	return nil
}

// MarshalText writes the percentage, "1%".
func (p Percent) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// String returns the percentage, "1%".
func (p Percent) String() string { return strconv.FormatFloat(float64(p), 'g', -1, 64) + "%" }

// Bandwidth is a rate in bits per second, written with an SI unit of bits
// ("20mbit" is 20,000,000 bit/s; units bit, kbit, mbit, gbit), or a bare
// 0 for unlimited.
type Bandwidth int64

// bandwidthUnits are the units a bandwidth is written in, largest first.
var bandwidthUnits = []struct {
	name string
	bits int64
}{{"gbit", 1e9}, {"mbit", 1e6}, {"kbit", 1e3}, {"bit", 1}}

// UnmarshalText parses a rate such as "20mbit", "1.5gbit" or "0".
func (b *Bandwidth) UnmarshalText(text []byte) error {
	s := strings.ToLower(strings.TrimSpace(string(text)))
	if s == "0" {
		*b = 0
		return nil
	}
	if strings.HasSuffix(s, "bps") {
		return fmt.Errorf("write a rate in bits per second with kbit, mbit or gbit (tc's bps means bytes per second): %q", string(text))
	}
	for _, u := range bandwidthUnits {
		num, ok := strings.CutSuffix(s, u.name)
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		bits := v * float64(u.bits)
		if err != nil || math.IsNaN(v) || v < 0 || bits > math.MaxInt64/2 {
			break
		}
		*b = Bandwidth(math.Round(bits))
		return nil
	}
	return fmt.Errorf("not a bandwidth (want e.g. 20mbit, 512kbit, 1gbit, or 0 for unlimited): %q", string(text))
}

// MarshalText writes the rate in the largest unit that keeps it whole.
func (b Bandwidth) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// String returns the rate in the largest unit that keeps it whole,
// "20mbit"; "0" for unlimited.
func (b Bandwidth) String() string {
	if b == 0 {
		return "0"
	}
	for _, u := range bandwidthUnits {
		if int64(b)%u.bits == 0 {
			return strconv.FormatInt(int64(b)/u.bits, 10) + u.name
		}
	}
	return strconv.FormatInt(int64(b), 10) + "bit"
}
