package results

// SummaryField is one latency summary of a phase: where it is in the result
// file, its short name, and how to reach it in a Phase. SummaryFields lists
// them all; reading a file checks each, MergePhases merges each and
// ExportHGRM exports each, so that a summary added to Phase is added to the
// list and to nothing else.
type SummaryField struct {
	// Key is the summary's path below a phase in the result file:
	// "latency_us.handshake", "kinds.full.latency_us.connect",
	// "pacing.lag_us".
	Key string
	// Name is its short name, used in .hgrm file names: "handshake",
	// "handshake-full", "pacing-lag".
	Name string
	// Required is true for the summaries every phase of every result file
	// holds (connect and handshake latency, overall and per kind): a
	// missing histogram there is an error. The others may be empty (a file
	// written before they existed), and the pacing summaries exist only
	// in open-loop phases.
	Required bool

	of func(*Phase) *Summary
}

// Of returns the summary in p, or nil when p has no place for it (the
// pacing summaries of a closed-loop phase).
func (f SummaryField) Of(p *Phase) *Summary { return f.of(p) }

// present reports whether s holds a histogram, or must.
func (f SummaryField) present(s *Summary) bool {
	return s != nil && (f.Required || s.HDR != "" || s.Count != 0)
}

// SummaryFields returns every latency summary of a phase, in a fixed order:
// connect, handshake and total latency, overall and for full and resumed
// handshakes, then an open loop's start lag and uncorrected connect
// latency.
func SummaryFields() []SummaryField {
	latency := func(key, suffix string, l func(*Phase) *Latency) []SummaryField {
		return []SummaryField{
			{key + ".connect", "connect" + suffix, true, func(p *Phase) *Summary { return &l(p).Connect }},
			{key + ".handshake", "handshake" + suffix, true, func(p *Phase) *Summary { return &l(p).Handshake }},
			{key + ".total", "total" + suffix, false, func(p *Phase) *Summary { return &l(p).Total }},
		}
	}
	pacing := func(s func(*Pacing) *Summary) func(*Phase) *Summary {
		return func(p *Phase) *Summary {
			if p.Pacing == nil {
				return nil
			}
			return s(p.Pacing)
		}
	}
	var fs []SummaryField
	fs = append(fs, latency("latency_us", "", func(p *Phase) *Latency { return &p.LatencyUS })...)
	fs = append(fs, latency("kinds.full.latency_us", "-full", func(p *Phase) *Latency { return &p.Kinds.Full.LatencyUS })...)
	fs = append(fs, latency("kinds.resumed.latency_us", "-resumed", func(p *Phase) *Latency { return &p.Kinds.Resumed.LatencyUS })...)
	return append(fs,
		SummaryField{"pacing.lag_us", "pacing-lag", false, pacing(func(pc *Pacing) *Summary { return &pc.LagUS })},
		SummaryField{"pacing.connect_uncorrected_us", "connect-uncorrected", false, pacing(func(pc *Pacing) *Summary { return &pc.ConnectUncorrectedUS })},
	)
}
