// Package results owns the result file: the schema of one run's
// measurements, its atomic writing and its reading with a schema check.
//
// A result file holds everything needed to redraw or compare a run later:
// readable percentiles beside HDR histograms (V2-encoded, base64) that can be
// merged and re-plotted, every phase including warm-ups (so that every
// connection the tool made is accounted for), server-side counts, CPU and
// warnings. It never holds a private key, a ticket key or a session secret.
//
// It also owns the model of a set of runs that every reader shares: runs
// grouped by setup from their labels (NewSet), phases merged exactly
// (MergePhases, over the list of a phase's summaries SummaryFields),
// comparisons under a noise rule (Compare, CompareSets) and the
// regressions among them (Comparisons.Worse), the findings a set supports
// (Set.Findings: a sentence per question, with its numbers and chart),
// threshold checks (ThresholdCheck), warning codes with their meanings
// (WarningCode), and .hgrm export.
//
// The package does not measure, lay out or draw anything (the findings'
// sentences are its only prose): package loadgen fills a Phase, package
// bench a Run; package plots draws them and package results/report lays
// them out in tables and documents.
package results

import (
	"encoding/json"
	"time"
)

// SchemaVersion is the version of the result-file schema written by this
// package. Read refuses files with a newer version. Version 1 holds the keys
// listed in the design document; additions keep existing keys stable.
const SchemaVersion = 1

// Run is one run of one scenario: the whole content of a result file.
type Run struct {
	// SchemaVersion is the schema of this file (see SchemaVersion).
	SchemaVersion int `json:"schema_version"`

	// Partial is true when the run did not complete (interrupted, or a
	// fatal error after some phases were measured). Its phases hold what
	// was measured up to the stop.
	Partial bool `json:"partial"`

	// PartialReason says why the run is partial ("interrupted by signal").
	PartialReason string `json:"partial_reason,omitempty"`

	// Scenario is the scenario as it was run, after defaults and command
	// line overrides.
	Scenario Scenario `json:"scenario"`

	// Label names the run in legends and tables; package bench sets it to
	// the scenario's name. Readers take a run's name from Name, which
	// falls back to Scenario.Name for a file without a label.
	Label string `json:"label"`

	// Labels say what the run measured, in the scenario's own terms,
	// written by package bench from the resolved scenario. Sets of runs
	// are grouped by them (never by re-reading Scenario.Config).
	Labels Labels `json:"labels"`

	// Repeat is this run's index (1-based) among Repeats runs of the same
	// scenario in one invocation; repeats are interleaved with the other
	// scenarios so that drift hits every configuration alike. Both are 1
	// for a single run.
	Repeat  int `json:"repeat"`
	Repeats int `json:"repeats"`

	// StartedAt and EndedAt bound the whole run, phases and server start
	// and stop included.
	StartedAt time.Time `json:"started_at"`
	EndedAt   time.Time `json:"ended_at"`

	// Tool identifies the build that produced the file.
	Tool Tool `json:"tool"`

	// Machine describes where the run happened.
	Machine Machine `json:"machine"`

	// Target says what was measured.
	Target Target `json:"target"`

	// Client says how the generator behaved on every connection.
	Client Client `json:"client"`

	// Phases are the run's phases in order, warm-ups included.
	Phases []Phase `json:"phases"`

	// Sweep summarizes a saturation sweep: one step per offered rate (nil
	// when the scenario has no sweep).
	Sweep *Sweep `json:"sweep,omitempty"`

	// Faults are the failures the scenario injected, in order.
	Faults []Fault `json:"faults,omitempty"`

	// Network is the emulated network between the generator and the
	// servers as the lab ran it; nil on loopback (no network block).
	Network *Network `json:"network,omitempty"`

	// Warnings are conditions that limit how far the numbers can be
	// trusted. Never nil in a written file (an empty list means none).
	Warnings []Warning `json:"warnings"`

	// Thresholds are the scenario's thresholds, each checked on each
	// measured phase. Never nil in a written file (an empty list: the
	// scenario set none).
	Thresholds []ThresholdCheck `json:"thresholds"`
	// Shard is set in the result of one shard of a run split over several
	// generators (tlsbench run --shard I/N); nil otherwise.
	Shard *Shard `json:"shard,omitempty"`

	// MergedFrom lists the shards a merged result was made of (tlsbench
	// merge), in index order; nil for any other result.
	MergedFrom []MergedShard `json:"merged_from,omitempty"`

	// StartSkewUS is, in a merged result, the latest shard's actual start
	// minus the earliest's (.merged_from[].started_at), in µs, as their
	// clocks tell it (see ClockSync for how far they can be trusted).
	StartSkewUS *int64 `json:"start_skew_us,omitempty"`

	// MissingShards are the shard indexes a merged result lacks (merge
	// --allow-missing); such a result is partial.
	MissingShards []int `json:"missing_shards,omitempty"`
}

