package loadgen

// The session-ID engine: TLS 1.2 resumption by session ID, which Go's
// crypto/tls client cannot do (golang/go#18607). It runs the handshake on
// uTLS (github.com/refraction-networking/utls), a fork of crypto/tls whose
// ClientHello and handshake state are open to the caller:
//
//  1. A full handshake with a ClientHello that carries an empty session ID
//     and no session_ticket extension (the client does not announce ticket
//     support, so the server issues none). The server's ServerHello assigns
//     a session ID; the handshake state gives the master secret, and the
//     ServerHello whether the extended master secret (RFC 7627) was used.
//  2. The next handshake puts that ID in the ClientHello's session_id
//     before the ClientHello is marshalled, and hands uTLS a client session
//     built from the master secret, the version, the cipher suite, the EMS
//     flag and the verified certificate chain of the first handshake. A
//     server that still holds the session echoes the ID and both sides do
//     the abbreviated handshake; uTLS checks the version, the suite and
//     the EMS flag against the session, as crypto/tls does for tickets.
//     A server that does not assigns a new ID and completes a full
//     handshake, which becomes the next session.
//  3. After the after-handshake action the client sends its own
//     close_notify before it closes. OpenSSL drops a session from its
//     cache when the connection ends without one while the server waits
//     for it (see connectIDs), and a session ID is only good while the
//     session is in the cache.
//
// Certificate verification is crypto/tls's own (uTLS's copy of it) with
// the caller's roots; on resumption the chain verified in the full
// handshake is the connection's, as with tickets. The session's master
// secret stays in memory, in the client that owns it; it is never written
// anywhere.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"time"

	utls "github.com/refraction-networking/utls"
)

// SessionID is a TLS 1.2 session that a server identified by a session ID:
// what a client needs to offer it again. Its secret never leaves it.
type SessionID struct {
	id             []byte
	secret         []byte // the TLS 1.2 master secret
	ems            bool   // made with the extended master secret
	version, suite uint16
	curve          tls.CurveID
	certs          []*x509.Certificate
	chains         [][]*x509.Certificate
}

// ID returns the session ID the server assigned.
func (s *SessionID) ID() []byte { return s.id }

// IDClient makes TLS 1.2 connections that offer a session by its session
// ID and no ticket (see the package's session-ID engine). Its fields are
// read by each Handshake; an IDClient whose fields do not change is safe
// for concurrent use.
type IDClient struct {
	// ServerName is sent in SNI (unless it is an IP address) and verified
	// in the certificate.
	ServerName string

	// RootCAs verifies the server. Nil means the system roots.
	RootCAs *x509.CertPool

	// InsecureSkipVerify skips certificate verification. Only set it when
	// the user asked for it.
	InsecureSkipVerify bool

	// CurvePreferences are the groups offered. Nil: X25519, P-256, P-384,
	// P-521 (Go's TLS 1.2 defaults). Groups that need TLS 1.3 are left out.
	CurvePreferences []tls.CurveID

	// CipherSuites are the TLS 1.2 suites offered. Nil: Go's default
	// ECDHE suites (AES-GCM, ChaCha20-Poly1305, AES-CBC-SHA).
	CipherSuites []uint16

	// Time returns the time against which the certificate is checked.
	// Nil: time.Now.
	Time func() time.Time
}

// IDState describes a connection made by IDClient.
type IDState struct {
	// Version and CipherSuite were negotiated (Version is always TLS 1.2).
	Version, CipherSuite uint16
	// Curve is the key-exchange group of the full handshake that made the
	// session (on resumption, the original one's).
	Curve tls.CurveID
	// Offered says a session ID was offered; DidResume that the server
	// echoed it and the handshake was abbreviated.
	Offered, DidResume bool
	// SessionID is the ID in the ServerHello (empty when the server
	// assigned none: it will not resume).
	SessionID []byte
	// ExtendedMasterSecret says the session uses RFC 7627's extended
	// master secret.
	ExtendedMasterSecret bool
	// PeerCertificates is the server's chain, leaf first.
	PeerCertificates []*x509.Certificate
}

// IDConn is a TLS connection made by IDClient.
type IDConn struct {
	u *utls.UConn
	// State describes the handshake.
	State IDState
	// Session is what to offer on the next connection to the same
	// service: the resumed session, or the one the server assigned in a
	// full handshake; nil when the server assigned no session ID.
	Session *SessionID
}

// Read reads application data.
func (c *IDConn) Read(b []byte) (int, error) { return c.u.Read(b) }

// Write writes application data.
func (c *IDConn) Write(b []byte) (int, error) { return c.u.Write(b) }

// Close sends close_notify and closes the underlying connection.
func (c *IDConn) Close() error { return c.u.Close() }

