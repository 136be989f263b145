package loadgen

// The reused-key-share engine (Config.ReuseKeyShare): a lab mode, not what
// a real client does. RFC 9846 (TLS 1.3), section 4.2.8, says that clients
// MUST NOT reuse a key share and that servers MUST accept one that is
// reused; a server does the same work either way. A client that reuses its
// key share skips one scalar multiplication (generating the key pair) on
// every TLS 1.3 handshake, full or resumed (psk_dhe_ke), and so costs less
// CPU per handshake than any real client: this mode shows how much of the
// generator's cost that multiplication is.
//
// The engine does not detect a HelloRetryRequest (handshakes.hello_retry
// stays 0, and the group recorded is the key share's): it offers one key
// share, for the first configured group, which the servers tlsbench
// starts accept.
//
// crypto/tls generates a fresh key pair inside every handshake and cannot
// be given one. uTLS (github.com/refraction-networking/utls, the engine of
// the session-ID mode) builds the ClientHello from a spec whose key_share
// may carry a public key already made; the matching private key is handed
// to its handshake state. So this engine runs TLS 1.3 on uTLS with a
// ClientHello like crypto/tls's (SNI, the configured groups, signature
// algorithms, supported_versions, one key share for the first group,
// psk_dhe_ke, and a pre_shared_key extension when the client holds a
// ticket), each worker holding one key pair for ReuseKeyShare handshakes
// of its clients before it makes the next. Sessions (TLS 1.3 tickets) are
// uTLS's, one per client as with crypto/tls; certificate verification is
// the same as the default engine's: the chain cache, or uTLS's copy of
// crypto/tls's verifier, and the handshake signature every time.

import (
	"crypto/ecdh"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"time"

	utls "github.com/refraction-networking/utls"
)

// keyShare is a worker's reused key pair.
type keyShare struct {
	key  *ecdh.PrivateKey
	uses int // handshakes that have offered key
}

// next returns the key pair to offer: the worker's current one, or a new
// one after every `every` handshakes.
func (k *keyShare) next(curve ecdh.Curve, every int) (*ecdh.PrivateKey, error) {
	if k.key == nil || k.uses >= every {
		key, err := curve.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("loadgen: key share: %w", err)
		}
		k.key, k.uses = key, 0
	}
	k.uses++
	return k.key, nil
}

// keyShareCurve returns the group of the reused key share: the first of
// Config.CurvePreferences (X25519 when it is nil), which must be X25519 or
// P-256.
func keyShareCurve(prefs []tls.CurveID) (tls.CurveID, ecdh.Curve, error) {
	id := tls.X25519
	if len(prefs) > 0 {
		id = prefs[0]
	}
	switch id {
	case tls.X25519:
		return id, ecdh.X25519(), nil
	case tls.CurveP256:
		return id, ecdh.P256(), nil
	}
	return id, nil, fmt.Errorf("reuse_key_share needs x25519 or p256 as the first group, got %s", id)
}

// labCaches is the uTLS session cache of a worker of the reused-key-share
// engine: as clientCaches does for crypto/tls, it hands uTLS the session
// of the client being served.
type labCaches struct {
	cur *sessionCache
}

func (d *labCaches) Get(string) (*utls.ClientSessionState, bool) {
	if d.cur == nil || d.cur.lab == nil {
		return nil, false
	}
	return d.cur.lab, true
}

func (d *labCaches) Put(_ string, cs *utls.ClientSessionState) {
	if d.cur != nil {
		d.cur.lab = cs
		d.cur.puts++
	}
}

// labSigAlgs are the signature algorithms crypto/tls's client offers
// under TLS 1.3.
var labSigAlgs = []utls.SignatureScheme{
	utls.ECDSAWithP256AndSHA256, utls.Ed25519, utls.PSSWithSHA256, utls.PSSWithSHA384, utls.PSSWithSHA512,
	utls.PKCS1WithSHA256, utls.PKCS1WithSHA384, utls.PKCS1WithSHA512,
	utls.ECDSAWithP384AndSHA384, utls.ECDSAWithP521AndSHA512,
}

// newLabConfig returns a worker's uTLS config for the reused-key-share
// engine, with verify (the chain cache's) when chains are cached.
func (w *worker) newLabConfig(verify func([]*x509.Certificate) error) *utls.Config {
	cfg := &w.g.cfg
	u := &utls.Config{
		ServerName:         cfg.ServerName,
		RootCAs:            cfg.RootCAs,
		InsecureSkipVerify: cfg.InsecureSkipVerify,
		MinVersion:         utls.VersionTLS13,
		MaxVersion:         utls.VersionTLS13,
		Time:               w.g.clock.Now,
		OmitEmptyPsk:       true, // no pre_shared_key extension without a ticket
	}
	if verify != nil {
		u.InsecureSkipVerify = true
		u.VerifyConnection = func(cs utls.ConnectionState) error { return verify(cs.PeerCertificates) }
	}
	if cfg.Resume {
		u.ClientSessionCache = &w.lab
	}
	return u
}

