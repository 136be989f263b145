// Package kex names the key-exchange groups tlsbench knows: the one table
// of the names scenarios and results use ("x25519") and the tls.CurveID
// each stands for. Package scenarios validates group names against it,
// package bench turns a scenario's groups into the generator's
// CurvePreferences with it, package loadgen names the negotiated group in
// results with it, and package check offers each of its groups in turn.
//
// It holds names and a table only: it opens no connection.
package kex

import (
	"crypto/tls"
	"fmt"
)

// Group is a key-exchange group's name, as scenarios and results write it.
type Group string

// The groups tlsbench knows, in the order of Groups.
const (
	X25519             Group = "x25519"
	X25519MLKEM768     Group = "x25519mlkem768"
	SecP256r1MLKEM768  Group = "secp256r1mlkem768"
	SecP384r1MLKEM1024 Group = "secp384r1mlkem1024"
	P256               Group = "p256"
	P384               Group = "p384"
	P521               Group = "p521"
)

// table is every known group with its code point; tls13 marks the hybrid
// post-quantum groups, which TLS 1.2 cannot negotiate.
var table = [...]struct {
	group Group
	id    tls.CurveID
	tls13 bool
}{
	{X25519, tls.X25519, false},
	{X25519MLKEM768, tls.X25519MLKEM768, true},
	{SecP256r1MLKEM768, tls.SecP256r1MLKEM768, true},
	{SecP384r1MLKEM1024, tls.SecP384r1MLKEM1024, true},
	{P256, tls.CurveP256, false},
	{P384, tls.CurveP384, false},
	{P521, tls.CurveP521, false},
}

// Groups returns every known group, in the table's order (classical
// X25519, the hybrids, then the NIST curves). The slice is the caller's.
func Groups() []Group {
	out := make([]Group, len(table))
	for i, e := range table {
		out[i] = e.group
	}
	return out
}

// ID returns the group's TLS code point, and false for a name that is not
// in the table.
func (g Group) ID() (tls.CurveID, bool) {
	for _, e := range table {
		if e.group == g {
			return e.id, true
		}
	}
	return 0, false
}

// Known reports whether g is in the table.
func (g Group) Known() bool {
	_, ok := g.ID()
	return ok
}

// TLS13Only reports whether g can be negotiated only in TLS 1.3 (the
// hybrid post-quantum groups). It is false for an unknown name.
func (g Group) TLS13Only() bool {
	for _, e := range table {
		if e.group == g {
			return e.tls13
		}
	}
	return false
}

// Named returns the name of a code point: its table name, "none" for 0
// (no key exchange, as in a resumption without one), or "group-N" for a
// code point the table does not know.
func Named(id tls.CurveID) Group {
	if id == 0 {
		return "none"
	}
	for _, e := range table {
		if e.id == id {
			return e.group
		}
	}
	return Group(fmt.Sprintf("group-%d", uint16(id)))
}