// The default TLS 1.2 offer, as Go's crypto/tls client makes it.
var (
	defaultIDSuites = []uint16{
		utls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, utls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		utls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, utls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
		utls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, utls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		utls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, utls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
		utls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, utls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
	}
	defaultIDCurves = []utls.CurveID{utls.X25519, utls.CurveP256, utls.CurveP384, utls.CurveP521}
	idSignatureAlgs = []utls.SignatureScheme{
		utls.PSSWithSHA256, utls.ECDSAWithP256AndSHA256, utls.Ed25519,
		utls.PSSWithSHA384, utls.PSSWithSHA512,
		utls.PKCS1WithSHA256, utls.PKCS1WithSHA384, utls.PKCS1WithSHA512,
		utls.ECDSAWithP384AndSHA384, utls.ECDSAWithP521AndSHA512,
	}
)

// spec is the ClientHello: TLS 1.2 only, the EMS extension, no
// session_ticket extension.
func (c *IDClient) spec() *utls.ClientHelloSpec {
	suites := c.CipherSuites
	if suites == nil {
		suites = defaultIDSuites
	}
	curves := defaultIDCurves
	if c.CurvePreferences != nil {
		curves = nil
		for _, id := range c.CurvePreferences {
			switch id {
			case tls.X25519MLKEM768, tls.SecP256r1MLKEM768, tls.SecP384r1MLKEM1024:
				continue // TLS 1.3 only
			}
			curves = append(curves, utls.CurveID(id))
		}
	}
	return &utls.ClientHelloSpec{
		TLSVersMin:         utls.VersionTLS12,
		TLSVersMax:         utls.VersionTLS12,
		CipherSuites:       suites,
		CompressionMethods: []uint8{0},
		Extensions: []utls.TLSExtension{
			&utls.SNIExtension{},
			&utls.ExtendedMasterSecretExtension{},
			&utls.RenegotiationInfoExtension{Renegotiation: utls.RenegotiateOnceAsClient},
			&utls.SupportedCurvesExtension{Curves: curves},
			&utls.SupportedPointsExtension{SupportedPoints: []uint8{0}},
			&utls.SignatureAlgorithmsExtension{SupportedSignatureAlgorithms: idSignatureAlgs},
		},
	}
}

// nopSessionCache is the uTLS client's session cache: uTLS needs one to
// drop a session after a failed resumption, but sessions by ID live in
// SessionID values, not here.
type nopSessionCache struct{}

func (nopSessionCache) Get(string) (*utls.ClientSessionState, bool) { return nil, false }
func (nopSessionCache) Put(string, *utls.ClientSessionState)        {}

// Handshake runs a TLS 1.2 handshake on conn that offers offer (nil:
// nothing) by its session ID, and returns the connection. ctx bounds the
// handshake; deadlines on conn apply as well. On error conn is left to the
// caller to close.
func (c *IDClient) Handshake(ctx context.Context, conn net.Conn, offer *SessionID) (*IDConn, error) {
	sn := &helloSniffer{Conn: conn}
	cfg := &utls.Config{
		ServerName:         c.ServerName,
		RootCAs:            c.RootCAs,
		InsecureSkipVerify: c.InsecureSkipVerify,
		Time:               c.Time,
		MinVersion:         utls.VersionTLS12,
		MaxVersion:         utls.VersionTLS12,
		ClientSessionCache: nopSessionCache{},
	}
	u := utls.UClient(sn, cfg, utls.HelloCustom)
	if err := u.ApplyPreset(c.spec()); err != nil {
		return nil, fmt.Errorf("loadgen: session-id client hello: %w", err)
	}
	// The session ID goes in before BuildHandshakeState marshals the
	// ClientHello, so that the bytes on the wire carry it.
	u.HandshakeState.Hello.SessionId = nil
	var session *utls.SessionState
	if offer != nil {
		var err error
		if session, err = offer.state(); err != nil {
			return nil, err
		}
		u.HandshakeState.Hello.SessionId = offer.id
	}
	if err := u.BuildHandshakeState(); err != nil {
		return nil, fmt.Errorf("loadgen: session-id client hello: %w", err)
	}
	// With a ClientHello that has no ticket extension, uTLS takes the
	// session to resume from the handshake state: this one.
	u.HandshakeState.Session = session
	if err := u.HandshakeContext(ctx); err != nil {
		return nil, err
	}
	cs := u.ConnectionState()
	hs := u.HandshakeState
	out := &IDConn{u: u, State: IDState{
		Version:          cs.Version,
		CipherSuite:      cs.CipherSuite,
		Offered:          offer != nil,
		DidResume:        cs.DidResume,
		PeerCertificates: cs.PeerCertificates,
	}}
	if hs.ServerHello != nil {
		out.State.SessionID = hs.ServerHello.SessionId
		out.State.ExtendedMasterSecret = hs.ServerHello.ExtendedMasterSecret
	}
	switch {
	case cs.DidResume:
		if offer == nil {
			return nil, errors.New("loadgen: session-id engine: resumed without a session offered")
		}
		out.Session = offer
		out.State.Curve = offer.curve
	case len(out.State.SessionID) > 0 && len(hs.MasterSecret) > 0:
		out.State.Curve = sn.curve
		out.Session = &SessionID{
			id:      append([]byte(nil), out.State.SessionID...),
			secret:  append([]byte(nil), hs.MasterSecret...),
			ems:     out.State.ExtendedMasterSecret,
			version: cs.Version,
			suite:   cs.CipherSuite,
			curve:   sn.curve,
			certs:   cs.PeerCertificates,
			chains:  cs.VerifiedChains,
		}
	default:
		out.State.Curve = sn.curve
	}
	sn.done = true
	return out, nil
}