// Scenario is the scenario of a run, kept as the JSON form of the scenario
// package's type so that results does not depend on it.
type Scenario struct {
	// Name is the scenario's name.
	Name string `json:"name"`
	// File is the scenario file's path as given on the command line.
	File string `json:"file,omitempty"`
	// Config is the full scenario after defaults and overrides.
	Config json.RawMessage `json:"config,omitempty"`
}

// Labels are the structured description of a run's setup: what charts,
// tables, comparisons and reports name and group runs by. Package bench
// fills them from the scenario as it was run (after defaults, command-line
// overrides and a user certificate's key type); readers never parse the
// scenario config to learn them. A field the run has no value for is empty.
type Labels struct {
	// TLSVersion is the one TLS version the clients offered: "1.2" or "1.3".
	TLSVersion string `json:"tls_version"`
	// Key is the server certificate's key type: rsa-2048, ecdsa-p256,
	// ed25519 (for a remote target, what the scenario expected).
	Key string `json:"key"`
	// Groups are the key-exchange groups offered, in order of preference;
	// empty: Go's default list.
	Groups []string `json:"groups,omitempty"`
	// Resumption is the resumption strategy: none, tickets, cache or ids.
	Resumption string `json:"resumption"`
	// Server is the server software: embedded, nginx, haproxy, openssl,
	// or remote (a server tlsbench did not start).
	Server string `json:"server"`
	// Target is the remote address for a remote server; empty when
	// tlsbench started the servers.
	Target string `json:"target,omitempty"`
	// AfterHandshake is what the client did after the handshake:
	// read-eof, http, ticket or close.
	AfterHandshake string `json:"after_handshake"`
	// Topology is the server fleet's shape.
	Topology TopologyLabels `json:"topology"`
	// Network is the emulated network the run had (its RTT and the rest);
	// nil on loopback.
	Network *NetworkLabels `json:"network,omitempty"`
	// ServerGroups are the embedded testbed's key-exchange groups in its
	// order of preference (tls.server_groups); empty: Go's defaults.
	ServerGroups []string `json:"server_groups,omitempty"`
	// Intermediates is the number of intermediate CAs in the throwaway
	// chain the servers sent (tls.chain.intermediates).
	Intermediates int `json:"intermediates,omitempty"`
	// MTLS is true when every client presented a certificate
	// (tls.client_cert); ClientKey is its key type.
	MTLS      bool   `json:"mtls,omitempty"`
	ClientKey string `json:"client_key,omitempty"`
	// ECH is true when the clients offered Encrypted Client Hello
	// (tls.ech).
	ECH bool `json:"ech,omitempty"`
	// ReuseKeyShare is tls.reuse_key_share, the lab mode in which each
	// worker offers one key share in this many handshakes; 0: a fresh key
	// share for every handshake, as real clients do.
	ReuseKeyShare int `json:"reuse_key_share,omitempty"`
}

