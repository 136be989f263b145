package check

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/tlsbench/tlsbench/loadgen"
)

// versionList is the protocol versions a check offers, one at a time.
var versionList = []struct {
	name string
	id   uint16
}{
	{"1.0", tls.VersionTLS10}, {"1.1", tls.VersionTLS11}, {"1.2", tls.VersionTLS12}, {"1.3", tls.VersionTLS13},
}

// recCache is a client session cache that holds one session and counts
// the sessions stored in it.
type recCache struct {
	s    *tls.ClientSessionState
	puts int
	at   time.Time // when the last session was stored
	// stored, if set, is called when a session is stored.
	stored func()
}

func (c *recCache) Get(string) (*tls.ClientSessionState, bool) { return c.s, c.s != nil }
func (c *recCache) Put(_ string, s *tls.ClientSessionState) {
	c.s = s
	if s != nil {
		c.puts++
		c.at = time.Now()
		if c.stored != nil {
			c.stored()
		}
	}
}

// outcome is what one connection showed.
type outcome struct {
	state tls.ConnectionState
	err   error
	// lifetime12 is the lifetime hint of a TLS 1.2 NewSessionTicket, -1
	// when none was seen.
	lifetime12 int64
	// hello is what the handshake's plaintext showed: the client's
	// groups and key shares, and the server's HelloRetryRequest (seen
	// also when the handshake failed after it). Nil when no connection
	// was made.
	hello *sniffer
}

// tlsConfig returns a client configuration for the check's server name
// and roots.
func (c *checker) tlsConfig(min, max uint16) *tls.Config {
	return &tls.Config{ServerName: c.cfg.ServerName, RootCAs: c.cfg.RootCAs, MinVersion: min, MaxVersion: max}
}

// dial opens a TCP connection to addr, bounded by the timeout.
func (c *checker) dial(ctx context.Context, addr string) (net.Conn, error) {
	c.conns++
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		c.unreachable = true
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	return conn, nil
}

// connect makes one crypto/tls connection to addr with cfg. With
// readTicket it then reads until a session is stored in cache, the server
// closes, or a short wait passes: a TLS 1.3 ticket arrives after the
// handshake. It closes with close_notify.
func (c *checker) connect(addr string, cfg *tls.Config, cache *recCache, readTicket bool) outcome {
	ctx, cancel := context.WithTimeout(c.ctx, c.cfg.Timeout)
	defer cancel()
	out := outcome{lifetime12: -1}
	raw, err := c.dial(ctx, addr)
	if err != nil {
		out.err = err
		return out
	}
	sn := newSniffer(raw)
	out.hello = sn
	if cache != nil {
		cfg.ClientSessionCache = cache
	}
	tc := tls.Client(sn, cfg)
	defer tc.Close()
	if err := tc.HandshakeContext(ctx); err != nil {
		out.err = err
		raw.Close()
		return out
	}
	out.state = tc.ConnectionState()
	out.lifetime12 = sn.lifetime
	if readTicket && cache != nil {
		puts := cache.puts
		wait := min(c.cfg.Timeout, 2*time.Second)
		raw.SetReadDeadline(time.Now().Add(wait))
		// crypto/tls's Read stores a ticket and goes on waiting for
		// application data, which a server that waits for a request never
		// sends: end the Read once the ticket is stored.
		cache.stored = func() { raw.SetReadDeadline(time.Now()) }
		buf := make([]byte, 4096)
		for cache.puts == puts {
			if _, err := tc.Read(buf); err != nil {
				break // EOF, the ticket stored, or no ticket within the wait
			}
		}
		cache.stored = nil
		raw.SetDeadline(time.Now().Add(c.cfg.Timeout))
	}
	return out
}

// refusal describes why a handshake failed: the server's alert, or the
// client's error.
func refusal(err error) (alert, msg string) {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "remote error" {
		return strings.TrimPrefix(oe.Err.Error(), "tls: "), ""
	}
	if errors.Is(err, io.EOF) {
		return "", "the server closed the connection (no alert)"
	}
	return "", err.Error()
}

// certError reports whether err is a certificate verification failure.
func certError(err error) bool {
	var cve *tls.CertificateVerificationError
	var unk x509.UnknownAuthorityError
	var host x509.HostnameError
	var inv x509.CertificateInvalidError
	return errors.As(err, &cve) || errors.As(err, &unk) || errors.As(err, &host) || errors.As(err, &inv)
}

