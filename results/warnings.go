package results

// WarningCode identifies a kind of warning, stably: scripts may match on it
// in .warnings[].code. Its one-line meaning is Meaning; the warning's own
// Message gives the numbers of the case at hand.
type WarningCode string

// The warning codes package bench writes (and WarnPartial, which marks a
// partial run in tables and charts). Their meanings are in Meaning.
const (
	WarnCountsDisagree     WarningCode = "counts_disagree"
	WarnErrors             WarningCode = "errors"
	WarnFaultFailed        WarningCode = "fault_failed"
	WarnFaultInjected      WarningCode = "fault_injected"
	WarnGeneratorBehind    WarningCode = "generator_behind"
	WarnGeneratorCPUBound  WarningCode = "generator_cpu_bound"
	WarnGeneratorSchedLag  WarningCode = "generator_sched_lag"
	WarnInsecureSkipVerify WarningCode = "insecure_skip_verify"
	WarnNoHandshakes       WarningCode = "no_handshakes"
	WarnNoTLS13Ticket      WarningCode = "no_tls13_ticket"
	WarnNodeFailed         WarningCode = "node_failed"
	WarnOfferedNotResumed  WarningCode = "offered_not_resumed"
	WarnOtherLoad          WarningCode = "other_load"
	WarnOutOfRange         WarningCode = "out_of_range"
	WarnPredictionMismatch WarningCode = "prediction_mismatch"
	WarnPrivateKeyReadable WarningCode = "private_key_readable"
	WarnServerStop         WarningCode = "server_stop"
	WarnServerUnobservable WarningCode = "server_unobservable"
	WarnScenarioOverridden WarningCode = "scenario_overridden"
	WarnPartial            WarningCode = "partial"
	// The network lab's (a scenario's network block).
	WarnFirstFlightExceedsInitCwnd WarningCode = "first_flight_exceeds_initcwnd"
	WarnLinkSaturated              WarningCode = "link_saturated"
	WarnLabAdjusted                WarningCode = "lab_adjusted"
	// Mutual TLS and ECH (tls.client_cert, tls.ech).
	WarnClientCertNotRequested WarningCode = "client_cert_not_requested"
	WarnECHNotAccepted         WarningCode = "ech_not_accepted"
	WarnShardInexact           WarningCode = "shard_inexact"
	// The lab mode of a client that reuses its key share
	// (tls.reuse_key_share).
	WarnReusedKeyShare WarningCode = "reused_key_share"
	WarnShardLate      WarningCode = "shard_late"
	WarnStartSkew      WarningCode = "start_skew"
)

// warningCodes is every code with its meaning, in the order above.
func warningCodes() []struct {
	code    WarningCode
	meaning string
} {
	return []struct {
		code    WarningCode
		meaning string
	}{
		{WarnCountsDisagree, "the client's and the server's handshake counts differ"},
		{WarnErrors, "connections failed"},
		{WarnFaultFailed, "a fault the scenario asked for could not be injected"},
		{WarnFaultInjected, "the scenario injected a failure (a node killed or stalled) during the run"},
		{WarnGeneratorBehind, "the open loop fell behind its schedule: connections started late (latency still counts from the intended start)"},
		{WarnGeneratorCPUBound, "the generator, not the server, may have limited the rate; CPU per handshake is the fairer comparison"},
		{WarnGeneratorSchedLag, "the generator's timers woke late: it was starved of CPU, so its latencies include its own queueing"},
		{WarnInsecureSkipVerify, "certificate verification was off"},
		{WarnNoHandshakes, "no handshake completed"},
		{WarnNoTLS13Ticket, "TLS 1.3 closed right after the handshake: no ticket was stored, nothing could resume"},
		{WarnNodeFailed, "connections to a server node failed during the run"},
		{WarnOfferedNotResumed, "more than 1 % of the offered sessions were not resumed"},
		{WarnOtherLoad, "other processes used the CPUs during the run"},
		{WarnOutOfRange, "some latencies were outside the histograms' 1 µs..60 s and are not in the percentiles"},
		{WarnPredictionMismatch, "the measured resumption rate differs from what the topology predicts"},
		{WarnPrivateKeyReadable, "the private key file can be read by other users"},
		{WarnServerStop, "the servers did not stop cleanly at the end of the run"},
		{WarnServerUnobservable, "the servers' own counters could not be read: server-side counts are missing"},
		{WarnScenarioOverridden, "a command-line override changed what the scenario measures (the warning says how)"},
		{WarnPartial, "the run was cut short: its numbers cover only what was measured up to the stop"},
		{WarnFirstFlightExceedsInitCwnd, "the server's first flight was larger than its initial congestion window (initcwnd × MSS): the handshake waited one TCP round trip more"},
		{WarnLinkSaturated, "the emulated link queued, delayed or dropped packets the scenario did not ask for: its latencies include the link's own limits"},
		{WarnLabAdjusted, "the network lab could not run exactly as the scenario asked (the warning says what it did instead)"},
		{WarnReusedKeyShare, "the clients reused their key shares (tls.reuse_key_share), a lab mode: real clients must not (RFC 9846 section 4.2.8), so the generator's CPU per handshake is below any real client's"},
		{WarnClientCertNotRequested, "the clients had a certificate to present, but the server did not ask for it on some full handshakes: those were not mutual TLS"},
		{WarnECHNotAccepted, "the clients offered ECH, but some completed handshakes did not accept it"},
		{WarnShardInexact, "a setting that one generator applies over all its connections (least-conn balance) applies within each shard only"},
		{WarnShardLate, "a shard was ready only after the common start time plus its tolerance, and ran nothing"},
		{WarnStartSkew, "the shards started too far apart for the schedule, or on clocks whose error is unknown or large"},
	}
}

// WarningCodes returns every known code, in a fixed order.
func WarningCodes() []WarningCode {
	var out []WarningCode
	for _, c := range warningCodes() {
		out = append(out, c.code)
	}
	return out
}

// Meaning says in one line what the code means, for tables and charts. It
// is empty for a code this build does not know (from a newer tlsbench).
func (c WarningCode) Meaning() string {
	for _, k := range warningCodes() {
		if k.code == c {
			return k.meaning
		}
	}
	return ""
}

// WarningsAbout returns the warnings about the whole run and about those
// of its phases for which about returns true (every phase when about is
// nil), in the order of Run.Warnings, followed, for a partial run, by one
// with code WarnPartial whose message is PartialReason. This is the one filter
// that tables and charts use to say what limits a set of numbers.
func (r *Run) WarningsAbout(about func(Phase) bool) []Warning {
	selected := map[string]bool{}
	for _, p := range r.Phases {
		selected[p.Name] = selected[p.Name] || about == nil || about(p)
	}
	var out []Warning
	for _, w := range r.Warnings {
		if w.Phase == "" || selected[w.Phase] {
			out = append(out, w)
		}
	}
	if r.Partial {
		out = append(out, Warning{Code: WarnPartial, Message: "the run was cut short: " + r.PartialReason})
	}
	return out
}

// MeasuredWarnings returns the warnings about the run's measured phases and
// the whole run (see WarningsAbout): those that limit the numbers of
// Measured.
func (r *Run) MeasuredWarnings() []Warning {
	return r.WarningsAbout(func(p Phase) bool { return p.Measured })
}

// Codes returns the distinct codes of ws, in order of first appearance.
func Codes(ws []Warning) []WarningCode {
	var out []WarningCode
	seen := map[WarningCode]bool{}
	for _, w := range ws {
		if !seen[w.Code] {
			seen[w.Code] = true
			out = append(out, w.Code)
		}
	}
	return out
}