// TopologyLabels describe the server fleet of a run.
type TopologyLabels struct {
	// Preset is the topology preset (aws-clb, aws-alb, aws-nlb, single);
	// empty when the fields were set by hand.
	Preset string `json:"preset,omitempty"`
	// Nodes is the number of server nodes (at least 1).
	Nodes int `json:"nodes"`
	// Balance is how connections were spread over the nodes:
	// round-robin, random, least-conn or sticky.
	Balance string `json:"balance,omitempty"`
	// TicketKeys is per-node, shared or off.
	TicketKeys string `json:"ticket_keys,omitempty"`
	// SessionCache is per-node, shared or off.
	SessionCache string `json:"session_cache,omitempty"`
	// RotateKeysEvery is the ticket-key rotation period as a Go duration
	// ("2s"); empty: no rotation.
	RotateKeysEvery string `json:"rotate_keys_every,omitempty"`
}

// Tool identifies the generator build.
type Tool struct {
	// Version is tlsbench's version string.
	Version string `json:"version"`
	// Go is the Go toolchain version the binary was built with.
	Go string `json:"go"`
	// Command is the command line that produced the run.
	Command []string `json:"command,omitempty"`
}

// Machine describes the machine the run happened on.
type Machine struct {
	OS         string `json:"os"`
	Arch       string `json:"arch"`
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	CPUModel   string `json:"cpu_model,omitempty"`
	Kernel     string `json:"kernel,omitempty"`
}

// Target describes the server side of a run.
type Target struct {
	// Kind is "embedded" (the Go testbed started by tlsbench in its own
	// process), "real" (nginx, HAProxy or openssl s_server nodes started
	// by tlsbench, one process per node) or "remote" (a server tlsbench
	// did not start).
	Kind string `json:"kind"`
	// Server names the server software ("go crypto/tls testbed").
	Server string `json:"server"`
	// Addresses are the node addresses connections went to.
	Addresses []string `json:"addresses"`
	// ResolvedFrom is the host name Addresses were resolved from, when a
	// remote target's name stood for several (tlsbench run --resolve
	// all); empty otherwise.
	ResolvedFrom string `json:"resolved_from,omitempty"`
	// ServerName is the SNI name sent and verified.
	ServerName string `json:"server_name"`
	// InsecureSkipVerify is true when certificate verification was
	// skipped because the scenario asked for it.
	InsecureSkipVerify bool `json:"insecure_skip_verify"`
	// SessionStore says where resumption state lives on the server, in
	// words: "stateless tickets (per-node keys)", "server-side cache ...".
	SessionStore string `json:"session_store,omitempty"`
	// ECHPublicName is the public name of the ECH config the clients
	// encrypted their ClientHello to (tls.ech): the name the outer,
	// visible ClientHello carries in SNI. Empty without ECH.
	ECHPublicName string `json:"ech_public_name,omitempty"`
}

// Client says what every simulated client did on a connection.
type Client struct {
	// AfterHandshake is what the client did after the handshake
	// (read-eof, http, ticket, close).
	AfterHandshake string `json:"after_handshake"`
	// Close describes the close sequence, e.g. "server closes first with
	// close_notify; client reads to EOF, then closes the socket without
	// sending close_notify".
	Close string `json:"close"`
	// SessionCache describes the client's session cache ("one session per
	// client, keyed by server name" or "none").
	SessionCache string `json:"session_cache"`
	// Verify describes how certificate chains were verified (full, or
	// cached: each distinct chain verified once, then matched).
	Verify string `json:"verify"`
	// ClientCert says what certificate the clients presented (mutual
	// TLS, tls.client_cert) and who verified it; empty without one. It
	// names files, never key material.
	ClientCert string `json:"client_cert,omitempty"`
	// ECH says how the clients offered Encrypted Client Hello (tls.ech):
	// whose config list, with which public name; empty without ECH. The
	// config list itself is not written.
	ECH string `json:"ech,omitempty"`
	// KeyShare says how the clients' key shares were made when it was not
	// fresh for every handshake (tls.reuse_key_share, a lab mode); empty:
	// a fresh key share for every handshake.
	KeyShare string `json:"key_share,omitempty"`
	// GCPercent is the garbage collector's target (GOGC) during the run:
	// tlsbench sizes it for the clients (400 up to 10,000 clients, Go's
	// default of 100 above) unless the user set GOGC; -1 is off. GC says
	// the same in words.
	GCPercent int    `json:"gc_percent"`
	GC        string `json:"gc,omitempty"`
	// Clients and Concurrency are the population and the number of
	// connections in flight (the whole run's, in a shard's result too).
	Clients     int `json:"clients"`
	Concurrency int `json:"concurrency"`
	// Seed seeded the generator's random choices (balance, think times,
	// Poisson arrivals): the scenario's, or one drawn for the run.
	Seed int64 `json:"seed,omitempty"`
}

