package results

import (
	"fmt"
	"math"
	"net"
	"slices"
	"strings"
)

// Topic is the question a finding answers.
type Topic string

// The topics of the findings Findings makes. A finder added later (a
// network's round trips, mTLS, ECH) adds its own.
const (
	// TopicServerCost: how much resumption saves the server (CPU per
	// handshake).
	TopicServerCost Topic = "resumption_server"
	// TopicClientCost: how much resumption saves the client (CPU per
	// handshake).
	TopicClientCost Topic = "resumption_client"
	// TopicLatency: how much resumption shortens the handshake.
	TopicLatency Topic = "resumption_latency"
	// TopicBytes: how many bytes resumption saves on the wire.
	TopicBytes Topic = "resumption_bytes"
	// TopicTopology: whether a fleet of several nodes resumes, and whether
	// that matches its prediction.
	TopicTopology Topic = "topology"
	// TopicPostQuantum: what a post-quantum (hybrid ML-KEM) group costs.
	TopicPostQuantum Topic = "post_quantum"
	// TopicCaveat: what limited the measurement.
	TopicCaveat Topic = "caveat"
)

// Chart names the chart a finding refers to: the chart's name as package
// plots draws it (plots.CPUChart is "cpu"). A test of the command line,
// which sees both packages, checks that each one is a chart plots draws.
const (
	chartRate       = "rate"
	chartLatency    = "latency"
	chartCPU        = "cpu"
	chartBytes      = "bytes"
	chartResumption = "resumption"
)

// Finding is one thing a set of runs shows, as data: a sentence written
// from measured values and their noise verdicts under a Rule, the numbers
// behind it, and the chart that shows it. A design-review page opens with
// them, each beside its chart. Findings are only made from what the runs
// measured: a question the runs cannot answer gets no finding.
type Finding struct {
	// Topic is the question the finding answers.
	Topic Topic `json:"topic"`
	// Caveat marks a limit of the measurement (the generator's CPU,
	// loopback, a warning) rather than a result.
	Caveat bool `json:"caveat,omitempty"`
	// Text is the finding as one sentence.
	Text string `json:"text"`
	// Chart is the name of the chart that shows it ("cpu"), as package
	// plots names its charts; empty when no chart does.
	Chart string `json:"chart,omitempty"`
	// Evidence are the numbers the sentence states.
	Evidence []Evidence `json:"evidence,omitempty"`
}

// Evidence is one number of a finding: a metric of a subject, against a
// baseline or a prediction.
type Evidence struct {
	// Subject is what the number is about: a setup ("TLS 1.2 ECDSA
	// P-256"), a scenario's name, or a set of runs.
	Subject string `json:"subject"`
	// Metric is the metric's ID (see Metrics), or "runs" for a count of
	// runs.
	Metric string `json:"metric"`
	// Unit is the unit of A and B.
	Unit string `json:"unit"`
	// A is the baseline (the run without resumption, the classical group)
	// or the prediction; B is the measured value compared with it. Both
	// are medians over repeats.
	A float64 `json:"a"`
	B float64 `json:"b"`
	// Beyond is true when B differs from A beyond noise under the rule
	// (for a prediction: beyond its tolerance).
	Beyond bool `json:"beyond_noise"`
}

// A Finder makes the findings of one kind from a set of runs, comparing
// under rule. It returns none when the runs cannot answer its question.
type Finder func(s *Set, rule Rule) []Finding

// Finders returns the finders Findings runs, in the order their findings
// appear: resumption's cost on the server and the client, its latency and
// bytes, topologies against their predictions, the post-quantum group's
// cost, and the caveats last. A new kind of run adds its finder here; the
// page that shows them does not change.
func Finders() []Finder {
	return []Finder{findServerCost, findClientCost, findLatency, findBytes, findTopology, findPostQuantum, findCaveats}
}

// Findings returns what the set's runs show (see Finders), results before
// caveats.
func (s *Set) Findings(rule Rule) []Finding {
	var out, caveats []Finding
	for _, f := range Finders() {
		for _, x := range f(s, rule) {
			if x.Caveat {
				caveats = append(caveats, x)
			} else {
				out = append(out, x)
			}
		}
	}
	return append(out, caveats...)
}

