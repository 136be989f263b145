package loadgen

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"testing"
	"time"
)

// chain makes a CA and a leaf for name; it returns the parsed chain and a
// pool with the CA.
func chain(t *testing.T, name string, notAfter time.Time) ([]*x509.Certificate, *x509.CertPool) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caT := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true}
	caDER, _ := x509.CreateCertificate(rand.Reader, caT, caT, &caKey.PublicKey, caKey)
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	lT := &x509.Certificate{SerialNumber: big.NewInt(2), DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, lT, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return []*x509.Certificate{leaf, ca}, pool
}

func TestChainCache(t *testing.T) {
	t.Parallel()
	now := time.Now()
	good, pool := chain(t, "tlsbench.test", now.Add(2*time.Hour))
	other, _ := chain(t, "tlsbench.test", now.Add(2*time.Hour)) // another CA
	c := newChainCache(pool, "tlsbench.test")
	clock := now
	c.now = func() time.Time { return clock }
	cs := func(certs []*x509.Certificate) tls.ConnectionState {
		return tls.ConnectionState{PeerCertificates: certs}
	}
	cached := func() int {
		if p := c.chains.Load(); p != nil {
			return len(*p)
		}
		return 0
	}

	if err := c.verify(cs(good)); err != nil || cached() != 1 {
		t.Fatalf("first verification: %v, %d cached", err, cached())
	}
	if err := c.verify(cs(good)); err != nil || cached() != 1 {
		t.Fatalf("second verification: %v, %d cached; want a hit", err, cached())
	}
	// A chain from an unknown CA is verified, not matched, and refused.
	var cve *tls.CertificateVerificationError
	if err := c.verify(cs(other)); !errors.As(err, &cve) || Classify(err) != ErrCertUnknownAuthority {
		t.Errorf("unknown CA: %v (class %v), want cert_unknown_authority", err, Classify(err))
	}
	// Past the leaf's expiry, the cached entry no longer counts: the chain
	// is verified again and refused as expired.
	clock = now.Add(3 * time.Hour)
	if err := c.verify(cs(good)); Classify(err) != ErrCertExpired {
		t.Errorf("after expiry: %v (class %v), want cert_expired", err, Classify(err))
	}
	// Another name is refused even for a cached chain's bytes.
	c2 := newChainCache(pool, "other.test")
	if err := c2.verify(cs(good)); Classify(err) != ErrCertName {
		t.Errorf("wrong name: %v, want cert_name", err)
	}
}

func BenchmarkChainCacheHit(b *testing.B) {
	good, pool := chain(&testing.T{}, "tlsbench.test", time.Now().Add(time.Hour))
	c := newChainCache(pool, "tlsbench.test")
	cs := tls.ConnectionState{PeerCertificates: good}
	c.verify(cs)
	b.ReportAllocs()
	for b.Loop() {
		if err := c.verify(cs); err != nil {
			b.Fatal(err)
		}
	}
}
