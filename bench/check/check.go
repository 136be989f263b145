// Package check finds out what a TLS endpoint supports, the way a careful
// person would with openssl s_client, but without its traps: which
// protocol versions, TLS 1.2 cipher suites and key-exchange groups (under
// TLS 1.2 and under TLS 1.3, the post-quantum hybrids included) it
// accepts (and with which alert it refuses the others), whether Go's
// default offer draws a HelloRetryRequest, its certificate's
// key type and chain size, whether it resumes sessions by session ID, by
// TLS 1.2 ticket and by TLS 1.3 PSK, the ticket lifetime hint, whether it
// issues a new ticket on resumption, and, for several addresses of one
// service, whether a session from one address resumes at another and how
// many key or cache domains stand behind the service.
//
// A check is sequential and gentle: one connection at a time, each bounded
// by a timeout, a few dozen in all: about 45 for one address (4 versions,
// the TLS 1.2 suites Go implements, each group of package kex under each
// version accepted (4 with TLS 1.2, and x25519 alone once more with an
// ECDSA certificate; 7 with TLS 1.3), 2 per resumption mechanism, 2 for
// early data), and with several addresses 2 more per ordered pair of
// addresses (an address with itself included) and mechanism resumed: 54
// more for 3 addresses and 3 mechanisms. Every certificate is verified
// against the given roots (or the system's).
//
// Early data (0-RTT) is tested with the openssl binary when it is
// installed, since Go's crypto/tls has none: s_client keeps a session,
// then resumes it sending a GET request as early data.
//
// The TLS 1.3 PSK test reads the connection until the server's
// NewSessionTicket has arrived, which `openssl s_client -reconnect` does
// not: it reconnects before the ticket is read and prints "New" every time.
// Session IDs are offered by the session-ID engine of package loadgen
// (uTLS), since Go's crypto/tls client cannot offer one.
//
// The package does not print: it returns a Report, which the command line
// writes as a table or as JSON.
package check

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

// Config says what to check. The zero value is not usable: Address must be
// set.
type Config struct {
	// Address is the service's host:port.
	Address string

	// Addresses are several addresses of the same service, for the
	// cross-address tests: host:port, or a host alone for Address's
	// port. Empty: Address only.
	Addresses []string

	// ServerName is sent in SNI and verified in the certificate. Empty:
	// the host part of Address.
	ServerName string

	// RootCAs verifies the server. Nil: the CAs of CAFile, or without
	// it the system roots.
	RootCAs *x509.CertPool

	// Timeout bounds each connection (dial, handshake, reading the
	// ticket). Zero means 5 s.
	Timeout time.Duration

	// CAFile is a PEM file of CA certificates: the roots when RootCAs is
	// nil, and given to openssl s_client in the early-data test so that
	// it verifies the server too. Empty: the system roots (s_client's
	// defaults; its verdict does not change the test).
	CAFile string

	// OpenSSL is the openssl program that tests early data (0-RTT),
	// which Go's crypto/tls cannot send. Empty: "openssl" from PATH; when
	// it is missing the test is not made, and the report says so.
	OpenSSL string
}