// Phase is one phase of a run, measured from the client side and, where the
// server is observable, from the server side.
type Phase struct {
	// Name is the phase's name from the scenario.
	Name string `json:"name"`

	// Measured is false for warm-up phases. They are listed so that the
	// handshakes of all phases add up to the connections the tool made.
	Measured bool `json:"measured"`

	// StartedAt is when the first connection of the phase was started;
	// EndedAt is when the last one in flight ended. The window between
	// them is the one every rate and CPU figure of the phase refers to.
	StartedAt time.Time `json:"started_at"`
	EndedAt   time.Time `json:"ended_at"`

	// WindowS is EndedAt − StartedAt in seconds.
	WindowS float64 `json:"window_s"`

	// Handshakes counts the connections started in the phase by outcome.
	Handshakes Handshakes `json:"handshakes"`

	// RatePerS is completed handshakes (full + resumed) divided by
	// WindowS.
	RatePerS float64 `json:"rate_per_s"`

	// LatencyUS holds the connect and handshake latency of every
	// completed handshake of the phase, in microseconds.
	LatencyUS Latency `json:"latency_us"`

	// Kinds splits latency and bytes by handshake kind.
	Kinds Kinds `json:"kinds"`

	// CPUUSPerHandshake is CPU time over the phase window divided by
	// completed handshakes, in microseconds: user + system (Client,
	// Server), and each apart.
	CPUUSPerHandshake CPUPerHandshake `json:"cpu_us_per_handshake"`

	// CPU is the raw CPU time behind CPUUSPerHandshake and the machine's
	// busy time, over the phase window.
	CPU CPU `json:"cpu"`

	// BytesPerHandshake is the mean of TLS record bytes each way per
	// completed handshake, counted on the connection from dial to close
	// (it includes the TLS 1.3 NewSessionTicket, the server's one
	// application record and its close_notify). TCP/IP headers are
	// excluded.
	BytesPerHandshake Bytes `json:"bytes_per_handshake"`

	// Errors counts failed connections by class (refused, timeout,
	// remote_alert, ...). It includes failures after a completed
	// handshake, which are not in Handshakes.Failed; see ErrorDetails.
	Errors map[string]int64 `json:"errors"`

	// ErrorDetails gives, per class and stage, the count and one sample
	// message.
	ErrorDetails []ErrorDetail `json:"error_details,omitempty"`

	// Fallbacks counts full handshakes by reason, as the client sees them:
	// "no_session" (the client held no session when it dialled) and
	// "offered_not_resumed" (it offered one and the server did a full
	// handshake); "issued_by_other_node" is the part of the latter whose
	// session was issued by another node than the one that refused it.
	// The server's reasons are in Server.Fallbacks.
	Fallbacks map[string]int64 `json:"fallbacks"`

	// Negotiated counts completed handshakes by negotiated version, cipher
	// suite and key-exchange group.
	Negotiated []Negotiated `json:"negotiated"`

	// Server is the server's own count of the handshakes it completed in
	// the phase window, when observable (nil for a remote server).
	Server *Server `json:"server,omitempty"`

	// Nodes is the client's view of each node: what it completed there
	// and what failed, by class, with the first and last failure time, so
	// that a node that failed during the run can be named.
	Nodes []ClientNode `json:"nodes"`

	// Matrix is the resumption matrix: Matrix[i][j] counts the sessions
	// issued by node i that were offered to node j, and how many of them
	// resumed. Sessions whose issuer is unknown are not in it.
	Matrix [][]Cell `json:"matrix"`

	// Prediction is the resumption rate the topology and client model
	// predict for this phase, next to the measured one; nil when there is
	// no model (a remote target).
	Prediction *Prediction `json:"prediction,omitempty"`

	// SchedLagUS is how late (µs) the Go runtime woke a 5 ms timer in the
	// generator's process during the phase, p50 and p99: a generator
	// starved of CPU wakes late, and its measurements then include its
	// own queueing. Nil when the phase was too short to probe.
	SchedLagUS *IntervalLatency `json:"sched_lag_us,omitempty"`

	// Pacing describes an open-loop phase (nil for a closed loop). In an
	// open loop LatencyUS.Connect is measured from each connection's
	// intended start (corrected for coordinated omission);
	// Pacing.ConnectUncorrectedUS from the actual start of its dial.
	Pacing *Pacing `json:"pacing,omitempty"`

	// Intervals is the phase second by second, so that warm-up,
	// saturation and key rotation show over time. A connection belongs to
	// the interval in which it ended.
	Intervals []Interval `json:"intervals"`

	// OutOfRange counts latencies outside the histograms' range (1 µs to
	// 60 s), which HDR cannot hold. They are not in the percentiles; a
	// warning says so.
	OutOfRange int64 `json:"out_of_range,omitempty"`

	// Link is what the emulated network's link did in the phase window
	// (its counters and CPU); nil on loopback.
	Link *Link `json:"link,omitempty"`
}