// labSpec is the ClientHello of the reused-key-share engine, offering pub
// for curve.
func (w *worker) labSpec(curve tls.CurveID, pub []byte) *utls.ClientHelloSpec {
	cfg := &w.g.cfg
	groups := []utls.CurveID{utls.X25519, utls.CurveP256, utls.CurveP384, utls.CurveP521}
	if cfg.CurvePreferences != nil {
		groups = nil
		for _, id := range cfg.CurvePreferences {
			groups = append(groups, utls.CurveID(id))
		}
	}
	ext := []utls.TLSExtension{
		&utls.SNIExtension{},
		&utls.SupportedCurvesExtension{Curves: groups},
		&utls.SignatureAlgorithmsExtension{SupportedSignatureAlgorithms: labSigAlgs},
		&utls.SupportedVersionsExtension{Versions: []uint16{utls.VersionTLS13}},
		&utls.KeyShareExtension{KeyShares: []utls.KeyShare{{Group: utls.CurveID(curve), Data: pub}}},
		&utls.PSKKeyExchangeModesExtension{Modes: []uint8{utls.PskModeDHE}},
	}
	if cfg.Resume {
		ext = append(ext, &utls.UtlsPreSharedKeyExtension{}) // last, as RFC 9846 requires
	}
	return &utls.ClientHelloSpec{
		TLSVersMin:         utls.VersionTLS13,
		TLSVersMax:         utls.VersionTLS13,
		CipherSuites:       []uint16{utls.TLS_AES_128_GCM_SHA256, utls.TLS_AES_256_GCM_SHA384, utls.TLS_CHACHA20_POLY1305_SHA256},
		CompressionMethods: []uint8{0},
		Extensions:         ext,
	}
}

// connectLab runs the handshake and the after-handshake action of one
// connection on the reused-key-share engine; connect has dialled, and
// closes the connection (with close_notify when Config.CloseNotify) and
// counts its bytes.
func (w *worker) connectLab(run *phaseRun, c *client, o *outcome, established time.Time, puts uint32) {
	cfg := &w.g.cfg
	key, err := w.ks.next(w.ksCurve, cfg.ReuseKeyShare)
	if err != nil {
		o.fail(StageHandshake, err)
		return
	}
	w.lab.cur = c.cache
	u := utls.UClient(w.handshakeConn(), w.labTLS, utls.HelloCustom)
	if err := u.ApplyPreset(w.labSpec(w.ksID, key.PublicKey().Bytes())); err != nil {
		o.fail(StageHandshake, fmt.Errorf("loadgen: reused key share: %w", err))
		return
	}
	u.HandshakeState.State13.KeyShareKeys = &utls.KeySharePrivateKeys{CurveID: utls.CurveID(w.ksID), Ecdhe: key}
	err = u.HandshakeContext(run.hard)
	o.handshake = w.g.clock.Now().Sub(established)
	w.endHandshake(o)
	if err != nil {
		o.stage, o.err, o.class, o.failed = StageHandshake, err, classifyIDs(err), true
		if c.cache != nil {
			c.cache.lab = nil // as crypto/tls drops a ticket that failed
		}
		return
	}
	st := u.ConnectionState()
	o.resumed = st.DidResume
	o.version, o.suite, o.curve = st.Version, st.CipherSuite, tls.CurveID(w.ksID)
	if err := w.afterLab(u, c, puts); err != nil {
		o.stage, o.err, o.class = StageAfter, err, classifyIDs(err)
	}
	if c.cache != nil && c.cache.puts != puts {
		c.cache.issuer = int32(o.node)
	}
	if cfg.CloseNotify && !o.failed {
		w.cc.SetDeadline(time.Now().Add(cfg.IOTimeout))
		u.CloseWrite() // close_notify; connect's deferred release ends the socket
	}
}

// afterLab performs the after-handshake action on a connection of the
// reused-key-share engine, as after does for crypto/tls's.
func (w *worker) afterLab(u *utls.UConn, c *client, puts uint32) error {
	cfg := &w.g.cfg
	switch cfg.AfterHandshake {
	case Close:
		return nil
	case HTTP:
		w.cc.SetDeadline(time.Now().Add(cfg.IOTimeout))
		if _, err := u.Write(cfg.HTTPRequest); err != nil {
			return err
		}
	case Ticket:
		if c.cache == nil || c.cache.puts != puts {
			return nil
		}
		w.cc.SetDeadline(time.Now().Add(cfg.IOTimeout))
		return w.readTicket(u, c, puts)
	default:
		w.cc.SetDeadline(time.Now().Add(cfg.IOTimeout))
	}
	return w.drain(u)
}
