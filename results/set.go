package results

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Set is a set of runs grouped for charts, tables, comparisons and
// reports, the one grouping all of them use:
//
//   - a Group is the runs of one name (Run.Name) in one setup: the repeats
//     of a scenario;
//   - a Setup is the groups whose labels (Run.Labels) agree in everything
//     but the resumption mode: runs of one configuration with resumption
//     on or off, to be compared with each other.
//
// Runs without labels (files written before labels existed) have an
// unknown setup: each name is a setup of its own, titled "unknown setup
// (name)", and is compared with nothing. No reader parses the scenario
// config to guess it.
type Set struct {
	// Groups are the set's groups in order of first appearance.
	Groups []*Group
	// Setups are the set's setups in order of first appearance.
	Setups []*Setup
}

// Group is the runs of one name in one setup.
type Group struct {
	// Name is the runs' name (Run.Name), or "run N" for a run without a
	// name (N its place in the set, from 1).
	Name string
	// Runs are the runs in the order given.
	Runs []*Run
	// Setup is the index of the group's setup in Set.Setups.
	Setup int
}

// Labels returns the labels of the group's runs.
func (g *Group) Labels() Labels { return g.Runs[0].Labels }

// Setup is the groups of one setup.
type Setup struct {
	// Labels are the labels the groups share, with Resumption empty.
	Labels Labels
	// Known is false for runs without labels.
	Known bool
	// Title names the setup in a few words (see Labels.Title), unique in
	// the set: a second setup with the same title is "... (setup 2)".
	Title string
	// Groups are the setup's groups: those without resumption first, then
	// the others, each in order of first appearance. The first is the
	// setup's baseline, which charts and reports compare the others with.
	Groups []*Group
}

// NewSet groups runs (see Set). Nil runs are left out.
func NewSet(runs []*Run) *Set {
	s := &Set{}
	type key struct{ name, setup string }
	groups := map[key]*Group{}
	setups := map[string]int{}
	for i, r := range runs {
		if r == nil {
			continue
		}
		name := r.Name()
		if name == "" {
			name = fmt.Sprintf("run %d", i+1)
		}
		sk := r.Labels.setupKey(name)
		g := groups[key{name, sk}]
		if g == nil {
			idx, ok := setups[sk]
			if !ok {
				idx = len(s.Setups)
				setups[sk] = idx
				l := r.Labels
				l.Resumption = ""
				st := &Setup{Labels: l, Known: r.Labels.Known(), Title: l.Title()}
				if !st.Known {
					st.Title = "unknown setup (" + name + ")"
				}
				s.Setups = append(s.Setups, st)
			}
			g = &Group{Name: name, Setup: idx}
			groups[key{name, sk}] = g
			s.Groups = append(s.Groups, g)
			s.Setups[idx].Groups = append(s.Setups[idx].Groups, g)
		}
		g.Runs = append(g.Runs, r)
	}
	for _, st := range s.Setups {
		slices.SortStableFunc(st.Groups, func(a, b *Group) int {
			return resumes(a) - resumes(b)
		})
	}
	titles := map[string]int{}
	for _, st := range s.Setups {
		titles[st.Title]++
		if n := titles[st.Title]; n > 1 {
			st.Title = fmt.Sprintf("%s (setup %d)", st.Title, n)
		}
	}
	return s
}

// resumes is 0 for a group without resumption, 1 for the others.
func resumes(g *Group) int {
	if g.Labels().Resumption == "none" {
		return 0
	}
	return 1
}

// Known reports whether the labels were written (by a tlsbench that
// writes them): every run it writes names its server.
func (l Labels) Known() bool { return l.Server != "" }

// setupKey identifies the setup of labels: everything but the resumption
// mode. Runs without labels each have their own, by name.
func (l Labels) setupKey(name string) string {
	if !l.Known() {
		return "unknown\x00" + name
	}
	l.Resumption = ""
	b, err := json.Marshal(l)
	if err != nil { // a struct of strings and ints always marshals
		panic(err)
	}
	return string(b)
}

// Title names the setup in a few words: "TLS 1.3 · ecdsa-p256 · x25519",
// with the topology when there is more than one node or a preset, the
// server software when it is a real server, the target when it is
// remote, and the network when there is one ("40ms RTT, 1% loss"). The
// resumption mode is not in it.
func (l Labels) Title() string {
	var parts []string
	if l.TLSVersion != "" {
		parts = append(parts, "TLS "+l.TLSVersion)
	}
	if l.Key != "" {
		parts = append(parts, l.Key)
	}
	if len(l.Groups) > 0 {
		parts = append(parts, strings.Join(l.Groups, ","))
	} else if l.TLSVersion != "" {
		parts = append(parts, "default groups")
	}
	if l.MTLS {
		parts = append(parts, "mTLS "+l.ClientKey)
	}
	if l.ECH {
		parts = append(parts, "ECH")
	}
	if l.Topology.Nodes > 1 || l.Topology.Preset != "" {
		parts = append(parts, l.Topology.String())
	}
	if l.Server != "" && l.Server != "embedded" && l.Server != "remote" {
		parts = append(parts, l.Server)
	}
	if l.Target != "" {
		parts = append(parts, "→ "+l.Target)
	}
	if len(l.ServerGroups) > 0 {
		parts = append(parts, "server groups "+strings.Join(l.ServerGroups, ","))
	}
	if l.Intermediates > 0 {
		parts = append(parts, fmt.Sprintf("chain +%d intermediates", l.Intermediates))
	}
	if l.Network != nil {
		parts = append(parts, l.Network.String())
	}
	if len(parts) == 0 {
		return "unknown setup"
	}
	return strings.Join(parts, " · ")
}

// String describes the fleet in words: "3 nodes, random, ticket keys
// per-node, cache per-node", "aws-alb (3 nodes), random, ...". Empty for
// labels that do not say (Nodes 0).
func (t TopologyLabels) String() string {
	if t.Nodes == 0 {
		return ""
	}
	s := fmt.Sprintf("%d node", t.Nodes)
	if t.Nodes != 1 {
		s += "s"
	}
	if t.Preset != "" {
		s = t.Preset + " (" + s + ")"
	}
	if t.Nodes > 1 && t.Balance != "" {
		s += ", " + t.Balance
	}
	if t.TicketKeys != "" {
		s += ", ticket keys " + t.TicketKeys
	}
	if t.RotateKeysEvery != "" {
		s += " rotated every " + t.RotateKeysEvery
	}
	if t.SessionCache != "" {
		s += ", cache " + t.SessionCache
	}
	return s
}

// WithinSetups compares, in every setup of more than one group, its
// baseline with each of the others (B: the other, A: the baseline). Pairs
// whose runs cannot be compared (no measured phase) are left out.
func (s *Set) WithinSetups(rule Rule) *Comparisons {
	c := &Comparisons{Rule: rule}
	for _, st := range s.Setups {
		for _, g := range st.Groups[1:] {
			m, err := Compare(st.Groups[0].Runs, g.Runs, rule)
			if err != nil {
				continue
			}
			c.Pairs = append(c.Pairs, Pair{A: st.Groups[0].Runs, B: g.Runs, Metrics: m})
		}
	}
	return c
}
