// Package testbed is the embedded TLS server fleet that tlsbench measures
// when a scenario names no remote target. It runs in a process of its own
// (the hidden command `tlsbench testbed`) so that its CPU is measured apart
// from the generator's.
//
// Each node is a Go crypto/tls server on its own loopback address
// (127.0.0.2, 127.0.0.3, ...) with its own tls.Config, never a clone of
// another node's. After a handshake a node writes one short application
// record, its node id ("node 0\n"), sends close_notify and a TCP FIN, reads
// what the client still sends until EOF, and closes. Each node counts its
// full and resumed handshakes by version.
//
// Resumption on a node is either stateless tickets (the session state is
// encrypted with the node's ticket key, per node or shared, by crypto/tls's
// own EncryptTicket) or a server-side session cache: the state stays in the
// node's (or the fleet's shared) store and the ticket field on the wire
// carries only a random 16-byte handle. That is the semantics of a
// session-ID cache carried in the ticket field; Go's server never does
// TLS 1.2 session-ID resumption.
//
// In both cases the ticket on the wire starts with a 15-byte plaintext
// header (format version, issuing node, key generation, issue time) so that
// a node can say why it did not resume a session: another node's key, a
// rotated key, an expired session. The header holds no secret.
//
// The fleet reads the time on one clock (package clock; the real one in
// Serve): the rotation epoch and schedule, a session's issue time and its
// age, and the tls.Config.Time of every node, against which crypto/tls
// checks its own session lifetimes.
//
// The parent talks to the child over its stdin and stdout, one JSON object
// per line: it sends a Config, the child answers Ready; then each "stats"
// line is answered with Stats, and each fault line ("kill N": node N closes
// its listener and resets its connections; "stall N": node N stops
// accepting) with FaultReply. When its stdin closes the child stops. Ticket
// keys are made in the child and never leave it.
package testbed

import (
	"crypto/tls"
	"time"

	"github.com/tlsbench/tlsbench/scenarios/tlsfleet"
)

// Config configures a testbed fleet. It travels from the parent to the child
// as JSON. It holds file paths, never key material.
type Config struct {
	// Addresses are the nodes' listen addresses, one node each
	// ("127.0.0.2:0"; port 0 picks a free port).
	Addresses []string `json:"addresses"`

	// CertFile and KeyFile are PEM files of the certificate chain (leaf
	// first) and its private key, shared by all nodes.
	CertFile string `json:"cert_file"`
	KeyFile  string `json:"key_file"`

	// Store is where nodes keep resumption state: tlsfleet.Tickets
	// (stateless tickets under a ticket key) or tlsfleet.Cache (a
	// server-side session store; only a handle goes on the wire). Empty
	// means Tickets.
	Store tlsfleet.Store `json:"store"`

	// TicketKeys is where ticket keys live with Store Tickets:
	// tlsfleet.PerNode (each node its own; the default), Shared (one key
	// for every node) or Off (no tickets are issued).
	TicketKeys tlsfleet.Scope `json:"ticket_keys"`

	// RotateEvery rotates the ticket keys this often (zero: never). Keys
	// come in generations: generation g is in use from Epoch + offset +
	// g*RotateEvery, where a node's offset is 0, or i/len(Addresses) of a
	// period for node i when RotationStagger is set.
	RotateEvery     time.Duration `json:"rotate_every"`
	RotationOverlap time.Duration `json:"rotation_overlap"`
	RotationStagger bool          `json:"rotation_stagger"`

	// SessionLifetime is how long a node accepts a session after issuing
	// it (zero: Go's 7 days).
	SessionLifetime time.Duration `json:"session_lifetime"`

	// SharedCache gives every node the same session store (Store Cache).
	// Otherwise each node has its own.
	SharedCache bool `json:"shared_cache"`

	// CacheSize bounds each session store; the oldest entry is evicted
	// first. Zero means 1,000,000.
	CacheSize int `json:"cache_size"`

	// HandshakeTimeout bounds a node's handshake and what follows it. Zero
	// means 10 s.
	HandshakeTimeout time.Duration `json:"handshake_timeout"`

	// CurvePreferences are the key-exchange groups every node accepts, in
	// its order of preference (tls.Config.CurvePreferences). A TLS 1.3
	// client whose key shares hold none of the group a node picks gets a
	// HelloRetryRequest. Nil: Go's defaults.
	CurvePreferences []tls.CurveID `json:"curve_preferences,omitempty"`
	// ClientCAFile, when set, is a PEM file of CA certificates: every
	// node requires a client certificate and verifies it against them
	// (mutual TLS, tls.RequireAndVerifyClientCert); a handshake without a
	// valid one fails. Empty: no client certificate is asked for.
	ClientCAFile string `json:"client_ca_file,omitempty"`

	// ECHPublicName, when set, turns on Encrypted Client Hello: the fleet
	// makes one ECH key (X25519 HPKE) for the run, shared by every node,
	// whose config carries this public name, and answers Ready with its
	// config list; the nodes then accept TLS 1.3 only. The key is made in
	// the child and never leaves it. Empty: no ECH.
	ECHPublicName string `json:"ech_public_name,omitempty"`
}