// probe records one offer's outcome.
func probe(name string, o outcome) Probe {
	p := Probe{Name: name, Accepted: o.err == nil}
	if o.err == nil {
		p.Negotiated = tls.CipherSuiteName(o.state.CipherSuite)
		return p
	}
	p.Alert, p.Error = refusal(o.err)
	return p
}

// versions offers each protocol version alone.
func (c *checker) versions(r *Report, addr string) {
	c.has = map[string]bool{}
	var best *tls.ConnectionState
	for _, v := range versionList {
		o := c.connect(addr, c.tlsConfig(v.id, v.id), nil, false)
		if o.err != nil && certError(o.err) {
			// The server accepted the version; its certificate does not
			// verify. Say so once, as a note, and go on as refused.
			r.Notes = appendOnce(r.Notes, "certificate verification failed: "+o.err.Error()+" (give the CA with --ca, the name with --server-name)")
		}
		p := probe(v.name, o)
		r.Versions.Results = append(r.Versions.Results, p)
		if p.Accepted {
			r.Versions.Accepted = append(r.Versions.Accepted, v.name)
			c.has[v.name] = true
			st := o.state
			best = &st
			switch v.id {
			case tls.VersionTLS12:
				r.Groups.TLS12.Default = defaultOffer(o)
				if len(st.PeerCertificates) > 0 {
					c.certKey12 = keyType(st.PeerCertificates[0])
				}
			case tls.VersionTLS13:
				r.CipherSuites.TLS13Negotiated = p.Negotiated
				r.Groups.TLS13.Default = defaultOffer(o)
			}
		} else {
			r.Versions.Refused = append(r.Versions.Refused, v.name)
		}
		if c.unreachable {
			return
		}
	}
	if best != nil {
		r.Certificate = describeChain(best)
	}
}

// describeChain describes the chain of a verified connection.
func describeChain(st *tls.ConnectionState) *Certificate {
	if len(st.PeerCertificates) == 0 {
		return nil
	}
	leaf := st.PeerCertificates[0]
	c := &Certificate{
		Key:         keyType(leaf),
		ChainLength: len(st.PeerCertificates),
		Subject:     leaf.Subject.String(),
		Issuer:      leaf.Issuer.String(),
		NotAfter:    leaf.NotAfter,
		Verified:    len(st.VerifiedChains) > 0,
	}
	for _, cert := range st.PeerCertificates {
		c.ChainBytes += len(cert.Raw)
	}
	return c
}

// keyType names a certificate's public key as scenarios do.
func keyType(c *x509.Certificate) string {
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("rsa-%d", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ecdsa-" + strings.ToLower(strings.ReplaceAll(k.Curve.Params().Name, "-", ""))
	case ed25519.PublicKey:
		return "ed25519"
	}
	return c.PublicKeyAlgorithm.String()
}

// suites offers each TLS 1.2 cipher suite Go implements, alone.
func (c *checker) suites(r *Report, addr string) {
	if !c.has["1.2"] {
		return
	}
	all := append(tls.CipherSuites(), tls.InsecureCipherSuites()...)
	for _, s := range all {
		if !slices.Contains(s.SupportedVersions, tls.VersionTLS12) {
			continue
		}
		cfg := c.tlsConfig(tls.VersionTLS12, tls.VersionTLS12)
		cfg.CipherSuites = []uint16{s.ID}
		p := probe(s.Name, c.connect(addr, cfg, nil, false))
		p.Negotiated = ""
		r.CipherSuites.TLS12Results = append(r.CipherSuites.TLS12Results, p)
		if p.Accepted {
			r.CipherSuites.TLS12Accepted = append(r.CipherSuites.TLS12Accepted, s.Name)
		} else {
			r.CipherSuites.TLS12Refused = append(r.CipherSuites.TLS12Refused, s.Name)
		}
	}
	if len(r.CipherSuites.TLS12Accepted) > 0 {
		r.Notes = append(r.Notes, "cipher suites: only those Go's client implements are offered (no PSK, DHE or CCM suites); TLS 1.3 suites cannot be chosen by a Go client, so only the negotiated one is shown")
	}
}