// item is one subject's comparison in a sentence.
type item struct {
	subject string
	c       Comparison
	g       *Group // the B side
}

// resumptionPairs returns, per setup, the comparison of its baseline
// without resumption (A) with each group that resumes (B), with the
// subjects that tell the setups apart.
func resumptionPairs(s *Set, rule Rule) (pairs []Pair, subjects []string, bs []*Group) {
	var parts [][]string
	for _, st := range s.Setups {
		if !st.Known || len(st.Groups) < 2 || st.Groups[0].Labels().Resumption != "none" {
			continue
		}
		for _, g := range st.Groups[1:] {
			if g.Labels().Resumption == "none" {
				continue
			}
			m, err := Compare(st.Groups[0].Runs, g.Runs, rule)
			if err != nil {
				continue
			}
			pairs = append(pairs, Pair{A: st.Groups[0].Runs, B: g.Runs, Metrics: m})
			parts = append(parts, subjectParts(st.Groups[0]))
			bs = append(bs, g)
		}
	}
	return pairs, distinct(parts), bs
}

// resumptionItems is the comparisons of one metric in resumptionPairs,
// those with a value on both sides.
func resumptionItems(s *Set, rule Rule, id string) []item {
	pairs, subjects, bs := resumptionPairs(s, rule)
	var out []item
	for i, p := range pairs {
		if c, ok := metric(p, id); ok && c.A.N > 0 && c.B.N > 0 {
			out = append(out, item{subject: subjects[i], c: c, g: bs[i]})
		}
	}
	return out
}

func metric(p Pair, id string) (Comparison, bool) {
	for _, c := range p.Metrics {
		if c.Metric.ID == id {
			return c, true
		}
	}
	return Comparison{}, false
}

func findServerCost(s *Set, rule Rule) []Finding {
	items := resumptionItems(s, rule, "cpu_server")
	if len(items) == 0 {
		return nil
	}
	text := resumptionSentence("the server's CPU per handshake", items)
	var kex []string
	for _, it := range items {
		if it.g.Labels().TLSVersion == "1.3" {
			if grp := negotiatedGroup(it.g); grp != "" {
				kex = appendOnce(kex, grp)
			}
		}
	}
	if len(kex) > 0 {
		text = strings.TrimSuffix(text, ".") + fmt.Sprintf("; TLS 1.3 resumption still runs a key exchange (psk_dhe_ke: the resumed handshakes negotiated %s).", joinAnd(kex))
	}
	return []Finding{{Topic: TopicServerCost, Text: text, Chart: chartCPU, Evidence: evidence(items)}}
}

func findClientCost(s *Set, rule Rule) []Finding {
	items := resumptionItems(s, rule, "cpu_client")
	if len(items) == 0 {
		return nil
	}
	return []Finding{{Topic: TopicClientCost, Text: resumptionSentence("the client's CPU per handshake", items), Chart: chartCPU, Evidence: evidence(items)}}
}

func findLatency(s *Set, rule Rule) []Finding {
	items := resumptionItems(s, rule, "handshake_p50")
	if len(items) == 0 {
		return nil
	}
	return []Finding{{Topic: TopicLatency, Text: resumptionSentence("the median handshake latency (p50)", items), Chart: chartLatency, Evidence: evidence(items)}}
}

func findBytes(s *Set, rule Rule) []Finding {
	items := resumptionItems(s, rule, "bytes_s2c")
	if len(items) == 0 {
		return nil
	}
	return []Finding{{Topic: TopicBytes, Text: resumptionSentence("the bytes the server sends per handshake", items), Chart: chartBytes, Evidence: evidence(items)}}
}

