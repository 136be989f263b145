package results

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func labelled(t *testing.T, name, resumption string, edit func(*Labels)) *Run {
	r := sampleRun(t)
	r.Label, r.Scenario.Name = name, name
	r.Labels = Labels{
		TLSVersion: "1.3", Key: "ecdsa-p256", Groups: []string{"x25519"}, Resumption: resumption,
		Server: "embedded", AfterHandshake: "read-eof",
		Topology: TopologyLabels{Nodes: 3, Balance: "random", TicketKeys: "per-node", SessionCache: "off"},
	}
	if edit != nil {
		edit(&r.Labels)
	}
	return r
}

// describe writes a set as "setup title: group(runs) group(runs) | ...".
func describe(s *Set) string {
	var parts []string
	for _, st := range s.Setups {
		var gs []string
		for _, g := range st.Groups {
			gs = append(gs, fmt.Sprintf("%s(%d)", g.Name, len(g.Runs)))
		}
		parts = append(parts, st.Title+": "+strings.Join(gs, " "))
	}
	return strings.Join(parts, " | ")
}

func TestNewSet(t *testing.T) {
	t.Parallel()
	const title = "TLS 1.3 · ecdsa-p256 · x25519 · 3 nodes, random, ticket keys per-node, cache off"
	unlabelled := func(name string) *Run {
		r := sampleRun(t)
		r.Label, r.Scenario.Name = "", name
		return r
	}
	tests := []struct {
		name string
		runs []*Run
		want string
	}{
		{"repeats and resumption modes share a setup, the baseline first",
			[]*Run{labelled(t, "resumed", "tickets", nil), labelled(t, "full", "none", nil), labelled(t, "resumed", "tickets", nil)},
			title + ": full(1) resumed(2)"},
		{"another key is another setup",
			[]*Run{labelled(t, "ecdsa", "none", nil), labelled(t, "rsa", "none", func(l *Labels) { l.Key = "rsa-2048" })},
			title + ": ecdsa(1) | TLS 1.3 · rsa-2048 · x25519 · 3 nodes, random, ticket keys per-node, cache off: rsa(1)"},
		{"setups with one title are told apart",
			[]*Run{labelled(t, "eof", "none", nil), labelled(t, "http", "none", func(l *Labels) { l.AfterHandshake = "http" })},
			title + ": eof(1) | " + title + " (setup 2): http(1)"},
		{"one name in two setups is two groups",
			[]*Run{labelled(t, "x", "none", nil), labelled(t, "x", "none", func(l *Labels) { l.Server, l.Target = "remote", "198.51.100.1:443" })},
			title + ": x(1) | " + title + " · → 198.51.100.1:443: x(1)"},
		{"runs without labels: a setup per name, compared with nothing",
			[]*Run{unlabelled("old-full"), unlabelled("old-resumed"), unlabelled("old-full"), labelled(t, "new", "none", nil)},
			"unknown setup (old-full): old-full(2) | unknown setup (old-resumed): old-resumed(1) | " + title + ": new(1)"},
		{"a run without a name",
			[]*Run{unlabelled(""), nil, unlabelled("")},
			"unknown setup (run 1): run 1(1) | unknown setup (run 3): run 3(1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := describe(NewSet(tt.runs)); got != tt.want {
				t.Errorf("set:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
	s := NewSet([]*Run{labelled(t, "a", "none", nil), labelled(t, "b", "none", func(l *Labels) { l.Key = "rsa-2048" })})
	if s.Groups[1].Setup != 1 || s.Setups[0].Labels.Resumption != "" || !s.Setups[0].Known {
		t.Errorf("group setup index %d, setup labels %+v", s.Groups[1].Setup, s.Setups[0].Labels)
	}
}

func TestLabelsTitle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		l    Labels
		want string
	}{
		{Labels{TLSVersion: "1.2", Key: "rsa-2048", Server: "embedded", Topology: TopologyLabels{Nodes: 1}}, "TLS 1.2 · rsa-2048 · default groups"},
		{Labels{TLSVersion: "1.3", Key: "ecdsa-p256", Groups: []string{"x25519", "secp256r1"}, Server: "nginx",
			Topology: TopologyLabels{Preset: "aws-nlb", Nodes: 3, Balance: "random", TicketKeys: "shared", RotateKeysEvery: "2s"}},
			"TLS 1.3 · ecdsa-p256 · x25519,secp256r1 · aws-nlb (3 nodes), random, ticket keys shared rotated every 2s · nginx"},
		{Labels{}, "unknown setup"},
	}
	for _, tt := range tests {
		if got := tt.l.Title(); got != tt.want {
			t.Errorf("Title() = %q, want %q", got, tt.want)
		}
	}
	if got := (TopologyLabels{}).String(); got != "" {
		t.Errorf("no topology: %q, want empty", got)
	}
}

func TestCompareSets(t *testing.T) {
	t.Parallel()
	full, resumed, other := labelled(t, "full", "none", nil), labelled(t, "resumed", "tickets", nil), labelled(t, "other", "none", nil)
	names := func(c *Comparisons) string {
		var out []string
		for _, p := range c.Pairs {
			out = append(out, p.A[0].Name()+"~"+p.B[0].Name())
		}
		return strings.Join(out, " ") + " onlyA=" + strings.Join(c.OnlyA, ",") + " onlyB=" + strings.Join(c.OnlyB, ",")
	}
	c, err := CompareSets([]*Run{full}, []*Run{resumed}, Rule{})
	if err != nil || names(c) != "full~resumed onlyA= onlyB=" || len(c.Pairs[0].Metrics) != len(Metrics()) {
		t.Errorf("one group a side: %v, %v", names(c), err)
	}
	c, err = CompareSets([]*Run{full, resumed, full}, []*Run{resumed, other, full}, Rule{})
	if err != nil || names(c) != "full~full resumed~resumed onlyA= onlyB=other" || len(c.Pairs[0].A) != 2 {
		t.Errorf("matched by name: %v, %v", names(c), err)
	}
	if _, err := CompareSets([]*Run{full, resumed}, []*Run{other, labelled(t, "x", "none", nil)}, Rule{}); err == nil ||
		!strings.Contains(err.Error(), "no scenario is in both sets (A: full, resumed; B: other, x)") {
		t.Errorf("nothing in common: %v", err)
	}

	rsa := labelled(t, "rsa", "none", func(l *Labels) { l.Key = "rsa-2048" })
	within := NewSet([]*Run{resumed, full, rsa, other, labelled(t, "cache", "cache", nil)}).WithinSetups(Rule{})
	if got := names(within); got != "full~other full~resumed full~cache onlyA= onlyB=" {
		t.Errorf("within setups: %s", got)
	}
	if !slices.ContainsFunc(within.Pairs, func(p Pair) bool { return len(p.Metrics) > 0 }) {
		t.Error("within setups: no metrics compared")
	}
}
