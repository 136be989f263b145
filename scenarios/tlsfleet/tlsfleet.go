// Package tlsfleet names what the packages that describe, run and measure a
// fleet of TLS servers say about it in common: what kind of fleet a run
// measured, where its nodes keep resumption state (the scope of ticket keys
// and session caches, and the kind of store), and why an offered session
// was not resumed (the fallback reasons counted by the generator and by the
// testbed's nodes). Scenarios, the testbed, the real servers, the
// generator and package bench use these types instead of bare strings;
// results store them as their string values.
//
// It holds types and constants only. The fleets themselves are run by
// package bench (its Fleet interface), package testbed and package
// realserver.
package tlsfleet

// Kind is the kind of fleet a run measured, as results record it in
// .target.kind.
type Kind string

// The kinds of fleet.
const (
	// Embedded is the Go testbed that tlsbench starts in a process of its
	// own.
	Embedded Kind = "embedded"
	// Real is nginx, HAProxy or openssl s_server nodes that tlsbench
	// configures and starts, one process per node.
	Real Kind = "real"
	// Remote is a server that tlsbench did not start and cannot observe.
	Remote Kind = "remote"
)

// Scope is where a piece of server-side resumption state lives: ticket
// keys, or a session cache.
type Scope string

// The scopes.
const (
	// PerNode: each node has its own, so a session resumes only at the
	// node that issued it.
	PerNode Scope = "per-node"
	// Shared: one for every node, so a session resumes at any node.
	Shared Scope = "shared"
	// Off: none (no tickets are issued, or no session is cached).
	Off Scope = "off"
)

// Store is how a node keeps the state of the sessions it issues.
type Store string

// The stores.
const (
	// Tickets: stateless tickets; the session state travels encrypted
	// under the node's ticket key and nothing stays on the server.
	Tickets Store = "tickets"
	// Cache: a server-side session cache; the state stays on the server
	// and the client holds only a handle to it (a session ID, or a
	// stateful ticket).
	Cache Store = "cache"
)

// Fallback is a reason why a handshake was full although resumption was
// on. The generator counts the client's reasons (NoSession,
// OfferedNotResumed, IssuedByOtherNode) in results' .phases[].fallbacks;
// the testbed's nodes count the server's (the others) in
// .phases[].server.fallbacks.
type Fallback string

// The client's fallback reasons.
const (
	// NoSession: the client held no session for the service when it
	// dialled (its first visit, or its session was dropped).
	NoSession Fallback = "no_session"
	// OfferedNotResumed: the client offered a session and the server did
	// a full handshake.
	OfferedNotResumed Fallback = "offered_not_resumed"
	// IssuedByOtherNode: the part of OfferedNotResumed whose session was
	// issued by another node than the one that refused it.
	IssuedByOtherNode Fallback = "issued_by_other_node"
)

// The server's fallback reasons: why a node did not resume a session it
// was offered.
const (
	// OtherNode: issued by a node whose ticket key or store this node
	// does not share.
	OtherNode Fallback = "other_node"
	// RotatedOut: encrypted under a ticket key this node has rotated out.
	RotatedOut Fallback = "rotated_out"
	// RotatedAhead: encrypted under a ticket key this node has not
	// rotated in yet (the issuer rotated first).
	RotatedAhead Fallback = "rotated_ahead"
	// Expired: older than the session lifetime.
	Expired Fallback = "expired"
	// Evicted: no longer in the server-side store.
	Evicted Fallback = "evicted"
	// Unreadable: not a session this fleet issued, or undecryptable for no
	// reason above.
	Unreadable Fallback = "unreadable"
)
