// Package scenarios owns the benchmark scenario: its YAML schema, strict
// decoding with file:line:column positions, defaults and validation.
//
// A scenario says what to measure (TLS version, key type, key-exchange
// groups, resumption mode), how hard (simulated clients, concurrency, phases)
// and against what (the embedded testbed or a remote server). It does not run
// anything: package bench turns a Scenario into load.
//
// Load decodes strictly: an unknown key, a value of the wrong type or a bad
// value is an error that names the file, line, column and key path, and every
// problem in the file is reported at once.
//
// Beside the code, this directory holds the default scenario set as YAML
// files (core-*.yaml, one per TLS version, key type, key exchange and
// resumption mode), the topology scenarios (topology-*.yaml, aws-*.yaml),
// their variants on real servers (nginx-*.yaml, haproxy-*.yaml), and
// example-remote.yaml, a commented example for measuring a server of your
// own.
package scenarios

import (
	"fmt"
	"strings"
	"time"

	"github.com/tlsbench/tlsbench/scenarios/kex"
	"github.com/tlsbench/tlsbench/scenarios/tlsfleet"
)

// Scenario is one benchmark, as written in a YAML file. The zero value of
// every field means "use the default" (see Defaults); Load applies the
// defaults before validating.
type Scenario struct {
	// Name identifies the scenario in results and tables. Default: the
	// file's base name without its extension.
	Name string `yaml:"name" json:"name"`

	// Description is free text for the reader of results and reports.
	Description string `yaml:"description" json:"description,omitempty"`

	// TLS is what the clients offer.
	TLS TLS `yaml:"tls" json:"tls"`

	// Resumption is the resumption strategy. Default: none.
	Resumption Resumption `yaml:"resumption" json:"resumption"`

	// AfterHandshake is what a client does once the handshake has
	// completed. Default: read-eof.
	AfterHandshake AfterHandshake `yaml:"after_handshake" json:"after_handshake"`

	// Clients is the simulated client population and how many connect at
	// once.
	Clients Clients `yaml:"clients" json:"clients"`

	// Phases run in order over the same client population, so that a
	// warm-up phase fills the clients' session caches. Default: a 2 s
	// warm-up that is not recorded, then a 10 s measured phase.
	Phases []Phase `yaml:"phases" json:"phases"`

	// Target is where the load goes. Its zero value means servers that
	// bench starts on loopback (see Server).
	Target Target `yaml:"target" json:"target"`

	// Network, when set, puts an emulated network (round-trip time, loss,
	// bandwidth) between the generator and the servers bench starts; see
	// Network. Nil: loopback, as without it.
	Network *Network `yaml:"network" json:"network,omitempty"`

	// Server is the server software of the nodes that bench starts on
	// loopback when Target is empty: embedded (the Go testbed), nginx,
	// haproxy (HAProxy terminating TLS itself) or openssl (openssl
	// s_server). Default: embedded. It must be left unset (or embedded)
	// with a Target.
	Server ServerKind `yaml:"server" json:"server"`

	// Topology describes the nodes bench starts: how many, how connections
	// are spread over them, and where their resumption state lives.
	Topology Topology `yaml:"topology" json:"topology"`

	// Timeouts bound every step of a connection.
	Timeouts Timeouts `yaml:"timeouts" json:"timeouts"`

	// Close is how connections end.
	Close Closing `yaml:"close" json:"close"`

	// Sweep, when set, replaces the recorded phases with open-loop steps of
	// increasing rate (the phases that are not recorded still run first,
	// as warm-ups).
	Sweep *Sweep `yaml:"sweep" json:"sweep,omitempty"`

	// Faults are failures injected into the embedded testbed during the
	// run, to see what the measurement and resumption do when a node
	// dies. The run goes on; failed connections are counted by class and
	// by node.
	Faults []Fault `yaml:"faults" json:"faults,omitempty"`

	// Thresholds are pass/fail limits checked on each measured phase (see
	// Thresholds); a crossed one makes tlsbench run exit with status 4.
	// Nil: none.
	Thresholds *Thresholds `yaml:"thresholds" json:"thresholds,omitempty"`
	// Seed seeds the generator's random choices: random balance, think
	// times and Poisson arrivals (a shard's stream is seeded from Seed and
	// its index). Zero: one drawn at random for each run and recorded in
	// the result (.client.seed).
	Seed int64 `yaml:"seed" json:"seed,omitempty"`

	// File is the path the scenario was loaded from; empty for a scenario
	// built in code. It is not part of the YAML schema.
	File string `yaml:"-" json:"file,omitempty"`
}