// resumptionSentence says how resumption changes noun, per subject:
// "Resumption cuts noun by 61 % for S1 (527 → 205 µs) and by 88 % for S2
// (...); it raises it by ... for S3 (...); for S4 (...) the difference is
// within noise."
func resumptionSentence(noun string, items []item) string {
	var better, worse, noise []string
	for _, it := range items {
		c := it.c
		span := fmt.Sprintf("(%s → %s)", figure(c.A.Median, ""), figure(c.B.Median, c.Metric.Unit))
		switch {
		case !c.Beyond:
			noise = append(noise, it.subject+" "+span)
		case c.Better():
			better = append(better, fmt.Sprintf("by %s for %s %s", relChange(c), it.subject, span))
		default:
			worse = append(worse, fmt.Sprintf("by %s for %s %s", relChange(c), it.subject, span))
		}
	}
	up, down := "raises", "cuts"
	if !items[0].c.Metric.HigherIsBetter {
		up, down = "cuts", "raises"
	}
	var parts []string
	if len(better) > 0 {
		parts = append(parts, fmt.Sprintf("Resumption %s %s %s", up, noun, joinAnd(better)))
	}
	if len(worse) > 0 {
		if len(parts) == 0 {
			parts = append(parts, fmt.Sprintf("Resumption %s %s %s", down, noun, joinAnd(worse)))
		} else {
			parts = append(parts, fmt.Sprintf("it %s it %s", down, joinAnd(worse)))
		}
	}
	if len(noise) > 0 {
		if len(parts) == 0 {
			parts = append(parts, fmt.Sprintf("Resumption does not change %s beyond noise for %s", noun, joinAnd(noise)))
		} else {
			parts = append(parts, fmt.Sprintf("for %s the difference is within noise", joinAnd(noise)))
		}
	}
	return strings.Join(parts, "; ") + "."
}

func evidence(items []item) []Evidence {
	var out []Evidence
	for _, it := range items {
		out = append(out, Evidence{Subject: it.subject, Metric: it.c.Metric.ID, Unit: it.c.Metric.Unit, A: it.c.A.Median, B: it.c.B.Median, Beyond: it.c.Beyond})
	}
	return out
}

// findTopology states, for every group of runs against several nodes, the
// measured resumption rate against the topology's prediction.
func findTopology(s *Set, _ Rule) []Finding {
	var as, off, unmodelled []string
	var ev []Evidence
	for _, g := range s.Groups {
		l := g.Labels()
		if !l.Known() || l.Topology.Nodes < 2 || l.Resumption == "none" {
			continue
		}
		m, err := g.measured()
		if err != nil || m.Handshakes.Completed() == 0 {
			continue
		}
		share := 100 * float64(m.Handshakes.Resumed) / float64(m.Handshakes.Completed())
		pr := m.Prediction
		if pr == nil {
			unmodelled = append(unmodelled, fmt.Sprintf("%s %s", g.Name, figure(share, "%")))
			ev = append(ev, Evidence{Subject: g.Name, Metric: "resumed_share", Unit: "%", A: math.NaN(), B: share})
			continue
		}
		within := math.Abs(pr.MeasuredShare-pr.ResumedShare) <= pr.Tolerance
		ev = append(ev, Evidence{Subject: g.Name, Metric: "resumed_share", Unit: "%", A: 100 * pr.ResumedShare, B: share, Beyond: !within})
		if within {
			as = append(as, fmt.Sprintf("%s %s (predicted %s)", g.Name, figure(share, "%"), figure(100*pr.ResumedShare, "%")))
		} else {
			off = append(off, fmt.Sprintf("%s resumes %s, outside the %s ± %.1f points its model predicts", g.Name, figure(share, "%"), figure(100*pr.ResumedShare, "%"), 100*pr.Tolerance))
		}
	}
	var parts []string
	if len(as) > 0 {
		lead := "The multi-node topologies resume as their models predict: "
		if len(off)+len(unmodelled) > 0 {
			lead = "These topologies resume as their models predict: "
		}
		parts = append(parts, lead+joinAnd(as))
	}
	if len(off) > 0 {
		lead := ""
		if len(parts) == 0 {
			lead = "The topologies do not resume as predicted: "
		}
		parts = append(parts, lead+joinAnd(off))
	}
	if len(unmodelled) > 0 {
		parts = append(parts, "without a prediction, "+joinAnd(unmodelled)+" resumed")
	}
	if len(parts) == 0 {
		return nil
	}
	text := strings.Join(parts, "; ")
	text = strings.ToUpper(text[:1]) + text[1:] + "."
	return []Finding{{Topic: TopicTopology, Text: text, Chart: chartResumption, Evidence: ev}}
}

