package results

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// summaryOf records values into a result histogram and summarizes it.
func summaryOf(t *testing.T, values []int64) Summary {
	t.Helper()
	h := NewHistogram()
	for _, v := range values {
		if err := h.RecordValue(v); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Summarize(h)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fullPhase returns a phase in which every field MergePhases merges is
// set, from values: its latencies (every summary of SummaryFields holds
// them), an open loop's pacing, a prediction, scheduler lag, the server's
// fallbacks and per-node counts.
func fullPhase(t *testing.T, name string, start time.Time, values []int64) Phase {
	t.Helper()
	s := summaryOf(t, values)
	n := int64(len(values))
	first := start.Add(time.Second)
	p := Phase{
		Name: name, Measured: true,
		StartedAt: start, EndedAt: start.Add(2 * time.Second), WindowS: 2,
		Handshakes: Handshakes{Total: n + 1, Full: n, Offered: 3, Failed: 1},
		RatePerS:   float64(n) / 2,
		LatencyUS:  Latency{Connect: s, Handshake: s, Total: s},
		Kinds: Kinds{
			Full:    Kind{Count: n, LatencyUS: Latency{Connect: s, Handshake: s, Total: s}, BytesPerHandshake: Bytes{ClientToServer: 300, ServerToClient: 1200}},
			Resumed: Kind{LatencyUS: Latency{Connect: summaryOf(t, nil), Handshake: summaryOf(t, nil), Total: summaryOf(t, nil)}},
		},
		CPU: CPU{ClientS: 1, ClientUserS: 0.75, ClientSystemS: 0.25, ServerS: 0.5, ServerUserS: 0.375, ServerSystemS: 0.125,
			ServerObserved: true, MachineBusy: 0.5, ClientUtil: 0.5, ServerUtil: 0.25},
		CPUUSPerHandshake: CPUPerHandshake{Client: 1e6 / float64(n), Server: 0.5e6 / float64(n),
			ClientUser: 0.75e6 / float64(n), ClientSystem: 0.25e6 / float64(n), ServerUser: 0.375e6 / float64(n), ServerSystem: 0.125e6 / float64(n)},
		BytesPerHandshake: Bytes{ClientToServer: 300, ServerToClient: 1200},
		Errors:            map[string]int64{"timeout": 1},
		ErrorDetails:      []ErrorDetail{{Class: "timeout", Stage: "handshake", Count: 1, Sample: "i/o timeout"}},
		Fallbacks:         map[string]int64{"no_session": n},
		Negotiated:        []Negotiated{{Version: "TLS 1.3", CipherSuite: "TLS_AES_128_GCM_SHA256", Group: "X25519", Count: n}},
		Server: &Server{Handshakes: n, Full: n, Failed: 1, Fallbacks: map[string]int64{"other_node": 3},
			Nodes: []NodeCounts{{Node: 0, Address: "127.0.0.2:1", Full: n, TLS13: n, Fallbacks: map[string]int64{"other_node": 3}, KeyGeneration: 2}}},
		Nodes:      []ClientNode{{Node: 0, Address: "127.0.0.2:1", Completed: n, Failed: 1, Errors: map[string]int64{"timeout": 1}, FirstFailure: &first, LastFailure: &first}},
		Matrix:     [][]Cell{{{Offered: 3, Resumed: 2}}},
		Prediction: &Prediction{ResumedShare: 0.25, MeasuredShare: 0, Tolerance: 0.1, RevisitS: 0.5, Model: "a model"},
		SchedLagUS: &IntervalLatency{P50: 100, P99: 900},
		Pacing:     &Pacing{OfferedRatePerS: 100, Arrival: "poisson", Scheduled: n + 1, Late: 2, LateAfterUS: 1000, LagUS: s, ConnectUncorrectedUS: s},
		Intervals:  []Interval{{StartS: 0, IntervalS: 1, Full: n, RatePerS: float64(n)}},
		OutOfRange: 1,
	}
	return p
}

func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// keyPaths lists every key path of a JSON document whose value is not
// null, with array indexes dropped: the shape of the document.
func keyPaths(t *testing.T, doc string) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if x != nil {
					out = append(out, prefix+"."+k)
					walk(prefix+"."+k, x)
				}
			}
		case []any:
			for _, x := range v {
				walk(prefix+"[]", x)
			}
		}
	}
	walk("", v)
	slices.Sort(out)
	return slices.Compact(out)
}