// TLS is the client's TLS offer.
type TLS struct {
	// Version is the one TLS version the client offers: "1.2" or "1.3".
	// Default: "1.3".
	Version Version `yaml:"version" json:"version"`

	// Key is the type of the server's certificate key on the embedded
	// testbed: rsa-2048, ecdsa-p256, ed25519 or rsa-4096. Default:
	// ecdsa-p256. For a
	// remote target it records what the user expects and is checked
	// against the certificate the server presents.
	Key KeyType `yaml:"key" json:"key"`

	// Groups are the key-exchange groups the client offers, in order of
	// preference, by their names in package kex: x25519, x25519mlkem768,
	// secp256r1mlkem768, secp384r1mlkem1024, p256, p384, p521. Empty means
	// Go's default list. With TLS 1.2 and an ECDSA
	// certificate, the certificate's curve must be among the groups.
	Groups []kex.Group `yaml:"groups" json:"groups,omitempty"`

	// CertFile and KeyFile are your own certificate chain (PEM, leaf
	// first) and private key for the embedded testbed to serve instead of
	// a throwaway one, so that your chain's size and key are measured.
	// Key is then taken from the certificate, and the server name from
	// its first DNS name. A key file that others can read is warned
	// about.
	CertFile string `yaml:"cert_file" json:"cert_file,omitempty"`
	KeyFile  string `yaml:"key_file" json:"key_file,omitempty"`

	// CAFile verifies CertFile's chain (PEM). Empty: the system roots.
	CAFile string `yaml:"ca_file" json:"ca_file,omitempty"`

	// Verify is how the client verifies certificate chains: cached (each
	// distinct chain is verified fully once, then matched byte for byte
	// until it expires, as browsers' verifiers do) or full (every full
	// handshake verifies the chain). The handshake signature is checked
	// on every connection either way. Default: cached.
	Verify VerifyMode `yaml:"verify" json:"verify"`

	// ServerGroups are the key-exchange groups the embedded testbed's
	// nodes accept, in their order of preference (each node's
	// tls.Config.CurvePreferences), by their names in package kex. A
	// TLS 1.3 server picks the first of them the client supports; when
	// the client's first ClientHello carries no key share for it, the
	// server answers with a HelloRetryRequest, which costs a round trip
	// (counted in .phases[].handshakes.hello_retry). Go's client sends key
	// shares for its first preference only (and X25519 beside a hybrid
	// first choice), so server_groups: [p256] draws a HelloRetryRequest
	// from every TLS 1.3 client of Go's default offer. Empty: Go's
	// defaults. The embedded testbed only; see tls_extra.go.
	ServerGroups []kex.Group `yaml:"server_groups" json:"server_groups,omitempty"`

	// Chain shapes the throwaway certificate chain tlsbench makes for the
	// servers it starts: more intermediates make a longer chain, and so a
	// larger server first flight. Nil: a CA and a leaf, as without it.
	// Not with cert_file (your chain is what it is) or a remote target.
	Chain *Chain `yaml:"chain" json:"chain,omitempty"`

	// ClientCert, when set, makes every client present a certificate
	// (mutual TLS), and the servers tlsbench starts require and verify
	// it. Nil: no client certificate. See ClientCert.
	ClientCert *ClientCert `yaml:"client_cert" json:"client_cert,omitempty"`

	// ECH makes the clients offer Encrypted Client Hello (TLS 1.3 only):
	// the embedded testbed makes an ECH key and config list for the run;
	// a remote target's config list is read from target.ech_config_file.
	// Every handshake must accept ECH. Default: false.
	ECH bool `yaml:"ech" json:"ech,omitempty"`

	// ReuseKeyShare is a lab mode, not what a real client does: each
	// worker offers one key share in this many TLS 1.3 handshakes of its
	// clients before it makes a new one (RFC 9846 section 4.2.8: clients
	// MUST NOT reuse a key share; servers MUST accept one that is
	// reused). It saves the generator one scalar multiplication per
	// handshake and changes nothing of the server's work; the result
	// records it and the summary warns about it. TLS 1.3 only; the first
	// of tls.groups must be x25519 or p256; not with client_cert or ech.
	// Default: 0, a fresh key share for every handshake. See
	// keyshare.go.
	ReuseKeyShare int `yaml:"reuse_key_share" json:"reuse_key_share,omitempty"`
}