// Ready is the child's answer to a Config.
type Ready struct {
	// Addresses are the nodes' actual listen addresses, in node order.
	Addresses []string `json:"addresses,omitempty"`
	// Epoch is the start of the key-rotation schedule.
	Epoch time.Time `json:"epoch"`
	// ECHConfigList is the fleet's ECH config list (Config.ECHPublicName):
	// public, what a DNS HTTPS record would publish. Empty without ECH.
	ECHConfigList []byte `json:"ech_config_list,omitempty"`
	// Error is set when the fleet could not start.
	Error string `json:"error,omitempty"`
}

// FaultReply answers a fault command ("kill N", "stall N").
type FaultReply struct {
	Error string `json:"error,omitempty"`
}

// Stats is a snapshot of every node's counters since the fleet started.
type Stats struct {
	Nodes []NodeStats `json:"nodes"`
}

// NodeStats are one node's counters since it started. Counters only grow;
// a phase's counts are the difference of two snapshots.
type NodeStats struct {
	// Node is the node id, its index in Config.Addresses.
	Node int `json:"node"`
	// Address is the node's listen address.
	Address string `json:"address"`
	// Full12, Full13, Resumed12 and Resumed13 count completed handshakes
	// by kind and version.
	Full12    int64 `json:"full_tls12"`
	Full13    int64 `json:"full_tls13"`
	Resumed12 int64 `json:"resumed_tls12"`
	Resumed13 int64 `json:"resumed_tls13"`
	// Failed counts handshakes that failed on the server.
	Failed int64 `json:"failed"`
	// Fallbacks count the sessions presented to the node that it did not
	// resume, by reason.
	Fallbacks Fallbacks `json:"fallbacks"`
	// Generation is the node's current ticket-key generation.
	Generation int64 `json:"generation"`
}

// Fallbacks counts, by reason, the sessions a node was offered and did not
// resume. Each field's JSON key is its reason's tlsfleet.Fallback.
type Fallbacks struct {
	// OtherNode: issued by another node whose key (or store) this node
	// does not share.
	OtherNode int64 `json:"other_node"`
	// RotatedOut: encrypted under a key this node has rotated out.
	RotatedOut int64 `json:"rotated_out"`
	// RotatedAhead: encrypted under a key this node has not rotated in
	// yet (the issuer rotated first; staggered rotation with shared keys).
	RotatedAhead int64 `json:"rotated_ahead"`
	// Expired: older than the session lifetime.
	Expired int64 `json:"expired"`
	// Evicted: not in the server-side store any more (Store Cache).
	Evicted int64 `json:"evicted"`
	// Unreadable: not a session this testbed issued, or undecryptable for
	// no reason above.
	Unreadable int64 `json:"unreadable"`
}

// Reasons returns the counts by reason.
func (f Fallbacks) Reasons() map[tlsfleet.Fallback]int64 {
	return map[tlsfleet.Fallback]int64{
		tlsfleet.OtherNode:    f.OtherNode,
		tlsfleet.RotatedOut:   f.RotatedOut,
		tlsfleet.RotatedAhead: f.RotatedAhead,
		tlsfleet.Expired:      f.Expired,
		tlsfleet.Evicted:      f.Evicted,
		tlsfleet.Unreadable:   f.Unreadable,
	}
}

// Total returns the number of fallbacks of every reason.
func (f Fallbacks) Total() int64 {
	return f.OtherNode + f.RotatedOut + f.RotatedAhead + f.Expired + f.Evicted + f.Unreadable
}

// Full returns the node's completed full handshakes.
func (n NodeStats) Full() int64 { return n.Full12 + n.Full13 }

// Resumed returns the node's completed resumed handshakes.
func (n NodeStats) Resumed() int64 { return n.Resumed12 + n.Resumed13 }
