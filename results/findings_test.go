package results

import (
	"slices"
	"strings"
	"testing"
)

// findingRun is a labelled run on one loopback node whose measured phase
// edit sets.
func findingRun(t *testing.T, name, resumption string, labels func(*Labels), edit func(*Phase)) *Run {
	r := labelled(t, name, resumption, func(l *Labels) {
		l.Topology = TopologyLabels{Nodes: 1, TicketKeys: "per-node", SessionCache: "per-node"}
		if labels != nil {
			labels(l)
		}
	})
	r.Target = Target{Kind: "embedded", Addresses: []string{"127.0.0.2:8443"}}
	r.Machine.CPUs = 2
	p := &r.Phases[1]
	p.Errors = nil
	p.CPU.ServerObserved = true
	p.CPUUSPerHandshake = CPUPerHandshake{Client: 600, Server: 500}
	p.BytesPerHandshake = Bytes{ClientToServer: 333, ServerToClient: 1255}
	p.Negotiated = []Negotiated{{Version: "TLS 1.3", Group: "x25519", Count: p.Handshakes.Completed()}}
	if resumption != "none" {
		p.Handshakes.Resumed, p.Handshakes.Full = p.Handshakes.Full, 0
		p.Handshakes.Offered = p.Handshakes.Resumed
	}
	if edit != nil {
		edit(p)
	}
	return r
}

func cpu(client, server float64) func(*Phase) {
	return func(p *Phase) { p.CPUUSPerHandshake = CPUPerHandshake{Client: client, Server: server} }
}

func TestFindings(t *testing.T) {
	t.Parallel()
	rsa := func(l *Labels) { l.Key = "rsa-2048" }
	tls12 := func(l *Labels) { l.TLSVersion = "1.2" }
	mlkem := func(l *Labels) { l.Groups = []string{"x25519mlkem768"} }
	hybrid := func(p *Phase) { p.Negotiated[0].Group = "X25519MLKEM768" }
	threeNodes := func(l *Labels) {
		l.Topology = TopologyLabels{Preset: "aws-alb", Nodes: 3, Balance: "random", TicketKeys: "per-node", SessionCache: "per-node"}
	}
	predict := func(resumed, predicted, tol float64) func(*Phase) {
		return func(p *Phase) {
			n := p.Handshakes.Completed()
			p.Handshakes.Resumed = int64(resumed * float64(n))
			p.Handshakes.Full = n - p.Handshakes.Resumed
			p.Prediction = &Prediction{ResumedShare: predicted, MeasuredShare: float64(p.Handshakes.Resumed) / float64(n), Tolerance: tol}
		}
	}
	tests := []struct {
		name  string
		runs  []*Run
		topic Topic
		want  string // the finding of topic; "" for none
	}{
		{"resumption cuts the server's cost; TLS 1.3 still runs a key exchange",
			[]*Run{findingRun(t, "full", "none", nil, nil), findingRun(t, "resumed", "tickets", nil, cpu(300, 200))},
			TopicServerCost,
			"Resumption cuts the server's CPU per handshake by 60 % for TLS 1.3 ECDSA P-256 (500 → 200 µs); TLS 1.3 resumption still runs a key exchange (psk_dhe_ke: the resumed handshakes negotiated x25519)."},
		{"setups told apart by what differs",
			[]*Run{
				findingRun(t, "12-full", "none", tls12, cpu(600, 328)), findingRun(t, "12-resumed", "tickets", tls12, func(p *Phase) { cpu(300, 128)(p); p.Negotiated[0].Group = "" }),
				findingRun(t, "13-full", "none", nil, nil), findingRun(t, "13-resumed", "tickets", nil, cpu(500, 450)),
				findingRun(t, "rsa-full", "none", rsa, cpu(700, 2000)), findingRun(t, "rsa-resumed", "tickets", rsa, cpu(600, 2600)),
			},
			TopicServerCost,
			"Resumption cuts the server's CPU per handshake by 61 % for TLS 1.2 ECDSA P-256 (328 → 128 µs); it raises it by 30 % for TLS 1.3 RSA-2048 (2000 → 2600 µs); for TLS 1.3 ECDSA P-256 (500 → 450 µs) the difference is within noise; TLS 1.3 resumption still runs a key exchange (psk_dhe_ke: the resumed handshakes negotiated x25519)."},
		{"within noise everywhere",
			[]*Run{findingRun(t, "full", "none", nil, nil), findingRun(t, "resumed", "tickets", nil, cpu(580, 450))},
			TopicClientCost,
			"Resumption does not change the client's CPU per handshake beyond noise for TLS 1.3 ECDSA P-256 (600 → 580 µs)."},
		{"no server CPU observed: no sentence about it",
			[]*Run{
				findingRun(t, "full", "none", nil, func(p *Phase) { p.CPU.ServerObserved = false }),
				findingRun(t, "resumed", "tickets", nil, func(p *Phase) { p.CPU.ServerObserved = false }),
			},
			TopicServerCost, ""},
		{"no baseline without resumption: no sentence",
			[]*Run{findingRun(t, "resumed", "tickets", nil, nil)},
			TopicServerCost, ""},
		{"bytes",
			[]*Run{findingRun(t, "full", "none", nil, nil), findingRun(t, "resumed", "tickets", nil, func(p *Phase) { p.BytesPerHandshake.ServerToClient = 437 })},
			TopicBytes,
			"Resumption cuts the bytes the server sends per handshake by 65 % for TLS 1.3 ECDSA P-256 (1255 → 437 B)."},
		{"topology as predicted, and not",
			[]*Run{
				findingRun(t, "aws-alb", "tickets", threeNodes, predict(1.0/3, 1.0/3, 0.03)),
				findingRun(t, "aws-nlb", "tickets", func(l *Labels) { threeNodes(l); l.Topology.Preset = "aws-nlb" }, predict(0.5, 1, 0.02)),
			},
			TopicTopology,
			"These topologies resume as their models predict: aws-alb 33.3 % (predicted 33.3 %); aws-nlb resumes 50.0 %, outside the 100 % ± 2.0 points its model predicts."},
		{"one node is no topology finding",
			[]*Run{findingRun(t, "single", "tickets", nil, predict(1, 1, 0.02))},
			TopicTopology, ""},
		{"the post-quantum group's cost, full and resumed",
			[]*Run{
				findingRun(t, "full", "none", nil, nil), findingRun(t, "resumed", "tickets", nil, cpu(500, 400)),
				findingRun(t, "pq-full", "none", mlkem, func(p *Phase) { hybrid(p); cpu(900, 750)(p); p.BytesPerHandshake = Bytes{1517, 2343} }),
				findingRun(t, "pq-resumed", "tickets", mlkem, func(p *Phase) { hybrid(p); cpu(520, 410)(p) }),
			},
			TopicPostQuantum,
			"The post-quantum hybrid group X25519MLKEM768 instead of x25519 (TLS 1.3 ECDSA P-256): server CPU per handshake +50 % in full handshakes (500 → 750 µs) and within noise in resumed handshakes (400 → 410 µs); client CPU +50 % in full handshakes (600 → 900 µs) and within noise in resumed handshakes (500 → 520 µs); bytes client→server +1184 B in full handshakes (333 → 1517 B) and within noise in resumed handshakes (333 → 333 B); bytes server→client +1088 B in full handshakes (1255 → 2343 B) and within noise in resumed handshakes (1255 → 1255 B)."},
		{"no classical twin: no post-quantum sentence",
			[]*Run{findingRun(t, "pq-full", "none", mlkem, hybrid), findingRun(t, "rsa-full", "none", rsa, nil)},
			TopicPostQuantum, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, f := range NewSet(tt.runs).Findings(Rule{}) {
				if f.Topic == tt.topic {
					got = append(got, f.Text)
				}
			}
			var want []string
			if tt.want != "" {
				want = []string{tt.want}
			}
			if !slices.Equal(got, want) {
				t.Errorf("findings about %s:\n got %q\nwant %q", tt.topic, got, want)
			}
		})
	}
}