// Chain is the shape of a throwaway certificate chain.
type Chain struct {
	// Intermediates is the number of intermediate CAs between the root CA
	// and the leaf, 0..8; every certificate has tls.key's key type. The
	// servers send the leaf, the intermediates (nearest first) and the
	// root, as the chain without intermediates sends its CA. Default: 0.
	Intermediates int `yaml:"intermediates" json:"intermediates"`
}

// VerifyMode is how the client verifies certificate chains.
type VerifyMode string

// The verify modes.
const (
	VerifyCached VerifyMode = "cached"
	VerifyFull   VerifyMode = "full"
)

// Clients is the simulated client population.
type Clients struct {
	// Count is the number of simulated clients. Each has its own TLS
	// configuration and its own session cache, as each browser has its
	// own. Default: 64.
	Count int `yaml:"count" json:"count"`

	// Concurrency is the number of connections in flight at once (a closed
	// loop: a worker starts its next connection when the previous one
	// ends). Default: 16, or Count if that is smaller. It must not exceed
	// Count.
	Concurrency int `yaml:"concurrency" json:"concurrency"`

	// ThinkTime is how long a client waits after a connection ends before
	// it may connect again (its revisit time), as a user between page
	// loads. Zero: it comes back as soon as its worker reaches it.
	ThinkTime Duration `yaml:"think_time" json:"think_time,omitempty"`

	// Think is the distribution of think times: constant or exponential
	// (mean ThinkTime). Default: constant.
	Think ThinkDist `yaml:"think" json:"think,omitempty"`

	// Rate, when set, runs an open loop: connections start at this many
	// per second on a schedule that does not wait for completions, with
	// at most Concurrency in flight. Latency then counts from each
	// connection's intended start, and starts the generator could not make
	// on time are counted. Zero: a closed loop of Concurrency connections.
	Rate float64 `yaml:"rate" json:"rate,omitempty"`

	// Arrival is how open-loop starts are spaced: constant or poisson.
	// Default: constant. In a run split into shards, poisson runs an
	// independent Poisson stream in each shard (exact whatever the
	// shards' clock skew), constant the shard's share of the global ticks
	// from the common start (which needs a skew far below 1/rate).
	Arrival Arrival `yaml:"arrival" json:"arrival,omitempty"`

	// SourceAddresses are local IP addresses to dial from, spread over the
	// connections in flight. Several 127.0.0.x addresses multiply the
	// ephemeral ports available for loopback runs. Empty: the kernel's
	// choice.
	SourceAddresses []string `yaml:"source_addresses" json:"source_addresses,omitempty"`
}

// Arrival is how open-loop connection starts are spaced.
type Arrival string

// The arrival processes.
const (
	ArrivalConstant Arrival = "constant"
	ArrivalPoisson  Arrival = "poisson"
)

// Sweep steps the offered rate (open loop) up until the server saturates or
// the latency passes a limit: the knee of the latency-throughput curve.
type Sweep struct {
	// From, To and Step are offered rates in connections per second.
	From float64 `yaml:"from" json:"from"`
	To   float64 `yaml:"to" json:"to"`
	Step float64 `yaml:"step" json:"step"`
	// StepDuration is how long each step runs. Default: 3s.
	StepDuration Duration `yaml:"step_duration" json:"step_duration"`
	// P99Limit stops the sweep after the first step whose p99 total
	// latency (intended start to handshake done) passes it. Zero: no
	// limit.
	P99Limit Duration `yaml:"p99_limit" json:"p99_limit,omitempty"`
	// Saturated is the share of the offered rate below which a step counts
	// as saturated, which stops the sweep. Default: 0.9.
	Saturated float64 `yaml:"saturated" json:"saturated"`
}

