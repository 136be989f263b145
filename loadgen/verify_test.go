package loadgen

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"testing"
	"time"
)

// chain makes a CA-signed chain for name, parsed, with a pool holding the
// CA.
func chain(t *testing.T, name string, notAfter time.Time) ([]*x509.Certificate, *x509.CertPool) {
	t.Helper()
	cert, pool := newTestCert(t, []string{name}, time.Now().Add(-time.Hour), notAfter)
	var certs []*x509.Certificate
	for _, der := range cert.Certificate {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		certs = append(certs, c)
	}
	return certs, pool
}

func TestChainCache(t *testing.T) {
	t.Parallel()
	now := time.Now()
	good, pool := chain(t, "tlsbench.test", now.Add(2*time.Hour))
	other, _ := chain(t, "tlsbench.test", now.Add(2*time.Hour)) // another CA
	c := newChainCache(pool, "tlsbench.test", time.Now)
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
	c2 := newChainCache(pool, "other.test", time.Now)
	if err := c2.verify(cs(good)); Classify(err) != ErrCertName {
		t.Errorf("wrong name: %v, want cert_name", err)
	}
}

func BenchmarkChainCacheHit(b *testing.B) {
	good, pool := chain(&testing.T{}, "tlsbench.test", time.Now().Add(time.Hour))
	c := newChainCache(pool, "tlsbench.test", time.Now)
	cs := tls.ConnectionState{PeerCertificates: good}
	c.verify(cs)
	b.ReportAllocs()
	for b.Loop() {
		if err := c.verify(cs); err != nil {
			b.Fatal(err)
		}
	}
}