// Handshakes counts the connections of a phase by outcome. Total = Full +
// Resumed + Failed.
type Handshakes struct {
	// Total is the number of connections started in the phase.
	Total int64 `json:"total"`
	// Full is completed handshakes that did not resume (DidResume false).
	Full int64 `json:"full"`
	// Resumed is completed handshakes with ConnectionState.DidResume.
	Resumed int64 `json:"resumed"`
	// Offered is connections on which the client held a cached session
	// for the server when it dialled (and so offered it). Offered −
	// Resumed (of those that completed) fell back to a full handshake.
	Offered int64 `json:"offered"`
	// Failed is connections whose dial or handshake failed.
	Failed int64 `json:"failed"`
	// HelloRetry is completed handshakes in which the server answered the
	// first ClientHello with a HelloRetryRequest
	// (ConnectionState.HelloRetryRequest on the client): the client's key
	// shares held none of the groups the server prefers, which costs a
	// round trip.
	HelloRetry int64 `json:"hello_retry"`
	// ClientCert is completed handshakes in which the server asked for
	// the client's certificate and the client presented it
	// (tls.client_cert): the full handshakes of mutual TLS, since a
	// resumed handshake carries none. Absent without a client
	// certificate.
	ClientCert int64 `json:"client_cert,omitempty"`
	// ECHOffered is completed handshakes whose client offered Encrypted
	// Client Hello (tls.ech), and ECHAccepted those of them in which the
	// server accepted it (ConnectionState.ECHAccepted). A client that
	// offers ECH refuses to go on without it, so a rejection is a failed
	// handshake (errors: ech_rejected). Absent without ECH.
	ECHOffered  int64 `json:"ech_offered,omitempty"`
	ECHAccepted int64 `json:"ech_accepted,omitempty"`
}

// Latency holds the latency summaries of a set of handshakes.
type Latency struct {
	// Connect is from the start of the dial to the TCP connection being
	// established.
	Connect Summary `json:"connect"`
	// Handshake is from TCP established to HandshakeContext returning on
	// the client.
	Handshake Summary `json:"handshake"`
	// Total is from the connection's start (its intended start, in an
	// open loop) to HandshakeContext returning: what a user waits for a
	// secure connection, queueing included.
	Total Summary `json:"total"`
}

