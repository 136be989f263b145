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
	var b bytes.Buffer
	if err := WriteRuns(&b, []*results.Run{plain, lab}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	if !strings.Contains(lines[0], "phase    RTT ms") || !strings.Contains(lines[0], inRTTsHead) {
		t.Errorf("header %q lacks the network columns", lines[0])
	}
	if f := strings.Fields(lines[2]); f[2] != "40" || !strings.Contains(lines[2], "1.02, 2.09/- (2/-)") {
		t.Errorf("the link's row %q: want RTT 40 and 1.02, 2.09/- (2/-)", lines[2])
	}
	if f := strings.Fields(lines[1]); f[2] != "-" {
		t.Errorf("the loopback row %q: want - for its RTT", lines[1])
	}
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