func TestFindingsCaveats(t *testing.T) {
	t.Parallel()
	bound := func(r *Run) *Run {
		r.Warnings = append(r.Warnings, Warning{Code: WarnGeneratorCPUBound, Phase: "measure", Message: "x"},
			Warning{Code: WarnPredictionMismatch, Phase: "measure"}, Warning{Code: WarnOtherLoad, Phase: "warmup"})
		return r
	}
	remote := findingRun(t, "remote", "none", nil, nil)
	remote.Target = Target{Kind: "remote", Addresses: []string{"192.0.2.1:443"}}
	runs := []*Run{bound(findingRun(t, "a", "none", nil, nil)), findingRun(t, "b", "tickets", nil, nil), remote}
	var got []string
	var charts []string
	fs := NewSet(runs).Findings(Rule{})
	for _, f := range fs {
		if f.Caveat {
			got = append(got, f.Text)
			charts = append(charts, f.Chart)
		}
	}
	want := []string{
		"2 of 3 runs were measured on loopback, with generator and servers sharing one machine of 2 CPUs: there is no network round trip in the latencies (only CPU time and queueing), and the two sides compete for the CPUs.",
		"Each scenario ran once, so differences are judged by the 20 % threshold, not by a test over repeats (run --repeat 5 for the U test).",
		"`generator_cpu_bound` in 1 of 3 runs (a): the generator, not the server, may have limited the rate; CPU per handshake is the fairer comparison.",
	}
	if !slices.Equal(got, want) {
		t.Errorf("caveats:\n got %q\nwant %q", got, want)
	}
	if !fs[len(fs)-1].Caveat || fs[0].Caveat {
		t.Error("caveats are not last")
	}
	for _, f := range fs {
		if strings.Contains(f.Text, "prediction_mismatch") || strings.Contains(f.Text, "other_load") {
			t.Errorf("finding %q: prediction_mismatch is the topology finding's, other_load was in a warm-up", f.Text)
		}
	}
}

func TestDistinct(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   [][]string
		want []string
	}{
		{[][]string{{"TLS 1.3", "ECDSA P-256", "x25519", "1 node"}}, []string{"TLS 1.3 ECDSA P-256"}},
		{[][]string{{"TLS 1.2", "ECDSA P-256", "x25519"}, {"TLS 1.3", "ECDSA P-256", "x25519"}}, []string{"TLS 1.2", "TLS 1.3"}},
		{[][]string{{"TLS 1.3", "K", "x25519"}, {"TLS 1.3", "K", "x25519"}, {"TLS 1.3", "K", "x25519mlkem768"}}, []string{"TLS 1.3 K", "TLS 1.3 K", "TLS 1.3 K x25519mlkem768"}},
		{[][]string{{"TLS 1.3", "K", "a"}, {"TLS 1.3", "K", "a"}}, []string{"TLS 1.3 K", "TLS 1.3 K"}},
	}
	for _, tt := range tests {
		if got := distinct(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("distinct(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