func TestMergePhases(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(1, 2))
	var all, a, b []int64
	for range 5000 {
		v := 50 + rng.Int64N(20_000)
		all = append(all, v)
		if rng.IntN(3) == 0 {
			a = append(a, v)
		} else {
			b = append(b, v)
		}
	}
	pa := fullPhase(t, "measure", start, a)
	pb := fullPhase(t, "measure-2", start.Add(3*time.Second), b)
	pb.Server.Nodes[0].Address = "127.0.0.2:2" // the servers of another repeat

	t.Run("one phase is unchanged", func(t *testing.T) {
		one, err := MergePhases([]Phase{pa})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := asJSON(t, one), asJSON(t, pa); got != want {
			t.Errorf("merging one phase changed it:\n got %s\nwant %s", got, want)
		}
	})

	m, err := MergePhases([]Phase{pa, pb})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("one and two phases have the same shape", func(t *testing.T) {
		if got, want := keyPaths(t, asJSON(t, m)), keyPaths(t, asJSON(t, pa)); !slices.Equal(got, want) {
			t.Errorf("merged keys:\n%v\nwant those of one phase:\n%v", got, want)
		}
	})
	t.Run("every summary is exact", func(t *testing.T) {
		want := summaryOf(t, all)
		for _, f := range SummaryFields() {
			s := f.Of(&m)
			if strings.Contains(f.Name, "resumed") {
				if s.Count != 0 {
					t.Errorf("%s: %d values, want none", f.Key, s.Count)
				}
				continue
			}
			if !reflect.DeepEqual(*s, want) {
				t.Errorf("%s = %+v\nwant the summary of all the values %+v", f.Key, *s, want)
			}
		}
	})
	t.Run("counts add up", func(t *testing.T) {
		n := int64(len(all))
		if m.Handshakes != (Handshakes{Total: n + 2, Full: n, Offered: 6, Failed: 2}) || m.Kinds.Full.Count != n {
			t.Errorf("handshakes %+v, full kind %d", m.Handshakes, m.Kinds.Full.Count)
		}
		if m.Errors["timeout"] != 2 || m.ErrorDetails[0].Count != 2 || m.Fallbacks["no_session"] != n || m.Negotiated[0].Count != n || m.OutOfRange != 2 {
			t.Errorf("errors %v %v fallbacks %v negotiated %v out of range %d", m.Errors, m.ErrorDetails, m.Fallbacks, m.Negotiated, m.OutOfRange)
		}
		if s := m.Server; s.Handshakes != n || s.Fallbacks["other_node"] != 6 || len(s.Nodes) != 1 || s.Nodes[0].Full != n || s.Nodes[0].Fallbacks["other_node"] != 6 || s.Nodes[0].Address != "" {
			t.Errorf("server %+v, nodes %+v: want the sums, and no address (the node had two)", s, s.Nodes)
		}
		if c := m.Nodes[0]; c.Completed != n || c.Failed != 2 || c.Address != "127.0.0.2:1" {
			t.Errorf("client node %+v: want the sums under the one address", c)
		}
		if m.Matrix[0][0] != (Cell{Offered: 6, Resumed: 4}) {
			t.Errorf("matrix = %v, want [[{6 4}]]", m.Matrix)
		}
		if pc := m.Pacing; pc.Scheduled != n+2 || pc.Late != 4 || pc.OfferedRatePerS != 100 || pc.Arrival != "poisson" {
			t.Errorf("pacing %+v", pc)
		}
		if m.Name != "measure+measure-2" || len(m.Intervals) != 2 || m.Intervals[1].StartS != 3 {
			t.Errorf("name %q, intervals %+v: want both, the second 3 s in", m.Name, m.Intervals)
		}
	})
	t.Run("figures are recomputed", func(t *testing.T) {
		near := func(name string, got, want float64) {
			t.Helper()
			if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
				t.Errorf("%s = %g, want %g", name, got, want)
			}
		}
		n := float64(len(all))
		near("window", m.WindowS, 4)
		near("rate", m.RatePerS, n/4)
		near("client CPU/hs", m.CPUUSPerHandshake.Client, 2e6/n)
		near("server CPU/hs", m.CPUUSPerHandshake.Server, 1e6/n)
		near("client user CPU/hs", m.CPUUSPerHandshake.ClientUser, 1.5e6/n)
		near("client system CPU/hs", m.CPUUSPerHandshake.ClientSystem, 0.5e6/n)
		near("server user CPU/hs", m.CPUUSPerHandshake.ServerUser, 0.75e6/n)
		near("server system CPU/hs", m.CPUUSPerHandshake.ServerSystem, 0.25e6/n)
		near("client user CPU s", m.CPU.ClientUserS, 1.5)
		near("server system CPU s", m.CPU.ServerSystemS, 0.25)
		near("bytes c→s", m.BytesPerHandshake.ClientToServer, 300)
		near("full kind's bytes s→c", m.Kinds.Full.BytesPerHandshake.ServerToClient, 1200)
		near("machine busy", m.CPU.MachineBusy, 0.5)
		near("client cores", m.CPU.ClientUtil, 0.5)
		near("predicted share", m.Prediction.ResumedShare, 0.25)
		near("tolerance", m.Prediction.Tolerance, 0.1)
		if *m.SchedLagUS != (IntervalLatency{P50: 100, P99: 900}) {
			t.Errorf("sched lag %+v", *m.SchedLagUS)
		}
	})

	t.Run("closed and open loop", func(t *testing.T) {
		closed := pb
		closed.Pacing = nil
		m, err := MergePhases([]Phase{pa, closed})
		if err != nil {
			t.Fatal(err)
		}
		if m.Pacing.Scheduled != pa.Pacing.Scheduled || !reflect.DeepEqual(m.Pacing.LagUS, pa.Pacing.LagUS) {
			t.Errorf("pacing %+v: want the open-loop phase's alone", m.Pacing)
		}
	})
	t.Run("a summary one phase lacks is left empty", func(t *testing.T) {
		old := pb
		old.LatencyUS.Total = Summary{}
		m, err := MergePhases([]Phase{pa, old})
		if err != nil {
			t.Fatal(err)
		}
		if m.LatencyUS.Total != (Summary{}) || m.LatencyUS.Handshake.Count != int64(len(all)) {
			t.Errorf("total %+v, handshake count %d", m.LatencyUS.Total, m.LatencyUS.Handshake.Count)
		}
	})
	if _, err := MergePhases(nil); err == nil {
		t.Error("merging no phases: no error")
	}
}