// ThinkDist is a distribution of client think times.
type ThinkDist string

// The think-time distributions.
const (
	ThinkConstant    ThinkDist = "constant"
	ThinkExponential ThinkDist = "exponential"
)

// Phase is one stretch of a run. Exactly one of Duration and Count is set.
type Phase struct {
	// Name labels the phase in results ("warmup", "measure").
	Name string `yaml:"name" json:"name"`

	// Duration ends the phase after this much wall time; in-flight
	// connections then finish (they count in the phase).
	Duration Duration `yaml:"duration" json:"duration,omitempty"`

	// Count ends the phase after this many connections have been started.
	Count int `yaml:"count" json:"count,omitempty"`

	// Rate overrides clients.rate for this phase (an open loop at this
	// many connections per second). Zero: clients.rate.
	Rate float64 `yaml:"rate" json:"rate,omitempty"`

	// Record says whether the phase is measured. A phase that is not
	// recorded (a warm-up) still appears in the result, marked
	// measured: false, so that every connection is accounted for.
	// Default: true.
	Record *bool `yaml:"record" json:"record,omitempty"`
}

// Recorded reports whether the phase is measured (Record unset means true).
func (p Phase) Recorded() bool { return p.Record == nil || *p.Record }

// Target is a remote server. Its zero value (no Address) means the
// embedded testbed.
type Target struct {
	// Address is host:port of a remote server. Empty: the embedded
	// testbed. A name that resolves to several addresses is a fleet: the
	// generator balances over them (see bench's Options.Resolve).
	Address string `yaml:"address" json:"address,omitempty"`

	// Addresses are the host:port addresses of a remote fleet, instead of
	// Address: the generator balances its connections over them with
	// topology.balance, as clients behind DNS do, and reports each
	// address as a node (per-node counts, the issuer × server matrix).
	// The topology's ticket_keys and session_cache then say what you
	// expect of the fleet, for the prediction; topology.nodes defaults to
	// their number.
	Addresses []string `yaml:"addresses" json:"addresses,omitempty"`

	// ServerName is the name sent in SNI and verified in the
	// certificate. Default: the host part of Address.
	ServerName string `yaml:"server_name" json:"server_name,omitempty"`

	// CAFile is a PEM file of CA certificates to verify the server with.
	// Empty: the system roots.
	CAFile string `yaml:"ca_file" json:"ca_file,omitempty"`

	// InsecureSkipVerify skips certificate verification. It is never set
	// by default; when set, the result records it and warns.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify" json:"insecure_skip_verify,omitempty"`

	// ECHConfigFile is the server's ECH config list (an ECHConfigList,
	// binary, base64 as in a DNS HTTPS record's ech= parameter, or PEM
	// "ECHCONFIG"), which the clients encrypt their ClientHello to with
	// tls.ech. Only with an Address.
	ECHConfigFile string `yaml:"ech_config_file" json:"ech_config_file,omitempty"`
}

// Embedded reports whether the load goes to servers bench starts on
// loopback (the embedded testbed or real servers, see Scenario.Server)
// rather than to a remote address.
func (t Target) Embedded() bool { return t.Address == "" && len(t.Addresses) == 0 }

// List returns the target's addresses: Addresses, or Address alone, or
// none for the embedded testbed.
func (t Target) List() []string {
	switch {
	case len(t.Addresses) > 0:
		return t.Addresses
	case t.Address != "":
		return []string{t.Address}
	}
	return nil
}

// ServerKind is the server software of the nodes bench starts.
type ServerKind string

// The server kinds. The real servers (nginx, haproxy, openssl) come from
// the system's packages; bench writes their configuration into a
// temporary directory and runs one process per node.
const (
	// ServerEmbedded is the Go crypto/tls testbed, in a process of its
	// own.
	ServerEmbedded ServerKind = "embedded"
	// ServerNginx is nginx with the stream module: each node terminates
	// TLS, writes "node N\n" and closes, and logs $ssl_session_reused.
	ServerNginx ServerKind = "nginx"
	// ServerHAProxy is HAProxy terminating TLS itself (HTTP mode): each
	// node answers one HTTP request and logs ssl_fc_is_resumed.
	ServerHAProxy ServerKind = "haproxy"
	// ServerOpenSSL is openssl s_server -www: each node answers one HTTP
	// request with its status page; its session-cache statistics are the
	// server's count.
	ServerOpenSSL ServerKind = "openssl"
)