// Report is what a check found. Its JSON form is stable: scripts may rely
// on .versions.accepted, .versions.refused,
// .groups.tls12.{accepted,refused,results},
// .groups.tls13.{accepted,refused,results,hello_retry},
// .resumption.session_id, .resumption.ticket_tls12, .resumption.psk_tls13,
// .early_data and .domains.
type Report struct {
	// Target is the service's address and ServerName the name verified.
	Target     string `json:"target"`
	ServerName string `json:"server_name"`
	// Addresses are the addresses connected to.
	Addresses []string `json:"addresses"`

	// Versions lists the protocol versions ("1.0" .. "1.3") accepted and
	// refused.
	Versions Versions `json:"versions"`

	// CipherSuites lists the TLS 1.2 cipher suites that Go can offer, as
	// accepted or refused (empty when TLS 1.2 is refused), and the TLS 1.3
	// suite negotiated (Go offers its fixed TLS 1.3 list).
	CipherSuites Suites `json:"cipher_suites"`

	// Groups lists the key-exchange groups accepted and refused under
	// each version, and what Go's default offer negotiated.
	Groups Groups `json:"groups"`

	// Certificate describes the chain the server sent.
	Certificate *Certificate `json:"certificate,omitempty"`

	// Resumption says by which mechanisms the first address resumes.
	Resumption Resumption `json:"resumption"`

	// EarlyData is whether the first address accepts TLS 1.3 early data
	// (0-RTT), tested with the openssl binary: EarlyAccepted,
	// EarlyRejected or EarlyNotTested; EarlyDataDetail says how it was
	// found, or why it was not tested.
	EarlyData       string `json:"early_data"`
	EarlyDataDetail string `json:"early_data_detail"`

	// Cross holds, for several addresses, whether a session issued at
	// one address resumed at another (and at itself), by mechanism.
	Cross []Cross `json:"cross,omitempty"`

	// Domains is the estimated number of key or cache domains behind the
	// addresses: groups of addresses that resume each other's sessions
	// and not the others'. It is taken by DomainsBy, the first mechanism
	// the first address resumes by, in the order a modern client uses
	// them: psk_tls13, ticket_tls12, session_id. Null when none resumes.
	Domains *int `json:"domains"`
	// DomainsBy is the mechanism Domains was found by.
	DomainsBy string `json:"domains_by,omitempty"`
	// DomainGroups are the groups of addresses, by mechanism.
	DomainGroups map[string][][]string `json:"domain_groups,omitempty"`

	// Notes explain what the results mean where they may surprise.
	Notes []string `json:"notes"`

	// Connections is how many connections the check made.
	Connections int `json:"connections"`
}

// Versions lists the protocol versions accepted and refused.
type Versions struct {
	Accepted []string `json:"accepted"`
	Refused  []string `json:"refused"`
	// Results has one entry per version, with the refusal's alert.
	Results []Probe `json:"results"`
}

// Probe is the outcome of one offer: a version, a suite or a group.
type Probe struct {
	// Name is what was offered ("1.2", a suite name, a group name).
	Name string `json:"name"`
	// Accepted says the handshake completed.
	Accepted bool `json:"accepted"`
	// Negotiated is what was negotiated: the suite (for version probes)
	// or the group (for group probes).
	Negotiated string `json:"negotiated,omitempty"`
	// Alert is the TLS alert the server sent when it refused, e.g.
	// "handshake failure", "protocol version not supported".
	Alert string `json:"alert,omitempty"`
	// Error is the client's error when the refusal was not an alert
	// (a closed connection, a negotiation the client refused), or, for a
	// TLS 1.2 group offered beside the certificate's curve, that the
	// server chose that curve instead.
	Error string `json:"error,omitempty"`
	// HelloRetry says the server answered the offer with a
	// HelloRetryRequest (TLS 1.3).
	HelloRetry bool `json:"hello_retry,omitempty"`
}

// Suites lists cipher suites.
type Suites struct {
	TLS12Accepted []string `json:"tls12_accepted"`
	TLS12Refused  []string `json:"tls12_refused"`
	TLS12Results  []Probe  `json:"tls12_results,omitempty"`
	// TLS13Negotiated is the suite negotiated with Go's TLS 1.3 offer.
	TLS13Negotiated string `json:"tls13_negotiated,omitempty"`
}

// Groups lists the key-exchange groups a server accepts, by version. Each
// group of package kex that the version can negotiate is offered in turn;
// the hybrid post-quantum groups need TLS 1.3.
type Groups struct {
	// TLS12 offers each group together with the curve of the server's
	// ECDSA certificate (a TLS 1.2 client must list that curve among its
	// groups to be served the certificate: alone, x25519 is refused by an
	// OpenSSL server with an ECDSA P-256 certificate, "no shared cipher"),
	// first in the ClientHello's list, and judges each by the group the
	// server negotiated. With an RSA or Ed25519 certificate each group is
	// offered alone.
	TLS12 GroupSet `json:"tls12"`
	// TLS13 offers each group alone, with its key share.
	TLS13 GroupSet13 `json:"tls13"`
}