// state builds the uTLS client session of s. uTLS's constructor for a
// client session (MakeClientSessionState) has no EMS flag, and a session
// whose flag differs from the ServerHello's is refused ("server resumed a
// session with a different EMS extension", RFC 7627 section 5.3). So the
// session is encoded with uTLS's own encoder (SessionState.Bytes), its EMS
// byte set, and parsed back with ParseSessionState; the layout is the
// SessionState structure documented in uTLS's ticket.go.
func (s *SessionID) state() (*utls.SessionState, error) {
	cs := utls.MakeClientSessionState(nil, s.version, s.suite, s.secret, s.certs, s.chains)
	_, st, err := cs.ResumptionState()
	if err != nil {
		return nil, fmt.Errorf("loadgen: session-id session: %w", err)
	}
	b, err := st.Bytes()
	if err != nil {
		return nil, fmt.Errorf("loadgen: session-id session: %w", err)
	}
	// version(2) type(1) cipher_suite(2) created_at(8) secret<1..255>
	// extra<0..2^24-1> ext_master_secret(1) ...
	off := 2 + 1 + 2 + 8
	if len(b) < off+1 || int(b[off]) != len(s.secret) {
		return nil, errors.New("loadgen: session-id session: unexpected uTLS session encoding")
	}
	off += 1 + len(s.secret)
	if len(b) < off+3 {
		return nil, errors.New("loadgen: session-id session: unexpected uTLS session encoding")
	}
	off += 3 + (int(b[off])<<16 | int(b[off+1])<<8 | int(b[off+2]))
	if len(b) <= off || b[off] > 1 {
		return nil, errors.New("loadgen: session-id session: unexpected uTLS session encoding")
	}
	if s.ems {
		b[off] = 1
	} else {
		b[off] = 0
	}
	return utls.ParseSessionState(b)
}

// helloSniffer reads the server's plaintext handshake messages of a TLS 1.2
// handshake, up to its ChangeCipherSpec, to learn the key-exchange group
// from the ServerKeyExchange (uTLS does not report it). It stops looking
// at the first ChangeCipherSpec or when done is set, and never holds more
// than one record.
type helloSniffer struct {
	net.Conn
	done  bool
	curve tls.CurveID
	rec   []byte // bytes of the server's stream not yet parsed
	msgs  []byte // handshake message bytes not yet parsed
}

func (s *helloSniffer) Read(b []byte) (int, error) {
	n, err := s.Conn.Read(b)
	if !s.done && n > 0 {
		s.feed(b[:n])
	}
	return n, err
}

func (s *helloSniffer) feed(p []byte) {
	s.rec = append(s.rec, p...)
	for len(s.rec) >= 5 && !s.done {
		typ, size := s.rec[0], int(binary.BigEndian.Uint16(s.rec[3:5]))
		if len(s.rec) < 5+size {
			return
		}
		switch typ {
		case 22: // handshake
			s.msgs = append(s.msgs, s.rec[5:5+size]...)
			s.parse()
		case 20: // change_cipher_spec: what follows is encrypted
			s.done = true
		}
		s.rec = s.rec[5+size:]
	}
	if s.done {
		s.rec, s.msgs = nil, nil
	}
}

func (s *helloSniffer) parse() {
	for len(s.msgs) >= 4 {
		typ := s.msgs[0]
		size := int(s.msgs[1])<<16 | int(s.msgs[2])<<8 | int(s.msgs[3])
		if len(s.msgs) < 4+size {
			return
		}
		body := s.msgs[4 : 4+size]
		// server_key_exchange with an ECDHE named curve (curve_type 3).
		if typ == 12 && len(body) >= 3 && body[0] == 3 {
			s.curve = tls.CurveID(binary.BigEndian.Uint16(body[1:3]))
		}
		s.msgs = s.msgs[4+size:]
	}
}

