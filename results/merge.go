package results

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Measured returns the run's measured phases merged into one (see
// MergePhases): the numbers that charts, comparisons and reports show for a
// run. Warm-up phases are left out. A run with no measured phase is an
// error.
func (r *Run) Measured() (Phase, error) {
	var ps []Phase
	for _, p := range r.Phases {
		if p.Measured {
			ps = append(ps, p)
		}
	}
	if len(ps) == 0 {
		return Phase{}, fmt.Errorf("results: run %q has no measured phase", r.Label)
	}
	return MergePhases(ps)
}

// MergePhases merges phases as if they were one phase whose window is the
// sum of their windows (the gaps between phases are not measured time):
// counts add up; histograms are merged and their percentiles read again;
// rates, CPU per handshake and bytes per handshake are recomputed from the
// summed counts, CPU seconds and windows; the machine's busy fraction is
// the window-weighted mean. Intervals are concatenated, their StartS made
// relative to the earliest phase start. The server side keeps its totals
// only (Server.Nodes is nil). One phase is returned unchanged.
//
// The phases may come from several runs (the repeats of a scenario); then
// the result describes all of them together.
func MergePhases(phases []Phase) (Phase, error) {
	switch len(phases) {
	case 0:
		return Phase{}, errors.New("results: nothing to merge")
	case 1:
		return phases[0], nil
	}
	var m Phase
	var names []string
	m.StartedAt, m.EndedAt = phases[0].StartedAt, phases[0].EndedAt
	m.Measured = true
	for _, p := range phases {
		if !slices.Contains(names, p.Name) {
			names = append(names, p.Name)
		}
		m.Measured = m.Measured && p.Measured
		if p.StartedAt.Before(m.StartedAt) {
			m.StartedAt = p.StartedAt
		}
		if p.EndedAt.After(m.EndedAt) {
			m.EndedAt = p.EndedAt
		}
	}
	m.Name = strings.Join(names, "+")

	var busy float64
	var bytesC, bytesS float64
	m.CPU.ServerObserved = true
	m.Errors = map[string]int64{}
	m.Fallbacks = map[string]int64{}
	for _, p := range phases {
		m.WindowS += p.WindowS
		h := p.Handshakes
		m.Handshakes.Total += h.Total
		m.Handshakes.Full += h.Full
		m.Handshakes.Resumed += h.Resumed
		m.Handshakes.Offered += h.Offered
		m.Handshakes.Failed += h.Failed
		m.CPU.ClientS += p.CPU.ClientS
		m.CPU.ServerS += p.CPU.ServerS
		m.CPU.ServerObserved = m.CPU.ServerObserved && p.CPU.ServerObserved
		busy += p.CPU.MachineBusy * p.WindowS
		n := float64(h.Completed())
		bytesC += p.BytesPerHandshake.ClientToServer * n
		bytesS += p.BytesPerHandshake.ServerToClient * n
		for k, v := range p.Errors {
			m.Errors[k] += v
		}
		for k, v := range p.Fallbacks {
			m.Fallbacks[k] += v
		}
		m.ErrorDetails = mergeErrorDetails(m.ErrorDetails, p.ErrorDetails)
		m.Negotiated = mergeNegotiated(m.Negotiated, p.Negotiated)
		m.Server = mergeServer(m.Server, p.Server)
		m.Matrix = mergeMatrix(m.Matrix, p.Matrix)
		off := p.StartedAt.Sub(m.StartedAt).Seconds()
		for _, iv := range p.Intervals {
			iv.StartS += off
			m.Intervals = append(m.Intervals, iv)
		}
		m.OutOfRange += p.OutOfRange
	}
	if n := float64(m.Handshakes.Completed()); n > 0 {
		m.BytesPerHandshake = Bytes{ClientToServer: bytesC / n, ServerToClient: bytesS / n}
		m.CPUUSPerHandshake.Client = m.CPU.ClientS * 1e6 / n
		if m.CPU.ServerObserved {
			m.CPUUSPerHandshake.Server = m.CPU.ServerS * 1e6 / n
		}
	}
	if !m.CPU.ServerObserved {
		m.CPU.ServerS = 0
	}
	if m.WindowS > 0 {
		m.RatePerS = float64(m.Handshakes.Completed()) / m.WindowS
		m.CPU.MachineBusy = busy / m.WindowS
		m.CPU.ClientUtil = m.CPU.ClientS / m.WindowS
		m.CPU.ServerUtil = m.CPU.ServerS / m.WindowS
	}

	var err error
	pick := func(f func(Phase) Summary) Summary {
		if err != nil {
			return Summary{}
		}
		var s Summary
		s, err = mergeSummaries(phases, f)
		return s
	}
	m.LatencyUS.Connect = pick(func(p Phase) Summary { return p.LatencyUS.Connect })
	m.LatencyUS.Handshake = pick(func(p Phase) Summary { return p.LatencyUS.Handshake })
	m.Kinds.Full = mergeKind(phases, func(p Phase) Kind { return p.Kinds.Full }, pick)
	m.Kinds.Resumed = mergeKind(phases, func(p Phase) Kind { return p.Kinds.Resumed }, pick)
	if err != nil {
		return Phase{}, err
	}
	return m, nil
}