// resumption tests each mechanism at addr.
func (c *checker) resumption(r *Report, addr string) {
	res := &r.Resumption
	res.TicketLifetimeHintS = map[string]int64{}
	res.TicketReissued = map[string]bool{}
	if c.has["1.2"] {
		ok, detail := c.sessionID(addr, addr)
		res.SessionID = ok
		res.Details[MechID] = detail
		ok, detail, hint, reissued := c.ticket12(addr, addr)
		res.TicketTLS12 = ok
		res.Details[MechTicket12] = detail
		if hint >= 0 {
			res.TicketLifetimeHintS["tls12"] = hint
		}
		if ok {
			res.TicketReissued["tls12"] = reissued
		}
	} else {
		res.Details[MechID] = "not tested: TLS 1.2 is refused (TLS 1.3 has no session IDs)"
		res.Details[MechTicket12] = "not tested: TLS 1.2 is refused"
	}
	if c.has["1.3"] {
		ok, detail, hint, reissued := c.psk13(addr, addr)
		res.PSKTLS13 = ok
		res.Details[MechPSK13] = detail
		if hint >= 0 {
			res.TicketLifetimeHintS["tls13"] = hint
		}
		if ok {
			res.TicketReissued["tls13"] = reissued
		}
	} else {
		res.Details[MechPSK13] = "not tested: TLS 1.3 is refused"
	}
}

// sessionID issues a TLS 1.2 session at from and offers it by its session
// ID (and no ticket) at to.
func (c *checker) sessionID(from, to string) (bool, string) {
	client := &loadgen.IDClient{ServerName: c.cfg.ServerName, RootCAs: c.cfg.RootCAs}
	first, err := c.idConnect(client, from, nil)
	if err != nil {
		a, m := refusal(err)
		return false, "the first handshake failed: " + a + m
	}
	if first.Session == nil {
		return false, "the server assigned no session ID (no session cache)"
	}
	second, err := c.idConnect(client, to, first.Session)
	switch {
	case err != nil:
		a, m := refusal(err)
		return false, "the handshake offering the session ID failed: " + a + m
	case second.State.DidResume:
		return true, fmt.Sprintf("resumed: the server echoed the %d-byte session ID it assigned", len(first.Session.ID()))
	}
	return false, "not resumed: the server did a full handshake and assigned a new session ID"
}

func (c *checker) idConnect(client *loadgen.IDClient, addr string, offer *loadgen.SessionID) (*loadgen.IDConn, error) {
	ctx, cancel := context.WithTimeout(c.ctx, c.cfg.Timeout)
	defer cancel()
	raw, err := c.dial(ctx, addr)
	if err != nil {
		return nil, err
	}
	defer raw.Close()
	conn, err := client.Handshake(ctx, raw, offer)
	if err != nil {
		return nil, err
	}
	// close_notify: OpenSSL drops the session of a connection that ends
	// without one.
	conn.Close()
	return conn, nil
}

// ticket12 issues a TLS 1.2 session ticket at from and offers it at to.
// It returns the lifetime hint (-1 if no ticket) and whether the resumed
// handshake brought a new ticket.
func (c *checker) ticket12(from, to string) (ok bool, detail string, hint int64, reissued bool) {
	cache := &recCache{}
	cfg := c.tlsConfig(tls.VersionTLS12, tls.VersionTLS12)
	first := c.connect(from, cfg, cache, false)
	if first.err != nil {
		a, m := refusal(first.err)
		return false, "the first handshake failed: " + a + m, -1, false
	}
	if cache.puts == 0 {
		return false, "the server issued no TLS 1.2 session ticket", -1, false
	}
	hint = first.lifetime12
	puts := cache.puts
	second := c.connect(to, c.tlsConfig(tls.VersionTLS12, tls.VersionTLS12), cache, false)
	switch {
	case second.err != nil:
		a, m := refusal(second.err)
		return false, "the handshake offering the ticket failed: " + a + m, hint, false
	case second.state.DidResume:
		reissued = cache.puts > puts
		return true, "resumed with the ticket", hint, reissued
	}
	return false, "not resumed: the server did a full handshake (it cannot decrypt the ticket)", hint, false
}

// psk13 issues a TLS 1.3 ticket at from, reading the connection until it
// arrives, and offers it at to.
func (c *checker) psk13(from, to string) (ok bool, detail string, hint int64, reissued bool) {
	cache := &recCache{}
	first := c.connect(from, c.tlsConfig(tls.VersionTLS13, tls.VersionTLS13), cache, true)
	if first.err != nil {
		a, m := refusal(first.err)
		return false, "the first handshake failed: " + a + m, -1, false
	}
	if cache.puts == 0 {
		return false, "the server sent no TLS 1.3 ticket (NewSessionTicket) after the handshake", -1, false
	}
	hint = ticketLifetime(cache)
	puts := cache.puts
	second := c.connect(to, c.tlsConfig(tls.VersionTLS13, tls.VersionTLS13), cache, true)
	switch {
	case second.err != nil:
		a, m := refusal(second.err)
		return false, "the handshake offering the ticket failed: " + a + m, hint, false
	case second.state.DidResume:
		return true, "resumed with the ticket (PSK), read after the first handshake", hint, cache.puts > puts
	}
	return false, "not resumed: the server did a full handshake", hint, false
}