// Real reports whether k is an OpenSSL-based server from the system's
// packages rather than the embedded Go testbed.
func (k ServerKind) Real() bool {
	return k == ServerNginx || k == ServerHAProxy || k == ServerOpenSSL
}

// Topology is the layout of the nodes bench starts (the embedded testbed or
// real servers): how many nodes stand behind one service name, how the
// load balancer spreads connections over them, and where their resumption
// state lives. It does not apply to a remote target.
//
// By default the load balancer is modelled by the generator itself: it
// applies the balance policy and dials the chosen node's address directly,
// so there is no proxy hop and every handshake is attributed to its node
// exactly. With Balancer haproxy, a real HAProxy in TCP mode stands in
// front of the nodes and applies the policy; the generator dials only its
// address. All nodes share the service name, which is also each client's
// session-cache key, as behind one virtual IP.
type Topology struct {
	// Preset fills the fields left unset (and resumption, if unset) from
	// a named model: aws-clb, aws-alb, aws-nlb or single. See Presets.
	Preset Preset `yaml:"preset" json:"preset,omitempty"`

	// Nodes is the number of nodes, 1 to 64, each on its own loopback
	// address (127.0.0.2, 127.0.0.3, ...). Default: 1.
	Nodes int `yaml:"nodes" json:"nodes"`

	// Balancer is what applies Balance: generator (the generator picks a
	// node and dials it directly) or haproxy (an HAProxy in TCP mode on
	// 127.0.1.1 in front of the nodes; the generator dials it). Default:
	// generator.
	Balancer BalancerKind `yaml:"balancer" json:"balancer,omitempty"`

	// Balance is how a node is picked for each connection: round-robin,
	// random, least-conn (the node with the fewest connections in flight),
	// sticky (generator only: client i always to node i mod nodes) or
	// source (haproxy only: a hash of the client's source address).
	// Default: round-robin. With the generator, round-robin sends each
	// client's successive connections to successive nodes; HAProxy's
	// round-robin cycles over all connections, whoever makes them.
	Balance Balance `yaml:"balance" json:"balance"`

	// TicketKeys is where the session-ticket keys live: per-node (each
	// node its own), shared (one key for all) or off (no tickets are
	// issued). Default: per-node. On the embedded testbed it applies with
	// resumption tickets; on real servers it configures the servers
	// whatever the clients offer (openssl s_server cannot be given a key,
	// so shared is refused there).
	TicketKeys tlsfleet.Scope `yaml:"ticket_keys" json:"ticket_keys"`

	// SessionCache is where the server-side session store lives: per-node,
	// shared or off. Default: per-node. On the embedded testbed it applies
	// with resumption cache (off is refused then). On real servers it is
	// the servers' own session cache (nginx ssl_session_cache, HAProxy's
	// and s_server's internal cache): per-node or off, since each node is
	// a process of its own and cannot share one.
	SessionCache tlsfleet.Scope `yaml:"session_cache" json:"session_cache"`

	// RotateKeysEvery rotates every node's ticket key this often. Zero: no
	// rotation. The embedded testbed only.
	RotateKeysEvery Duration `yaml:"rotate_keys_every" json:"rotate_keys_every,omitempty"`

	// RotationOverlap keeps the previous key for decryption this long
	// after a rotation. Zero: the old key is dropped at once.
	RotationOverlap Duration `yaml:"rotation_overlap" json:"rotation_overlap,omitempty"`

	// RotationStagger makes the nodes rotate at different moments: node i
	// rotates i/nodes of a period after node 0. False: all at once.
	RotationStagger bool `yaml:"rotation_stagger" json:"rotation_stagger,omitempty"`

	// SessionLifetime is how long a node accepts a session after issuing
	// it. Zero: the server's default (Go's 7 days on the embedded testbed;
	// nginx's ssl_session_timeout of 5 minutes, HAProxy's
	// tune.ssl.lifetime of 5 minutes). Not settable on openssl s_server.
	SessionLifetime Duration `yaml:"session_lifetime" json:"session_lifetime,omitempty"`
}