// findPostQuantum compares groups whose setups differ only in the groups
// offered, where one negotiated a post-quantum hybrid group and the other
// a classical one: per resumption mode, the server's and the client's CPU
// per handshake and the bytes each way.
func findPostQuantum(s *Set, rule Rule) []Finding {
	type pq struct {
		classical, hybrid string
		subject           []string
		modes             []string // "full", "resumed"
		cmp               [][]Comparison
	}
	var found []*pq
	byBase := map[string]*pq{}
	for _, h := range s.Groups {
		hg := negotiatedGroup(h)
		if !h.Labels().Known() || !isHybrid(hg) {
			continue
		}
		for _, c := range s.Groups {
			cg := negotiatedGroup(c)
			if c == h || cg == "" || isHybrid(cg) || !sameButGroups(c.Labels(), h.Labels()) {
				continue
			}
			m, err := Compare(c.Runs, h.Runs, rule)
			if err != nil {
				continue
			}
			key := cg + "\x00" + hg + "\x00" + baseKey(c.Labels())
			x := byBase[key]
			if x == nil {
				x = &pq{classical: cg, hybrid: hg, subject: subjectParts(c)}
				byBase[key] = x
				found = append(found, x)
			}
			mode := "full"
			if c.Labels().Resumption != "none" {
				mode = "resumed"
			}
			x.modes = append(x.modes, mode)
			x.cmp = append(x.cmp, m)
			break
		}
	}
	var parts [][]string
	for _, x := range found {
		parts = append(parts, x.subject)
	}
	subjects := distinct(parts)
	var out []Finding
	for i, x := range found {
		var ev []Evidence
		clause := func(noun, id string, absolute bool) string {
			var per []string
			for j, m := range x.cmp {
				c, ok := metric(Pair{Metrics: m}, id)
				if !ok || c.A.N == 0 || c.B.N == 0 {
					continue
				}
				ev = append(ev, Evidence{Subject: subjects[i] + ", " + x.modes[j], Metric: id, Unit: c.Metric.Unit, A: c.A.Median, B: c.B.Median, Beyond: c.Beyond})
				s := delta(c, absolute)
				if len(x.cmp) > 1 {
					s += " in " + x.modes[j] + " handshakes"
				}
				per = append(per, s+" "+fmt.Sprintf("(%s → %s)", figure(c.A.Median, ""), figure(c.B.Median, c.Metric.Unit)))
			}
			if len(per) == 0 {
				return ""
			}
			return noun + " " + joinAnd(per)
		}
		var cl []string
		for _, c := range []string{
			clause("server CPU per handshake", "cpu_server", false),
			clause("client CPU", "cpu_client", false),
			clause("bytes client→server", "bytes_c2s", true),
			clause("bytes server→client", "bytes_s2c", true),
		} {
			if c != "" {
				cl = append(cl, c)
			}
		}
		if len(cl) == 0 {
			continue
		}
		text := fmt.Sprintf("The post-quantum hybrid group %s instead of %s (%s): %s.", x.hybrid, x.classical, subjects[i], strings.Join(cl, "; "))
		out = append(out, Finding{Topic: TopicPostQuantum, Text: text, Chart: chartCPU, Evidence: ev})
	}
	return out
}

// delta says how c's B differs from its A: "+34 %", "−12 %", "within
// noise"; with absolute, by how much in the metric's unit ("+1184 B").
func delta(c Comparison, absolute bool) string {
	if !c.Beyond {
		return "within noise"
	}
	sign := "+"
	if c.B.Median < c.A.Median {
		sign = "−"
	}
	if absolute {
		return sign + figure(math.Abs(c.B.Median-c.A.Median), c.Metric.Unit)
	}
	return sign + relChange(c)
}