// tls12Suites returns the suites of list that TLS 1.2 can use, or nil
// (the defaults) when list is nil.
func tls12Suites(list []uint16) []uint16 {
	if list == nil {
		return nil
	}
	out := []uint16{}
	for _, id := range list {
		for _, cs := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
			if cs.ID == id && slices.Contains(cs.SupportedVersions, tls.VersionTLS12) {
				out = append(out, id)
			}
		}
	}
	return out
}

// classifyIDs classifies an error of the uTLS engine: uTLS has its own
// copies of crypto/tls's error types.
func classifyIDs(err error) ErrorClass {
	var rhe utls.RecordHeaderError
	if errors.As(err, &rhe) {
		return ErrNotTLS
	}
	c := Classify(err)
	var cve *utls.CertificateVerificationError
	if c == ErrOther && errors.As(err, &cve) {
		return ErrCertInvalid
	}
	return c
}

// idState is a simulated client's state in the session-ID engine: its
// client and the one session it holds (its most recent), with the node
// that issued it.
type idState struct {
	client  IDClient
	session *SessionID
	issuer  int
}

// connectIDs runs the handshake and the after-handshake action of one
// connection on the session-ID engine (Config.SessionIDs); connect has
// dialled, and closes the connection and counts its bytes.
func (w *worker) connectIDs(run *phaseRun, c *client, o *outcome, established time.Time) {
	cfg := &w.g.cfg
	if c.ids == nil {
		c.ids = &idState{issuer: -1, client: IDClient{
			ServerName:         cfg.ServerName,
			RootCAs:            cfg.RootCAs,
			InsecureSkipVerify: cfg.InsecureSkipVerify,
			CurvePreferences:   cfg.CurvePreferences,
			CipherSuites:       tls12Suites(cfg.CipherSuites),
			Time:               w.g.clock.Now,
		}}
	}
	st := c.ids
	offer := st.session
	o.offered, o.issuer = offer != nil, -1
	if offer != nil {
		o.issuer = st.issuer
	}
	conn, err := st.client.Handshake(run.hard, w.handshakeConn(), offer)
	o.handshake = w.g.clock.Now().Sub(established)
	w.endHandshake(o)
	if err != nil {
		o.stage, o.err, o.class, o.failed = StageHandshake, err, classifyIDs(err), true
		// As crypto/tls drops a ticket after a failed resumption (RFC
		// 5077, section 3.2), the session is dropped.
		st.session, st.issuer = nil, -1
		return
	}
	o.resumed = conn.State.DidResume
	o.version, o.suite, o.curve = conn.State.Version, conn.State.CipherSuite, conn.State.Curve
	if !o.resumed {
		st.issuer = o.node
	}
	st.session = conn.Session
	if st.session == nil {
		st.issuer = -1
	}
	if err := w.afterIDs(conn); err != nil {
		o.stage, o.err, o.class = StageAfter, err, classifyIDs(err)
	}
	// Unlike the crypto/tls engine, this one sends its own close_notify
	// before closing: an OpenSSL server that waits for it (nginx since
	// 1.19.2 does) and sees the connection end without it treats that as
	// an error and drops the session from its cache, and session IDs
	// exist only in the cache. Measured against nginx 1.22 / OpenSSL 3.0:
	// about 10 % of sessions lost without it, none with it.
	w.cc.SetDeadline(time.Now().Add(cfg.IOTimeout))
	conn.u.CloseWrite() // close_notify; connect's deferred release ends the socket
}

// afterIDs performs the after-handshake action on a session-ID
// connection: as the crypto/tls engine does, it reads to EOF, or (with
// CloseFirst) until the first application data. Ticket acts as Close: no
// ticket is ever asked for.
func (w *worker) afterIDs(conn *IDConn) error {
	cfg := &w.g.cfg
	switch cfg.AfterHandshake {
	case Close, Ticket:
		return nil
	case HTTP:
		w.cc.SetDeadline(time.Now().Add(cfg.IOTimeout))
		if _, err := conn.Write(cfg.HTTPRequest); err != nil {
			return err
		}
	default:
		w.cc.SetDeadline(time.Now().Add(cfg.IOTimeout))
	}
	return w.drain(conn)
}

// drain reads from r to EOF or, with Config.CloseFirst, until the first
// application data, for the engines on uTLS.
func (w *worker) drain(r io.Reader) error {
	for {
		n, err := r.Read(w.buf)
		if n > 0 && w.g.cfg.CloseFirst {
			return nil
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}
