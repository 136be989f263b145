package loadgen

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"sync"
	"sync/atomic"
	"time"
)

// chainCache verifies server certificate chains as browsers' verifiers do:
// each distinct chain is verified fully once (roots, server name, validity
// period) and remembered; a later connection that presents the same chain,
// byte for byte, before the leaf's expiry is accepted without repeating the
// chain's signature checks. The handshake signature (CertificateVerify, or
// the TLS 1.2 ServerKeyExchange signature) is still checked by crypto/tls on
// every connection, with the leaf's key. Safe for concurrent use.
type chainCache struct {
	roots *x509.CertPool
	name  string
	now   func() time.Time

	mu     sync.Mutex                      // serializes insertions
	chains atomic.Pointer[[]verifiedChain] // copy on write
}

type verifiedChain struct {
	raw      [][]byte
	notAfter time.Time // the earliest NotAfter of the chain
}

func newChainCache(roots *x509.CertPool, name string, now func() time.Time) *chainCache {
	return &chainCache{roots: roots, name: name, now: now}
}

// verify is a tls.Config.VerifyConnection for a config with
// InsecureSkipVerify set: it does the chain verification crypto/tls would
// have done, once per distinct chain.
func (c *chainCache) verify(cs tls.ConnectionState) error {
	return c.verifyChain(cs.PeerCertificates)
}

// verifyChain verifies the server's chain certs (leaf first), once per
// distinct chain.
func (c *chainCache) verifyChain(certs []*x509.Certificate) error {
	if len(certs) == 0 {
		return &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}
	}
	now := c.now()
	if p := c.chains.Load(); p != nil {
		for _, v := range *p {
			if now.Before(v.notAfter) && sameChain(v.raw, certs) {
				return nil
			}
		}
	}
	opts := x509.VerifyOptions{Roots: c.roots, DNSName: c.name, CurrentTime: now, Intermediates: x509.NewCertPool()}
	for _, ic := range certs[1:] {
		opts.Intermediates.AddCert(ic)
	}
	if _, err := certs[0].Verify(opts); err != nil {
		return &tls.CertificateVerificationError{UnverifiedCertificates: certs, Err: err}
	}
	v := verifiedChain{notAfter: certs[0].NotAfter}
	for _, cert := range certs {
		v.raw = append(v.raw, cert.Raw)
		if cert.NotAfter.Before(v.notAfter) {
			v.notAfter = cert.NotAfter
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var next []verifiedChain
	if p := c.chains.Load(); p != nil {
		next = append(next, *p...)
	}
	if len(next) >= 64 {
		next = next[1:] // a bound, for servers that rotate chains
	}
	next = append(next, v)
	c.chains.Store(&next)
	return nil
}

func sameChain(raw [][]byte, certs []*x509.Certificate) bool {
	if len(raw) != len(certs) {
		return false
	}
	for i, c := range certs {
		if !bytes.Equal(raw[i], c.Raw) {
			return false
		}
	}
	return true
}
