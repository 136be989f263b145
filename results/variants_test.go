package results

import "testing"

// TestVariants: each group run with mutual TLS or ECH is paired with the
// group whose labels are the same but for the variant, the resumption
// mode included; a variant without such a group is left out.
func TestVariants(t *testing.T) {
	t.Parallel()
	mtls := func(l *Labels) { l.MTLS, l.ClientKey = true, "ecdsa-p256" }
	ech := func(l *Labels) { l.ECH = true }
	runs := []*Run{
		labelled(t, "full", "none", nil),
		labelled(t, "mtls-full", "none", mtls),
		labelled(t, "ech-full", "none", ech),
		labelled(t, "resumed", "tickets", nil),
		labelled(t, "mtls-resumed", "tickets", mtls),
		labelled(t, "mtls-ech-full", "none", func(l *Labels) { mtls(l); ech(l) }),
		// No baseline: TLS 1.2 is run only with mutual TLS.
		labelled(t, "mtls-12", "none", func(l *Labels) { mtls(l); l.TLSVersion = "1.2" }),
	}
	var got []string
	for _, p := range NewSet(runs).Variants() {
		got = append(got, p.What+": "+p.Variant.Name+" beside "+p.Baseline.Name)
	}
	want := []string{
		"mTLS ecdsa-p256: mtls-full beside full",
		"ECH: ech-full beside full",
		"mTLS ecdsa-p256: mtls-resumed beside resumed",
		"mTLS ecdsa-p256 + ECH: mtls-ech-full beside full",
	}
	if len(got) != len(want) {
		t.Fatalf("pairs %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("pair %d: %q, want %q", i, got[i], want[i])
		}
	}
	if title := runs[1].Labels.Title(); title != "TLS 1.3 · ecdsa-p256 · x25519 · mTLS ecdsa-p256 · 3 nodes, random, ticket keys per-node, cache off" {
		t.Errorf("title %q", title)
	}
}