// findCaveats says what limited the measurement: loopback and a shared
// machine, single runs judged by a threshold, and each warning code of the
// measured phases with the runs it concerns.
func findCaveats(s *Set, rule Rule) []Finding {
	var out []Finding
	var runs []*Run
	for _, g := range s.Groups {
		runs = append(runs, g.Runs...)
	}
	if len(runs) == 0 {
		return nil
	}
	loop, cpus := 0, map[int]bool{}
	for _, r := range runs {
		if onLoopback(r) {
			loop++
			cpus[r.Machine.CPUs] = true
		}
	}
	if loop > 0 {
		which := "Every run was"
		if loop < len(runs) {
			which = fmt.Sprintf("%d of %d runs were", loop, len(runs))
		}
		machine := "one machine"
		if len(cpus) == 1 {
			for n := range cpus {
				machine = fmt.Sprintf("one machine of %d CPU%s", n, plural(n))
			}
		}
		out = append(out, Finding{Topic: TopicCaveat, Caveat: true,
			Text: which + " measured on loopback, with generator and servers sharing " + machine +
				": there is no network round trip in the latencies (only CPU time and queueing), and the two sides compete for the CPUs.",
			Evidence: []Evidence{{Subject: "loopback", Metric: "runs", A: float64(len(runs)), B: float64(loop)}}})
	}
	single := true
	for _, g := range s.Groups {
		single = single && len(g.Runs) == 1
	}
	if single && len(s.Groups) > 1 {
		out = append(out, Finding{Topic: TopicCaveat, Caveat: true,
			Text: fmt.Sprintf("Each scenario ran once, so differences are judged by the %s threshold, not by a test over repeats (run --repeat 5 for the U test).", pct(rule.withDefaults().Threshold))})
	}
	var codes []WarningCode
	byCode := map[WarningCode][]string{}
	for _, r := range runs {
		for _, c := range Codes(r.MeasuredWarnings()) {
			if _, ok := byCode[c]; !ok {
				codes = append(codes, c)
			}
			byCode[c] = appendOnce(byCode[c], r.Name())
		}
	}
	for _, c := range codes {
		if c == WarnPredictionMismatch {
			continue // the topology finding states it with its numbers
		}
		names := byCode[c]
		n := 0
		for _, r := range runs {
			if slices.Contains(Codes(r.MeasuredWarnings()), c) {
				n++
			}
		}
		meaning := c.Meaning()
		if meaning == "" {
			meaning = "a warning this build does not know"
		}
		out = append(out, Finding{Topic: TopicCaveat, Caveat: true,
			Text:     fmt.Sprintf("`%s` in %d of %d runs (%s): %s.", c, n, len(runs), someOf(names, 4), meaning),
			Evidence: []Evidence{{Subject: string(c), Metric: "runs", A: float64(len(runs)), B: float64(n)}}})
	}
	return out
}

// onLoopback reports whether every address the run's connections went to
// is a loopback address.
func onLoopback(r *Run) bool {
	if r.Target.Kind == "remote" || len(r.Target.Addresses) == 0 {
		return false
	}
	for _, a := range r.Target.Addresses {
		host, _, err := net.SplitHostPort(a)
		if err != nil {
			host = a
		}
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			return false
		}
	}
	return true
}

// measured merges the measured phases of all of the group's runs.
func (g *Group) measured() (Phase, error) {
	var ps []Phase
	for _, r := range g.Runs {
		for _, p := range r.Phases {
			if p.Measured {
				ps = append(ps, p)
			}
		}
	}
	return MergePhases(ps)
}

// negotiatedGroup is the key-exchange group most of the group's measured
// handshakes negotiated; "" when none was recorded.
func negotiatedGroup(g *Group) string {
	counts := map[string]int64{}
	var best string
	for _, r := range g.Runs {
		for _, p := range r.Phases {
			if !p.Measured {
				continue
			}
			for _, n := range p.Negotiated {
				counts[n.Group] += n.Count
				if n.Group != "" && (best == "" || counts[n.Group] > counts[best]) {
					best = n.Group
				}
			}
		}
	}
	return best
}

// isHybrid reports whether a negotiated group is a post-quantum hybrid
// (ML-KEM with a classical group).
func isHybrid(group string) bool { return strings.Contains(strings.ToLower(group), "mlkem") }