// Summary is a latency distribution in microseconds: percentiles read from
// an HDR histogram (1 µs to 60 s, 3 significant digits), and the histogram
// itself, V2-encoded and base64'd, for merging and redrawing.
type Summary struct {
	Count int64   `json:"count"`
	Min   float64 `json:"min"`
	Mean  float64 `json:"mean"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p999"`
	Max   float64 `json:"max"`
	// HDR is the histogram in HdrHistogram's V2 compressed encoding,
	// base64 (the "HISTFAAA..." form that HdrHistogram tools read).
	HDR string `json:"hdr"`
}

// Kinds splits a phase by handshake kind.
type Kinds struct {
	Full    Kind `json:"full"`
	Resumed Kind `json:"resumed"`
}

// Kind holds the measurements of one handshake kind.
type Kind struct {
	// Count is the number of completed handshakes of this kind.
	Count int64 `json:"count"`
	// LatencyUS is the latency of this kind's handshakes.
	LatencyUS Latency `json:"latency_us"`
	// BytesPerHandshake is the mean bytes each way of this kind's
	// connections (see Phase.BytesPerHandshake).
	BytesPerHandshake Bytes `json:"bytes_per_handshake"`
	// KindNetwork holds the round trips and the server's first flight,
	// counted when a network link is present.
	KindNetwork
}

// CPUPerHandshake is CPU microseconds per completed handshake.
type CPUPerHandshake struct {
	// Client is the generator process (tlsbench itself), user + system.
	Client float64 `json:"client"`
	// Server is the server processes (read from /proc), user + system; 0
	// when the server is not observable (remote).
	Server float64 `json:"server"`
	// ClientUser and ClientSystem split Client: CPU in user mode (the TLS
	// engine, the Go runtime) and in the kernel (syscalls, and on loopback
	// much of TCP's work for both ends, billed to whichever side makes the
	// syscall). They add up to Client but for rounding.
	ClientUser   float64 `json:"client_user"`
	ClientSystem float64 `json:"client_system"`
	// ServerUser and ServerSystem split Server likewise (/proc counts in
	// 10 ms ticks, so each is exact to a tick over the window); 0 when the
	// server is not observable.
	ServerUser   float64 `json:"server_user"`
	ServerSystem float64 `json:"server_system"`
}

// CPU is CPU time over a phase window.
type CPU struct {
	// ClientS is the generator's user+system CPU seconds (getrusage).
	ClientS float64 `json:"client_s"`
	// ClientUserS and ClientSystemS split ClientS into user and system
	// (kernel) CPU seconds.
	ClientUserS   float64 `json:"client_user_s"`
	ClientSystemS float64 `json:"client_system_s"`
	// ServerS is the server processes' user+system CPU seconds (from
	// /proc/PID/stat); 0 when not observable.
	ServerS float64 `json:"server_s"`
	// ServerUserS and ServerSystemS split ServerS (utime and stime of
	// /proc/PID/stat); 0 when not observable.
	ServerUserS   float64 `json:"server_user_s"`
	ServerSystemS float64 `json:"server_system_s"`
	// ServerObserved is true when ServerS was measured.
	ServerObserved bool `json:"server_observed"`
	// MachineBusy is the whole machine's busy fraction (0..1 of all CPUs,
	// from /proc/stat), so that other load on the machine is visible.
	MachineBusy float64 `json:"machine_busy"`
	// ClientUtil is ClientS / window, in cores.
	ClientUtil float64 `json:"client_util_cores"`
	// ServerUtil is ServerS / window, in cores.
	ServerUtil float64 `json:"server_util_cores"`
}

// Bytes is a mean number of TLS record bytes each way.
type Bytes struct {
	ClientToServer float64 `json:"client_to_server"`
	ServerToClient float64 `json:"server_to_client"`
}

// ErrorDetail is the count of one error class at one stage, with a sample.
type ErrorDetail struct {
	// Class is the error class (see Phase.Errors).
	Class string `json:"class"`
	// Stage is where the error happened: connect, handshake or after
	// (after the handshake completed).
	Stage string `json:"stage"`
	// Count is the number of connections that failed so.
	Count int64 `json:"count"`
	// Sample is one error message of the class.
	Sample string `json:"sample"`
	// Hint says what to do about it.
	Hint string `json:"hint"`
}