func mergeKind(phases []Phase, kind func(Phase) Kind, pick func(func(Phase) Summary) Summary) Kind {
	var k Kind
	var c, s float64
	for _, p := range phases {
		pk := kind(p)
		k.Count += pk.Count
		c += pk.BytesPerHandshake.ClientToServer * float64(pk.Count)
		s += pk.BytesPerHandshake.ServerToClient * float64(pk.Count)
	}
	if k.Count > 0 {
		k.BytesPerHandshake = Bytes{ClientToServer: c / float64(k.Count), ServerToClient: s / float64(k.Count)}
	}
	k.LatencyUS.Connect = pick(func(p Phase) Summary { return kind(p).LatencyUS.Connect })
	k.LatencyUS.Handshake = pick(func(p Phase) Summary { return kind(p).LatencyUS.Handshake })
	return k
}

// mergeSummaries merges the histograms of one summary of every phase.
func mergeSummaries(phases []Phase, f func(Phase) Summary) (Summary, error) {
	h, err := MergeHistograms(phases, f)
	if err != nil {
		return Summary{}, err
	}
	return Summarize(h)
}

// MergeHistograms decodes the histogram of f(p) for every phase and merges
// them into one. Values the merge would drop (none: every histogram of a
// result file has the same range) are an error.
func MergeHistograms(phases []Phase, f func(Phase) Summary) (*hdrhistogram.Histogram, error) {
	all := NewHistogram()
	for _, p := range phases {
		h, err := f(p).Histogram()
		if err != nil {
			return nil, fmt.Errorf("phase %s: %w", p.Name, err)
		}
		if dropped := all.Merge(h); dropped != 0 {
			return nil, fmt.Errorf("results: phase %s: merging histograms dropped %d values", p.Name, dropped)
		}
	}
	return all, nil
}

func mergeErrorDetails(into, from []ErrorDetail) []ErrorDetail {
	for _, d := range from {
		i := slices.IndexFunc(into, func(e ErrorDetail) bool { return e.Class == d.Class && e.Stage == d.Stage })
		if i < 0 {
			into = append(into, d)
			continue
		}
		into[i].Count += d.Count
	}
	return into
}

func mergeNegotiated(into, from []Negotiated) []Negotiated {
	for _, n := range from {
		i := slices.IndexFunc(into, func(e Negotiated) bool {
			return e.Version == n.Version && e.CipherSuite == n.CipherSuite && e.Group == n.Group
		})
		if i < 0 {
			into = append(into, n)
			continue
		}
		into[i].Count += n.Count
	}
	return into
}

// mergeServer adds the server's totals. Per-node counts are not merged:
// a merged phase has Server.Nodes nil (read them from the phases).
func mergeServer(into, from *Server) *Server {
	if from == nil {
		return into
	}
	if into == nil {
		into = &Server{}
	}
	into.Handshakes += from.Handshakes
	into.Full += from.Full
	into.Resumed += from.Resumed
	into.Failed += from.Failed
	return into
}

// mergeMatrix adds resumption matrices cell by cell; the result is as large
// as the largest.
func mergeMatrix(into, from [][]Cell) [][]Cell {
	n := max(len(into), len(from))
	for _, row := range from {
		n = max(n, len(row))
	}
	for _, row := range into {
		n = max(n, len(row))
	}
	if n == 0 {
		return into
	}
	out := make([][]Cell, n)
	for i := range out {
		out[i] = make([]Cell, n)
		for _, m := range [][][]Cell{into, from} {
			if i >= len(m) {
				continue
			}
			for j, c := range m[i] {
				out[i][j].Offered += c.Offered
				out[i][j].Resumed += c.Resumed
			}
		}
	}
	return out
}