// GroupSet is the groups tested under one version.
type GroupSet struct {
	// Accepted and Refused list the groups by name (package kex's).
	Accepted []string `json:"accepted"`
	Refused  []string `json:"refused"`
	// Results has one entry per group offered: Negotiated is the group
	// the server chose, Alert or Error why it refused, HelloRetry whether
	// it answered with a HelloRetryRequest.
	Results []Probe `json:"results"`
	// OfferedWith is the group offered beside each one (TLS 1.2: the
	// ECDSA certificate's curve); empty when each was offered alone.
	OfferedWith string `json:"offered_with,omitempty"`
	// Default is what Go's default offer for the version negotiated (the
	// version probe's connection); nil when the version was refused.
	Default *DefaultOffer `json:"default,omitempty"`
	// NotTested says why no group was tested (the version is refused);
	// empty when they were.
	NotTested string `json:"not_tested,omitempty"`
}

// GroupSet13 is the groups tested under TLS 1.3.
type GroupSet13 struct {
	GroupSet
	// HelloRetry is true when Go's default TLS 1.3 offer (its key shares,
	// see Default) drew a HelloRetryRequest: the server wants a group the
	// client offered without a key share, and every full handshake of a
	// client with Go's defaults costs one more round trip.
	HelloRetry bool `json:"hello_retry"`
}

// DefaultOffer is what a Go client with crypto/tls's default groups met.
type DefaultOffer struct {
	// Groups are the supported_groups of its ClientHello, in order, and
	// KeyShares the groups it sent a key share for (TLS 1.3).
	Groups    []string `json:"groups"`
	KeyShares []string `json:"key_shares,omitempty"`
	// Negotiated is the group of the handshake.
	Negotiated string `json:"negotiated"`
	// HelloRetry says the server answered with a HelloRetryRequest, and
	// HelloRetryGroup is the group it asked for.
	HelloRetry      bool   `json:"hello_retry"`
	HelloRetryGroup string `json:"hello_retry_group,omitempty"`
}

// Certificate describes a server's certificate chain.
type Certificate struct {
	// Key is the leaf's key type: rsa-2048, ecdsa-p256, ed25519, ...
	Key string `json:"key"`
	// ChainLength is the number of certificates sent; ChainBytes their
	// DER size in total.
	ChainLength int `json:"chain_length"`
	ChainBytes  int `json:"chain_bytes"`
	// Subject and Issuer are the leaf's.
	Subject  string    `json:"subject"`
	Issuer   string    `json:"issuer"`
	NotAfter time.Time `json:"not_after"`
	// Verified says the chain verified against the roots for ServerName.
	Verified bool `json:"verified"`
}

// Resumption says how the first address resumes sessions.
type Resumption struct {
	// SessionID: a TLS 1.2 session offered by its session ID (no ticket)
	// was resumed.
	SessionID bool `json:"session_id"`
	// TicketTLS12: a TLS 1.2 session ticket (RFC 5077) was resumed.
	TicketTLS12 bool `json:"ticket_tls12"`
	// PSKTLS13: a TLS 1.3 ticket (PSK) was resumed.
	PSKTLS13 bool `json:"psk_tls13"`
	// TicketLifetimeHintS is the lifetime the server gave its tickets, in
	// seconds, by version ("tls12", "tls13").
	TicketLifetimeHintS map[string]int64 `json:"ticket_lifetime_hint_s,omitempty"`
	// TicketReissued says whether a resumed handshake brought a new
	// ticket, by version.
	TicketReissued map[string]bool `json:"ticket_reissued_on_resumption,omitempty"`
	// Details explains each result in a sentence.
	Details map[string]string `json:"details"`
}

// Cross is one cross-address test: a session issued at From, offered at
// To.
type Cross struct {
	Mechanism string `json:"mechanism"`
	From      string `json:"from"`
	To        string `json:"to"`
	Resumed   bool   `json:"resumed"`
	Error     string `json:"error,omitempty"`
}

// The mechanisms, as named in Report.
const (
	MechPSK13    = "psk_tls13"
	MechTicket12 = "ticket_tls12"
	MechID       = "session_id"
)