// TestMergeHistogramsRefuses: a histogram that cannot be added exactly is
// an error, never a silent loss.
func TestMergeHistogramsRefuses(t *testing.T) {
	t.Parallel()
	coarse := hdrhistogram.New(MinLatencyUS, MaxLatencyUS, 2)
	coarse.RecordValue(1234)
	enc, err := coarse.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		t.Fatal(err)
	}
	good := summaryOf(t, []int64{100, 200})
	lying := good
	lying.Count = 3
	tests := []struct {
		name string
		s    Summary
		want string
	}{
		{"other precision", Summary{Count: 1, HDR: string(enc)}, "2 significant digits"},
		{"count differs", lying, "summary says 3"},
		{"no histogram", Summary{Count: 1}, "no histogram"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := MergeHistograms(&good, &tt.s)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one saying %q", err, tt.want)
			}
		})
	}
	h, err := MergeHistograms(&good, &good)
	if err != nil || h.TotalCount() != 4 {
		t.Errorf("merging two good histograms: %v values, %v", h, err)
	}

	p := fullPhase(t, "measure", time.Now(), []int64{1, 2, 3})
	p.Kinds.Full.LatencyUS.Total = Summary{Count: 1, HDR: string(enc)}
	if _, err := MergePhases([]Phase{p}); err == nil || !strings.Contains(err.Error(), "kinds.full.latency_us.total") {
		t.Errorf("merging a phase with a coarse histogram: %v, want an error naming the summary", err)
	}
}
