package scenarios

import (
	"fmt"
	"slices"

	"github.com/tlsbench/tlsbench/scenarios/kex"
)

// maxIntermediates bounds tls.chain.intermediates.
const maxIntermediates = 8

// tlsServer checks what the tls block asks of the servers tlsbench starts:
// tls.server_groups (the embedded testbed's group preference) and
// tls.chain (the shape of the throwaway chain).
func (v *validator) tlsServer(s *Scenario) {
	t := s.TLS
	if len(t.ServerGroups) > 0 {
		switch {
		case !s.Target.Embedded():
			v.add("tls.server_groups", "server_groups sets the embedded testbed's group preference; the target is remote and has its own")
		case s.Server != ServerEmbedded:
			v.add("tls.server_groups", "server_groups sets the embedded testbed's group preference, not %s's: leave it out, or use server embedded", s.Server)
		}
	}
	first := make(map[kex.Group]int, len(t.ServerGroups))
	for i, g := range t.ServerGroups {
		path := fmt.Sprintf("tls.server_groups[%d]", i)
		if !enum(v, path, "group", g, groups) {
			continue
		}
		if j, dup := first[g]; dup {
			v.add(path, "duplicate group %q (also tls.server_groups[%d])", g, j)
			continue
		}
		first[g] = i
	}
	if len(t.ServerGroups) > 0 && len(t.Groups) > 0 && !slices.ContainsFunc(t.Groups, func(g kex.Group) bool {
		return slices.Contains(t.ServerGroups, g) && (t.Version == TLS13 || !g.TLS13Only())
	}) {
		v.add("tls.server_groups", "no group in common with tls.groups %v that TLS %s can negotiate: every handshake would fail", t.Groups, t.Version)
	}
	if t.Version == TLS12 && len(t.ServerGroups) > 0 && !slices.ContainsFunc(t.ServerGroups, func(g kex.Group) bool { return !g.TLS13Only() }) {
		v.add("tls.server_groups", "TLS 1.2 cannot negotiate the hybrid post-quantum groups: name a classical one too")
	}
	if c := t.Chain; c != nil {
		switch {
		case t.CertFile != "":
			v.add("tls.chain", "chain shapes the throwaway chain tlsbench makes; with cert_file your own chain is served as it is")
		case !s.Target.Embedded():
			v.add("tls.chain", "chain shapes the chain of servers tlsbench starts; the target is remote")
		}
		v.rangeInt("tls.chain.intermediates", c.Intermediates, 0, maxIntermediates)
	}
}