// sameButGroups reports whether two groups' labels agree in everything
// but the groups offered.
func sameButGroups(a, b Labels) bool {
	a.Groups, b.Groups = nil, nil
	return a.setupKey("") == b.setupKey("") && a.Resumption == b.Resumption
}

// baseKey identifies labels without their groups and resumption mode.
func baseKey(l Labels) string {
	l.Groups = nil
	return l.setupKey("")
}

// subjectParts describes a group's setup for a sentence: TLS version,
// key, negotiated group, topology, server software and target.
func subjectParts(g *Group) []string {
	l := g.Labels()
	return []string{"TLS " + l.TLSVersion, keyName(l.Key), negotiatedGroup(g), l.Topology.String(), serverName(l), l.Target}
}

func serverName(l Labels) string {
	if l.Server == "embedded" {
		return ""
	}
	return l.Server
}

// keyName writes a key type as people do: "ECDSA P-256", "RSA-2048".
func keyName(k string) string {
	switch {
	case k == "ecdsa-p256":
		return "ECDSA P-256"
	case strings.HasPrefix(k, "rsa-"):
		return "RSA-" + strings.TrimPrefix(k, "rsa-")
	case k == "ed25519":
		return "Ed25519"
	}
	return k
}

// distinct turns the parts of several subjects (see subjectParts) into
// their names, keeping only what tells them apart: the TLS version and the
// key where they differ between subjects, and the other parts where they
// differ from the most common value (so "x25519" is left out beside one
// "x25519mlkem768"). A subject alone, or subjects that do not differ,
// keep their TLS version and key: "TLS 1.2 ECDSA P-256" and "TLS 1.3
// ECDSA P-256" become "TLS 1.2" and "TLS 1.3". When some subject would
// have no name left, every subject keeps its TLS version and key.
func distinct(parts [][]string) []string {
	out := make([]string, len(parts))
	if len(parts) == 0 {
		return out
	}
	n := len(parts[0])
	varies := make([]bool, n)
	common := make([]string, n)
	for i := range n {
		counts := map[string]int{}
		for _, p := range parts {
			counts[p[i]]++
			varies[i] = varies[i] || p[i] != parts[0][i]
			if counts[p[i]] > counts[common[i]] || counts[p[i]] == counts[common[i]] && p[i] < common[i] {
				common[i] = p[i]
			}
		}
	}
	// The TLS version and key are kept for all when nothing else tells
	// a subject apart, so that no subject is left without a name.
	whole := !slices.Contains(varies, true)
	for {
		empty := false
		for j, p := range parts {
			var words []string
			for i, w := range p {
				show := varies[i] && (i < 2 || w != common[i]) || whole && i < 2
				if show && w != "" {
					words = append(words, w)
				}
			}
			out[j] = strings.Join(words, " ")
			empty = empty || out[j] == ""
		}
		if !empty || whole {
			return out
		}
		whole = true
	}
}

// relChange is the size of c's relative change: "61 %".
func relChange(c Comparison) string {
	if c.A.Median == 0 {
		return "∞"
	}
	return fmt.Sprintf("%.0f %%", math.Abs(100*(c.B.Median/c.A.Median-1)))
}

// figure formats a value of a finding with its unit: no decimals from 100
// up, three significant digits below ("527 µs", "33.8 %", "0.52 µs").
func figure(v float64, unit string) string {
	var s string
	switch a := math.Abs(v); {
	case math.IsNaN(v):
		s = "n/a"
	case a >= 100 || v == 0:
		s = fmt.Sprintf("%.0f", v)
	case a >= 10:
		s = fmt.Sprintf("%.1f", v)
	default:
		s = fmt.Sprintf("%.2f", v)
	}
	if unit == "" {
		return s
	}
	return s + " " + unit
}

// joinAnd joins items as a list in a sentence: "a", "a and b", "a, b and c".
func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// someOf lists up to n names, and how many more there are.
func someOf(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:n], ", "), len(names)-n)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// appendOnce appends s to list when it is not in it yet.
func appendOnce(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