// Negotiated counts handshakes with one negotiated parameter set.
type Negotiated struct {
	Version     string `json:"version"`
	CipherSuite string `json:"cipher_suite"`
	Group       string `json:"group"`
	Count       int64  `json:"count"`
}

// Prediction is a model's expected resumption rate for a phase.
type Prediction struct {
	// ResumedShare is the predicted share of completed handshakes that
	// resume (0..1).
	ResumedShare float64 `json:"resumed_share"`
	// MeasuredShare is the measured share: Handshakes.Resumed /
	// Handshakes.Completed().
	MeasuredShare float64 `json:"measured_share"`
	// Tolerance is how far the measured share may be from the predicted
	// one before a warning: four binomial standard deviations over the
	// phase's handshakes, plus two points for what the model leaves out.
	Tolerance float64 `json:"tolerance"`
	// RevisitS is the mean time between two connections of one client
	// that the model used (clients / rate, plus think time), in seconds.
	RevisitS float64 `json:"revisit_s"`
	// Model says in words what the prediction assumes.
	Model string `json:"model"`
}

// Sweep is the latency-throughput curve of a saturation sweep.
type Sweep struct {
	// Steps are the sweep's steps in order, each a phase of the run.
	Steps []SweepStep `json:"steps"`
	// Knee is the index in Steps of the last step before the server
	// saturated or passed the latency limit; -1 when the first step did.
	// Equal to len(Steps)-1 when the sweep ended without saturating.
	Knee int `json:"knee"`
	// Stopped says why the sweep ended: "saturated", "p99 limit",
	// "reached the last rate" or "interrupted".
	Stopped string `json:"stopped"`
}

// SweepStep is one step of a saturation sweep.
type SweepStep struct {
	Phase            string  `json:"phase"`
	OfferedRatePerS  float64 `json:"offered_rate_per_s"`
	AchievedRatePerS float64 `json:"achieved_rate_per_s"`
	// TotalUS is the step's total latency (intended start to handshake
	// done) percentiles in µs.
	TotalUS IntervalLatency `json:"total_us"`
	// Late is the share of starts that began late (0..1).
	Late float64 `json:"late"`
}

// Pacing is what an open-loop phase offered and how well the generator
// kept to its schedule.
type Pacing struct {
	// OfferedRatePerS is the schedule's rate; Arrival is constant or
	// poisson.
	OfferedRatePerS float64 `json:"offered_rate_per_s"`
	Arrival         string  `json:"arrival"`
	// Scheduled is the connections started on the schedule; Late those
	// whose dial began more than LateAfterUS after their intended start,
	// because every worker was busy (the concurrency limit) or the
	// generator was slow.
	Scheduled   int64   `json:"scheduled"`
	Late        int64   `json:"late"`
	LateAfterUS float64 `json:"late_after_us"`
	// LagUS is the distribution of (dial start − intended start).
	LagUS Summary `json:"lag_us"`
	// ConnectUncorrectedUS is connect latency from the dial's actual
	// start, of the completed handshakes.
	ConnectUncorrectedUS Summary `json:"connect_uncorrected_us"`
}

// Interval is one second of a phase.
type Interval struct {
	// StartS is the interval's start in seconds since the phase started;
	// every interval is IntervalS long except maybe the last.
	StartS float64 `json:"start_s"`
	// IntervalS is the interval's length in seconds.
	IntervalS float64 `json:"interval_s"`
	// Full, Resumed and Failed count the connections that ended in the
	// interval by outcome; Offered those that offered a session.
	Full    int64 `json:"full"`
	Resumed int64 `json:"resumed"`
	Offered int64 `json:"offered"`
	Failed  int64 `json:"failed"`
	// RatePerS is (Full + Resumed) / IntervalS.
	RatePerS float64 `json:"rate_per_s"`
	// HandshakeUS holds p50 and p99 handshake latency of the interval's
	// completed handshakes, in µs, from an HDR histogram with 2
	// significant digits.
	HandshakeUS IntervalLatency `json:"handshake_us"`
}

