package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tlsbench/tlsbench/results"
)

// TestLinkColumns: a table of phases behind a link gets the RTT and the
// latencies in RTTs with the round trips; one on loopback does not, and a
// loopback row beside a link's shows dashes.
func TestLinkColumns(t *testing.T) {
	two := 2
	link := results.Phase{Name: "measure", Measured: true,
		LatencyUS: results.Latency{Connect: results.Summary{P50: 40800}},
		Kinds: results.Kinds{Full: results.Kind{Count: 9, LatencyUS: results.Latency{Handshake: results.Summary{P50: 83600}},
			KindNetwork: results.KindNetwork{RoundTrips: &two}}},
		Link: &results.Link{RTTUS: 40000},
	}
	loop := results.Phase{Name: "measure", Measured: true}
	lab := &results.Run{Label: "lab", Phases: []results.Phase{link},
		Labels:  results.Labels{Server: "embedded", Network: &results.NetworkLabels{RTT: "40ms"}},
		Network: &results.Network{MSS: 1448, InitCwnd: 10, InitialWindowBytes: 14480, Congestion: "reno"}}
	plain := &results.Run{Label: "plain", Phases: []results.Phase{loop}}
	for _, tt := range []struct {
		view       View
		head, cell string
	}{
		{View{}, "RTTs f/r (trips)", "2.09/- (2/-)"},
		{View{Wide: true}, "in RTTs: connect, hs full/resumed (round trips)", "1.02, 2.09/- (2/-)"},
	} {
		var b bytes.Buffer
		if err := tt.view.WriteRuns(&b, []*results.Run{plain, lab}); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(b.String(), "\n")
		if !strings.Contains(lines[0], "RTT ms") || !strings.Contains(lines[0], tt.head) {
			t.Errorf("wide %v: header %q lacks the network columns", tt.view.Wide, lines[0])
		}
		if !strings.Contains(lines[2], " 40 ") || !strings.Contains(lines[2], tt.cell) {
			t.Errorf("wide %v: the link's row %q: want RTT 40 and %s", tt.view.Wide, lines[2], tt.cell)
		}
		if strings.Contains(lines[1], " 40 ") || !strings.Contains(lines[1], " - ") {
			t.Errorf("wide %v: the loopback row %q: want - for its RTT", tt.view.Wide, lines[1])
		}
	}
	var b bytes.Buffer
	b.Reset()
	if err := WriteRun(&b, lab); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "network: 40ms RTT; MSS 1448 B, initial window 10 × 1448 = 14480 B, reno congestion control") {
		t.Errorf("WriteRun does not describe the network:\n%s", b.String())
	}
	b.Reset()
	if err := WriteRuns(&b, []*results.Run{plain}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "RTT") {
		t.Errorf("a loopback table has network columns:\n%s", b.String())
	}
}