// Run checks the endpoint cfg names. It returns an error only when nothing
// could be learned (bad input, or no connection could be made at all);
// refusals are results.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.Resolve(); err != nil {
		return nil, err
	}
	addrs := cfg.Targets()
	c := &checker{cfg: cfg, ctx: ctx}
	r := &Report{
		Target:     cfg.Address,
		ServerName: cfg.ServerName,
		Addresses:  addrs,
		Versions:   Versions{Accepted: []string{}, Refused: []string{}},
		Groups: Groups{
			TLS12: GroupSet{Accepted: []string{}, Refused: []string{}, Results: []Probe{}},
			TLS13: GroupSet13{GroupSet: GroupSet{Accepted: []string{}, Refused: []string{}, Results: []Probe{}}},
		},
		Resumption: Resumption{Details: map[string]string{}},
		Notes:      []string{},
		CipherSuites: Suites{
			TLS12Accepted: []string{},
			TLS12Refused:  []string{},
		},
	}
	c.versions(r, addrs[0])
	if len(r.Versions.Accepted) == 0 {
		if c.unreachable {
			return nil, fmt.Errorf("check: %s: %s", addrs[0], r.Versions.Results[len(r.Versions.Results)-1].Error)
		}
		r.Notes = append(r.Notes, "no protocol version was accepted: nothing more to check")
		r.Connections = c.conns
		return r, nil
	}
	c.suites(r, addrs[0])
	c.groups(r, addrs[0])
	c.resumption(r, addrs[0])
	c.earlyData(r, addrs[0])
	if len(addrs) > 1 {
		c.cross(r, addrs)
	}
	c.domains(r, addrs)
	r.Connections = c.conns
	if err := ctx.Err(); err != nil {
		return r, fmt.Errorf("check: %w", err)
	}
	return r, nil
}

// checker holds a check's state.
type checker struct {
	cfg Config
	ctx context.Context
	// conns counts the connections made.
	conns int
	// unreachable is set when a dial failed.
	unreachable bool
	// has remembers which versions were accepted.
	has map[string]bool
	// certKey12 is the key type of the certificate served with TLS 1.2
	// (keyType's names), empty when TLS 1.2 was refused.
	certKey12 string
}

// Resolve fills in what c implies (the server name, Addresses with
// Address's port, the timeout, the roots from CAFile) and returns every
// problem it finds: an address that is not host:port, an entry of
// Addresses that is neither host:port nor a host, a negative timeout, a
// CA file that cannot be read. Run resolves its Config too.
func (c *Config) Resolve() error {
	var errs []error
	host, port, err := net.SplitHostPort(c.Address)
	if err != nil {
		errs = append(errs, fmt.Errorf("check: want host:port, got %q", c.Address))
	}
	addrs := make([]string, 0, len(c.Addresses))
	for _, a := range c.Addresses {
		if _, _, err := net.SplitHostPort(a); err != nil {
			if strings.Contains(a, ":") && !strings.HasPrefix(a, "[") || port == "" {
				errs = append(errs, fmt.Errorf("check: addresses: want host:port or host, got %q", a))
				continue
			}
			a = net.JoinHostPort(strings.Trim(a, "[]"), port)
		}
		addrs = append(addrs, a)
	}
	c.Addresses = addrs
	switch {
	case c.Timeout < 0:
		errs = append(errs, fmt.Errorf("check: timeout: must be positive, got %s", c.Timeout))
	case c.Timeout == 0:
		c.Timeout = 5 * time.Second
	}
	if c.RootCAs == nil && c.CAFile != "" {
		data, err := os.ReadFile(c.CAFile)
		pool := x509.NewCertPool()
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("check: CA file: %w", err))
		case !pool.AppendCertsFromPEM(data):
			errs = append(errs, fmt.Errorf("check: CA file %s: no PEM certificate in it", c.CAFile))
		default:
			c.RootCAs = pool
		}
	}
	if c.ServerName == "" {
		c.ServerName = host
	}
	return errors.Join(errs...)
}

// Targets are the addresses a check connects to: Addresses, or Address
// alone.
func (c Config) Targets() []string {
	if len(c.Addresses) == 0 {
		return []string{c.Address}
	}
	return c.Addresses
}