// BalancerKind is what spreads connections over the nodes.
type BalancerKind string

// The balancers.
const (
	// BalancerGenerator: the generator applies the policy and dials each
	// node's address.
	BalancerGenerator BalancerKind = "generator"
	// BalancerHAProxy: an HAProxy in TCP mode (no TLS termination) in
	// front of the nodes applies the policy; the generator dials it.
	BalancerHAProxy BalancerKind = "haproxy"
)

// Preset names a topology model.
type Preset string

// The topology presets. Each follows a sentence of the seed documents
// (shared/domain.md); the embedded model cannot reproduce session-ID
// resumption, because Go's client cannot offer a session ID and Go's server
// never resumes by one, so a per-node session-ID cache is modelled as a
// per-node server-side session store carried in the ticket field.
const (
	// PresetSingle: one node with stateless tickets.
	PresetSingle Preset = "single"
	// PresetCLB: "Classic: session ID yes, ticket no; per node: an ID
	// from node A presented to node B gives a full handshake, B issues a
	// new ID." Modelled: 3 nodes, random balance, a per-node server-side
	// session cache (resumption cache), no stateless tickets. On real
	// servers with TLS 1.2 the resumption is by session ID (resumption
	// ids); with TLS 1.3 it is OpenSSL's session cache reached through
	// stateful tickets (resumption cache).
	PresetCLB Preset = "aws-clb"
	// PresetALB: "Application: session ID and ticket both per node: a
	// ticket or ID from node A at node B gives a full handshake." Modelled:
	// 3 nodes, random balance, per-node ticket keys (resumption tickets).
	PresetALB Preset = "aws-alb"
	// PresetNLB: "Network: no session ID; tickets region-wide: a ticket
	// resumes at any of the load balancer's addresses." Modelled: 3 nodes,
	// random balance, one ticket key shared by every node.
	PresetNLB Preset = "aws-nlb"
)

// Timeouts bound each step of a connection. Zero means the default.
type Timeouts struct {
	// Connect bounds the TCP dial. Default: 5s.
	Connect Duration `yaml:"connect" json:"connect"`
	// Handshake bounds the TLS handshake. Default: 10s.
	Handshake Duration `yaml:"handshake" json:"handshake"`
	// IO bounds what the client does after the handshake. Default: 10s.
	IO Duration `yaml:"io" json:"io"`
}

// Closing is how a connection ends. Who closes first keeps TIME_WAIT (60 s
// on Linux): at thousands of connections a second a client that closes
// first runs out of ephemeral ports.
type Closing struct {
	// First is who closes first: server (the client reads until the
	// server closes) or client (the client closes once it has the first
	// application data or the response). Default: server.
	First Closer `yaml:"first" json:"first"`
	// Reset makes the client close with a TCP reset (SO_LINGER 0): no
	// TIME_WAIT, no graceful close. It changes the server's cost too.
	Reset bool `yaml:"reset" json:"reset,omitempty"`
	// Notify makes the client send close_notify before it closes, as a
	// browser closing gracefully does. Without it nginx (OpenSSL 3) drops
	// the session it issued last from its cache whenever the client's FIN
	// is in before nginx reads for the client's close_notify (a scheduling
	// race; HAProxy and s_server keep it). Default: true.
	Notify *bool `yaml:"notify" json:"notify"`
}

// Closer is the side that closes a connection first.
type Closer string

// The closers.
const (
	CloserServer Closer = "server"
	CloserClient Closer = "client"
)

// Fault is one failure injected into the embedded testbed.
type Fault struct {
	// At is when, counted from the start of the first phase.
	At Duration `yaml:"at" json:"at"`
	// Action is kill (the node closes its listener and resets its
	// connections, as a crashed process does), stall (the node stops
	// accepting; connections wait in the backlog until they time out) or
	// kill-testbed (the whole testbed process is killed).
	Action FaultAction `yaml:"action" json:"action"`
	// Node is the node's index (0-based); not used by kill-testbed.
	Node int `yaml:"node" json:"node"`
}

