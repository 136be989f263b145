package kex_test

import (
	"crypto/tls"
	"testing"

	"github.com/tlsbench/tlsbench/scenarios/kex"
)

// TestTable: every group's name and code point round-trip, and a name or
// code point outside the table is named as such.
func TestTable(t *testing.T) {
	seen := map[tls.CurveID]kex.Group{}
	for _, g := range kex.Groups() {
		id, ok := g.ID()
		if !ok || !g.Known() {
			t.Errorf("%s: not found by name", g)
			continue
		}
		if other, dup := seen[id]; dup {
			t.Errorf("%s and %s share code point %d", g, other, id)
		}
		seen[id] = g
		if got := kex.Named(id); got != g {
			t.Errorf("Named(%d) = %s, want %s", id, got, g)
		}
	}
	tests := []struct {
		id   tls.CurveID
		want kex.Group
	}{
		{0, "none"},
		{tls.X25519, kex.X25519},
		{tls.CurveID(0x1234), "group-4660"},
	}
	for _, tt := range tests {
		if got := kex.Named(tt.id); got != tt.want {
			t.Errorf("Named(%#x) = %q, want %q", uint16(tt.id), got, tt.want)
		}
	}
	if kex.Group("x448").Known() {
		t.Error("x448 is known, want unknown")
	}
	if !kex.X25519MLKEM768.TLS13Only() || kex.P256.TLS13Only() {
		t.Error("TLS13Only: want the hybrids only")
	}
}