// Setup is what a run measured, in the terms of its scenario file: the part
// of Scenario.Config that charts, comparisons and reports name runs by.
// Fields the file does not hold are zero.
type Setup struct {
	Version        string   // TLS version: "1.2" or "1.3"
	Key            string   // the server certificate's key type
	Groups         []string // key-exchange groups offered; empty: Go's defaults
	Resumption     string   // none, tickets, cache
	AfterHandshake string   // read-eof, http, ticket, close
	Clients        int      // simulated clients
	Concurrency    int      // connections in flight
	Nodes          int      // server nodes (1 when the file does not say)
	Preset         string   // topology preset, if any
	Balance        string   // how connections were spread over the nodes
	TicketKeys     string   // per-node, shared, off
	RotateKeys     string   // ticket-key rotation period ("2s"); empty or "0s": none
	SessionCache   string   // per-node, shared, off
	Target         string   // the remote address; empty for the embedded testbed

	// Key identifies the configuration apart from the resumption mode and
	// the phases: runs with equal ConfigKey measured the same setup with
	// resumption on or off (or for a different time). It is the scenario
	// config without its name, description, file, resumption and phases,
	// as canonical JSON.
	ConfigKey string
}

// Setup decodes the run's scenario config. An absent or unreadable config
// gives a Setup with only what the run itself records.
func (r *Run) Setup() Setup {
	var c struct {
		TLS struct {
			Version string   `json:"version"`
			Key     string   `json:"key"`
			Groups  []string `json:"groups"`
		} `json:"tls"`
		Resumption     string `json:"resumption"`
		AfterHandshake string `json:"after_handshake"`
		Clients        struct {
			Count       int `json:"count"`
			Concurrency int `json:"concurrency"`
		} `json:"clients"`
		Target struct {
			Address string `json:"address"`
		} `json:"target"`
		Topology struct {
			Preset       string `json:"preset"`
			Nodes        int    `json:"nodes"`
			Balance      string `json:"balance"`
			TicketKeys   string `json:"ticket_keys"`
			SessionCache string `json:"session_cache"`
			RotateKeys   string `json:"rotate_keys_every"`
		} `json:"topology"`
	}
	s := Setup{Nodes: 1, AfterHandshake: r.Client.AfterHandshake, Clients: r.Client.Clients, Concurrency: r.Client.Concurrency}
	if len(r.Scenario.Config) == 0 || json.Unmarshal(r.Scenario.Config, &c) != nil {
		s.ConfigKey = r.Scenario.Name
		return s
	}
	s.Version, s.Key, s.Groups = c.TLS.Version, c.TLS.Key, c.TLS.Groups
	s.Resumption = c.Resumption
	if c.AfterHandshake != "" {
		s.AfterHandshake = c.AfterHandshake
	}
	if c.Clients.Count > 0 {
		s.Clients, s.Concurrency = c.Clients.Count, c.Clients.Concurrency
	}
	if c.Topology.Nodes > 0 {
		s.Nodes = c.Topology.Nodes
	}
	s.Preset, s.Balance = c.Topology.Preset, c.Topology.Balance
	s.TicketKeys, s.SessionCache = c.Topology.TicketKeys, c.Topology.SessionCache
	if r := c.Topology.RotateKeys; r != "" && r != "0s" && r != "0" {
		s.RotateKeys = r
	}
	s.Target = c.Target.Address

	var all map[string]json.RawMessage
	if json.Unmarshal(r.Scenario.Config, &all) == nil {
		for _, k := range []string{"name", "description", "file", "resumption", "phases"} {
			delete(all, k)
		}
		if key, err := json.Marshal(all); err == nil { // maps marshal with sorted keys
			s.ConfigKey = string(key)
		}
	}
	return s
}

// Title names the setup in a few words: "TLS 1.3 · ecdsa-p256 · x25519",
// with the topology when there is more than one node and the target when
// it is remote.
func (s Setup) Title() string {
	var parts []string
	if s.Version != "" {
		parts = append(parts, "TLS "+s.Version)
	}
	if s.Key != "" {
		parts = append(parts, s.Key)
	}
	if len(s.Groups) > 0 {
		parts = append(parts, strings.Join(s.Groups, ","))
	} else if s.Version != "" {
		parts = append(parts, "default groups")
	}
	if s.Nodes > 1 || s.Preset != "" {
		parts = append(parts, s.Topology())
	}
	if s.Target != "" {
		parts = append(parts, "→ "+s.Target)
	}
	if len(parts) == 0 {
		return "unknown setup"
	}
	return strings.Join(parts, " · ")
}

// Topology describes the server side in words: "3 nodes, random, ticket
// keys per-node, cache per-node".
func (s Setup) Topology() string {
	t := fmt.Sprintf("%d node", s.Nodes)
	if s.Nodes != 1 {
		t += "s"
	}
	if s.Preset != "" {
		t = s.Preset + " (" + t + ")"
	}
	if s.Nodes > 1 && s.Balance != "" {
		t += ", " + s.Balance
	}
	if s.TicketKeys != "" {
		t += ", ticket keys " + s.TicketKeys
	}
	if s.RotateKeys != "" {
		t += " rotated every " + s.RotateKeys
	}
	if s.SessionCache != "" {
		t += ", cache " + s.SessionCache
	}
	return t
}