// ticketLifetime returns the lifetime of the TLS 1.3 ticket in cache, in
// seconds: crypto/tls keeps the ticket's end of life (use_by, the 12 last
// bytes of a client session's encoding hold use_by and age_add) from the
// moment it stored it.
func ticketLifetime(cache *recCache) int64 {
	_, st, err := cache.s.ResumptionState()
	if err != nil || st == nil {
		return -1
	}
	b, err := st.Bytes()
	if err != nil || len(b) < 12 {
		return -1
	}
	useBy := int64(binary.BigEndian.Uint64(b[len(b)-12 : len(b)-4]))
	return max(useBy-cache.at.Unix(), 0)
}

// mechanisms lists the mechanisms the first address resumes by, in the
// order a modern client uses them.
func mechanisms(res Resumption) []string {
	var out []string
	if res.PSKTLS13 {
		out = append(out, MechPSK13)
	}
	if res.TicketTLS12 {
		out = append(out, MechTicket12)
	}
	if res.SessionID {
		out = append(out, MechID)
	}
	return out
}

// cross tests, for every mechanism the first address resumes by, every
// ordered pair of addresses (an address with itself included).
func (c *checker) cross(r *Report, addrs []string) {
	for _, m := range mechanisms(r.Resumption) {
		for _, from := range addrs {
			for _, to := range addrs {
				var ok bool
				var detail string
				switch m {
				case MechPSK13:
					ok, detail, _, _ = c.psk13(from, to)
				case MechTicket12:
					ok, detail, _, _ = c.ticket12(from, to)
				case MechID:
					ok, detail = c.sessionID(from, to)
				}
				x := Cross{Mechanism: m, From: from, To: to, Resumed: ok}
				if !ok && strings.Contains(detail, "failed") {
					x.Error = detail
				}
				r.Cross = append(r.Cross, x)
			}
		}
	}
}

// domains groups the addresses by the sessions they resume for each
// mechanism tested and sets Domains from the first.
func (c *checker) domains(r *Report, addrs []string) {
	ms := mechanisms(r.Resumption)
	if len(ms) == 0 {
		r.Notes = append(r.Notes, "domains: unknown, the first address resumes no session by any mechanism")
		return
	}
	r.DomainGroups = map[string][][]string{}
	for _, m := range ms {
		parent := make([]int, len(addrs))
		for i := range parent {
			parent[i] = i
		}
		var find func(int) int
		find = func(i int) int {
			if parent[i] != i {
				parent[i] = find(parent[i])
			}
			return parent[i]
		}
		index := map[string]int{}
		for i, a := range addrs {
			index[a] = i
		}
		resumed := map[[2]int]bool{}
		for _, x := range r.Cross {
			if x.Mechanism == m && x.Resumed {
				i, j := index[x.From], index[x.To]
				resumed[[2]int{i, j}] = true
				parent[find(i)] = find(j)
			}
		}
		for i := range addrs {
			for j := range addrs {
				if i < j && resumed[[2]int{i, j}] != resumed[[2]int{j, i}] {
					r.Notes = appendOnce(r.Notes, fmt.Sprintf("%s: %s and %s resume each other's sessions in one direction only", m, addrs[i], addrs[j]))
				}
			}
			if len(addrs) > 1 && !resumed[[2]int{i, i}] {
				r.Notes = appendOnce(r.Notes, fmt.Sprintf("%s: %s did not resume its own session", m, addrs[i]))
			}
		}
		groups := map[int][]string{}
		var roots []int
		for i, a := range addrs {
			root := find(i)
			if _, seen := groups[root]; !seen {
				roots = append(roots, root)
			}
			groups[root] = append(groups[root], a)
		}
		for _, root := range roots {
			r.DomainGroups[m] = append(r.DomainGroups[m], groups[root])
		}
	}
	n := len(r.DomainGroups[ms[0]])
	r.Domains, r.DomainsBy = &n, ms[0]
}

func appendOnce(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
