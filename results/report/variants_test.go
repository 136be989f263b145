package report

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tlsbench/tlsbench/results"
)

func variantRun(t *testing.T, name string, mtls, ech bool, cpuClient, cpuServer, c2s float64) *results.Run {
	t.Helper()
	hist := results.NewHistogram()
	for range 100 {
		hist.RecordValue(1000)
	}
	sum, err := results.Summarize(hist)
	if err != nil {
		t.Fatal(err)
	}
	empty, err := results.Summarize(nil)
	if err != nil {
		t.Fatal(err)
	}
	lat := results.Latency{Connect: sum, Handshake: sum, Total: sum}
	h := results.Handshakes{Total: 100, Full: 100}
	if mtls {
		h.ClientCert = 100
	}
	if ech {
		h.ECHOffered, h.ECHAccepted = 100, 100
	}
	r := &results.Run{
		Label: name,
		Labels: results.Labels{TLSVersion: "1.3", Key: "ecdsa-p256", Resumption: "none", Server: "embedded",
			Topology: results.TopologyLabels{Nodes: 1}, MTLS: mtls, ECH: ech},
		Phases: []results.Phase{{
			Name: "measure", Measured: true, WindowS: 1, RatePerS: 100, Handshakes: h,
			LatencyUS: lat,
			Kinds: results.Kinds{Full: results.Kind{Count: 100, LatencyUS: lat},
				Resumed: results.Kind{LatencyUS: results.Latency{Connect: empty, Handshake: empty, Total: empty}}},
			CPUUSPerHandshake: results.CPUPerHandshake{Client: cpuClient, Server: cpuServer},
			CPU:               results.CPU{ServerObserved: true},
			BytesPerHandshake: results.Bytes{ClientToServer: c2s, ServerToClient: 1255},
		}},
	}
	if mtls {
		r.Labels.ClientKey = "ecdsa-p256"
	}
	if ech {
		r.Target.ECHPublicName = "public.tlsbench.test"
	}
	return r
}

// TestWriteVariants: mutual TLS and ECH rows beside their baseline, with
// the difference; nothing for a set without a variant.
func TestWriteVariants(t *testing.T) {
	plain := variantRun(t, "full", false, false, 700, 600, 333)
	runs := []*results.Run{plain, variantRun(t, "mtls-full", true, false, 850, 1050, 1298), variantRun(t, "ech-full", false, true, 820, 700, 483)}
	var b strings.Builder
	if err := (View{Wide: true}).WriteVariants(&b, runs); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"== what mutual TLS and ECH cost",
		"mTLS ecdsa-p256  mtls-full  full",
		"700 → 850 (+150)", "600 → 1050 (+450)", "333 → 1298 (+965)",
		"ECH              ech-full   full",
		"333 → 483 (+150)", "1255 → 1255 (+0) ~",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	b.Reset()
	if err := WriteVariants(&b, runs); err != nil {
		t.Fatal(err)
	}
	for l := range strings.Lines(b.String()) {
		if n := utf8.RuneCountInString(strings.TrimRight(l, "\n")); n > Width {
			t.Errorf("default view: a line of %d characters:\n%s", n, l)
		}
	}
	if strings.Contains(b.String(), "333 → 1298") {
		t.Errorf("default view shows the bytes:\n%s", b.String())
	}
	b.Reset()
	if err := WriteVariants(&b, []*results.Run{plain}); err != nil || b.Len() != 0 {
		t.Errorf("no variant: %q, %v; want nothing", b.String(), err)
	}
	b.Reset()
	writeVariantLines(&b, runs[2])
	if got := b.String(); got != "ECH (measure): accepted on 100 of 100 completed handshakes, public name public.tlsbench.test\n" {
		t.Errorf("ECH line %q", got)
	}
}