// FaultAction is what a fault does.
type FaultAction string

// The fault actions.
const (
	FaultKill        FaultAction = "kill"
	FaultStall       FaultAction = "stall"
	FaultKillTestbed FaultAction = "kill-testbed"
)

// Version is a TLS protocol version as written in a scenario: "1.2" or "1.3".
type Version string

// The TLS versions a scenario may name.
const (
	TLS12 Version = "1.2"
	TLS13 Version = "1.3"
)

// KeyType is the server certificate's key type.
type KeyType string

// The key types a scenario may name.
const (
	RSA2048   KeyType = "rsa-2048"
	ECDSAP256 KeyType = "ecdsa-p256"
	Ed25519   KeyType = "ed25519"
	// RSA4096 makes the largest certificates: about 1.3 KB each, twice
	// RSA-2048's, for chains whose first flight is large.
	RSA4096 KeyType = "rsa-4096"
)

// Resumption is the resumption strategy.
type Resumption string

// The resumption strategies. Go's crypto/tls server never resumes by
// TLS 1.2 session ID; Cache models a server-side session cache with
// stateful tickets (state on the server, only a handle on the wire).
const (
	// ResumeNone: clients keep no sessions; every handshake is full.
	ResumeNone Resumption = "none"
	// ResumeTickets: stateless session tickets (TLS 1.2 RFC 5077, TLS 1.3
	// PSK), encrypted with the node's ticket key.
	ResumeTickets Resumption = "tickets"
	// ResumeCache: the server keeps session state in a cache and the
	// ticket on the wire carries only a random handle to it; the same
	// semantics as a session-ID cache, carried in the ticket field. On
	// the embedded testbed, Go stateful tickets (WrapSession); on real
	// servers with TLS 1.3, OpenSSL's stateful tickets (tickets off, a
	// session cache on).
	ResumeCache Resumption = "cache"
	// ResumeIDs: TLS 1.2 session-ID resumption. The client offers the
	// session ID the server assigned in its last full handshake and no
	// ticket (it does not even announce ticket support); a server that
	// still holds the session in its cache echoes the ID and resumes. It
	// needs a real OpenSSL-class server (server nginx, haproxy or openssl,
	// or a remote target) and TLS 1.2; the client side runs on the uTLS
	// engine (package loadgen).
	ResumeIDs Resumption = "ids"
)

// AfterHandshake is what a client does once its handshake has completed.
type AfterHandshake string

// The after-handshake actions.
const (
	// ReadEOF reads until the server closes (the testbed node writes its
	// id and closes with close_notify). This stores a TLS 1.3 ticket.
	ReadEOF AfterHandshake = "read-eof"
	// HTTP sends one HTTP/1.1 request with Connection: close and reads the
	// response to EOF, for web servers.
	HTTP AfterHandshake = "http"
	// Ticket reads until the first session ticket arrives or the IO
	// timeout passes, then closes.
	Ticket AfterHandshake = "ticket"
	// Close closes right after the handshake. No TLS 1.3 ticket is stored.
	Close AfterHandshake = "close"
)

// Balance is how the generator spreads connections over testbed nodes.
type Balance string

// The balance policies.
const (
	RoundRobin Balance = "round-robin"
	Random     Balance = "random"
	LeastConn  Balance = "least-conn"
	Sticky     Balance = "sticky"
	// Source is HAProxy's balance source: a hash of the client's source
	// address. Every generator connection comes from 127.0.0.1, so every
	// connection goes to the same node.
	Source Balance = "source"
)

// Duration is a time.Duration written as a Go duration string ("2s",
// "500ms") in YAML and JSON.
type Duration time.Duration

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(strings.TrimSpace(string(b)))
	if err != nil {
		return fmt.Errorf("not a duration (want e.g. 500ms, 2s, 1m): %q", string(b))
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration as a Go duration string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// String returns the duration as a Go duration string.
func (d Duration) String() string { return time.Duration(d).String() }