// IntervalLatency is an interval's latency percentiles in microseconds.
type IntervalLatency struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
}

// ClientNode is the client's count of one node's connections in a phase.
type ClientNode struct {
	Node      int    `json:"node"`
	Address   string `json:"address"`
	Completed int64  `json:"completed"`
	Resumed   int64  `json:"resumed"`
	// Failed counts connections to the node that failed (at any stage),
	// and Errors splits them by class.
	Failed int64            `json:"failed"`
	Errors map[string]int64 `json:"errors,omitempty"`
	// FirstFailure and LastFailure are when the first and the last failed
	// connection to the node ended; nil when none failed.
	FirstFailure *time.Time `json:"first_failure,omitempty"`
	LastFailure  *time.Time `json:"last_failure,omitempty"`
}

// Fault is a failure that the scenario injected into the testbed.
type Fault struct {
	// At is when it was injected.
	At time.Time `json:"at"`
	// Action is kill (the node closed its listener and its connections),
	// stall (the node stopped accepting) or kill-testbed (the whole
	// testbed process was killed).
	Action string `json:"action"`
	// Node is the node, or -1 for the whole testbed.
	Node int `json:"node"`
	// Error is set when the fault could not be injected.
	Error string `json:"error,omitempty"`
}

// Cell is one entry of a resumption matrix.
type Cell struct {
	Offered int64 `json:"offered"`
	Resumed int64 `json:"resumed"`
}

// Server is the server's own count of the handshakes it completed during a
// phase window (the difference of its counters read before and after).
type Server struct {
	// Handshakes is completed handshakes, full and resumed.
	Handshakes int64 `json:"handshakes"`
	// Full and Resumed split Handshakes.
	Full    int64 `json:"full"`
	Resumed int64 `json:"resumed"`
	// Failed is handshakes the server saw fail.
	Failed int64 `json:"failed"`
	// Fallbacks counts the sessions the servers were offered and did not
	// resume, by the server's reason: other_node (issued by a node whose
	// key or store this one does not share), rotated_out (a key rotated
	// out), rotated_ahead (a key not yet rotated in), expired (older than
	// the session lifetime), evicted (no longer in the session store),
	// unreadable.
	Fallbacks map[string]int64 `json:"fallbacks"`
	// Nodes splits the counts per node.
	Nodes []NodeCounts `json:"nodes"`
}

// NodeCounts is one server node's counts over a phase window.
type NodeCounts struct {
	Node    int    `json:"node"`
	Address string `json:"address"`
	Full    int64  `json:"full"`
	Resumed int64  `json:"resumed"`
	Failed  int64  `json:"failed"`
	TLS12   int64  `json:"tls12"`
	TLS13   int64  `json:"tls13"`
	// Fallbacks is this node's share of Server.Fallbacks.
	Fallbacks map[string]int64 `json:"fallbacks"`
	// KeyGeneration is the node's ticket-key generation at the phase's end
	// (it grows by one at each rotation).
	KeyGeneration int64 `json:"key_generation"`
}

// Warning is a condition that limits how far a run's numbers can be trusted.
type Warning struct {
	// Code is a stable identifier, e.g. "generator_cpu_bound"; its meaning
	// is Code.Meaning().
	Code WarningCode `json:"code"`
	// Phase is the phase it applies to; empty for the whole run.
	Phase string `json:"phase,omitempty"`
	// Message explains it to a person.
	Message string `json:"message"`
}

// Name is the name a run is shown and grouped by everywhere (tables,
// charts, comparisons, reports): its Label, which package bench sets to
// the scenario's name, or, in a file without one, the scenario's name.
func (r *Run) Name() string {
	if r.Label != "" {
		return r.Label
	}
	return r.Scenario.Name
}

// Completed returns the number of completed handshakes (full + resumed).
func (h Handshakes) Completed() int64 { return h.Full + h.Resumed }
