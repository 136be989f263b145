package bench_test

import (
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"

	"github.com/tlsbench/tlsbench/bench"
	"github.com/tlsbench/tlsbench/scenarios"
)

// TestEnsureChain: a chain with intermediates verifies from the leaf
// through each intermediate to the CA, is served leaf first with the CA
// last, is kept apart from the chain without intermediates, and is made
// once.
func TestEnsureChain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key           scenarios.KeyType
		intermediates int
		dir           string
	}{
		{scenarios.ECDSAP256, 0, "ecdsa-p256"},
		{scenarios.ECDSAP256, 3, "ecdsa-p256-3i"},
		{scenarios.RSA4096, 0, "rsa-4096"},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			set, err := bench.EnsureChain(dir, tt.key, tt.intermediates)
			if err != nil {
				t.Fatal(err)
			}
			if got := filepath.Base(filepath.Dir(set.CertFile)); got != tt.dir {
				t.Errorf("chain kept in %s, want %s", got, tt.dir)
			}
			pair, err := tls.LoadX509KeyPair(set.CertFile, set.KeyFile)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(pair.Certificate); n != tt.intermediates+2 {
				t.Fatalf("%d certificates served, want leaf, %d intermediates and the CA", n, tt.intermediates)
			}
			var chain []*x509.Certificate
			for _, der := range pair.Certificate {
				c, err := x509.ParseCertificate(der)
				if err != nil {
					t.Fatal(err)
				}
				chain = append(chain, c)
			}
			roots, inter := x509.NewCertPool(), x509.NewCertPool()
			ca, _ := os.ReadFile(set.CAFile)
			roots.AppendCertsFromPEM(ca)
			for _, c := range chain[1 : len(chain)-1] {
				inter.AddCert(c)
			}
			paths, err := chain[0].Verify(x509.VerifyOptions{DNSName: bench.ServerName, Roots: roots, Intermediates: inter})
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			if n := len(paths[0]); n != tt.intermediates+2 {
				t.Errorf("verified path of %d certificates, want %d", n, tt.intermediates+2)
			}
			if !chain[len(chain)-1].Equal(paths[0][len(paths[0])-1]) {
				t.Errorf("the last certificate served is not the CA")
			}
			if tt.key == scenarios.RSA4096 {
				if k, ok := chain[0].PublicKey.(*rsa.PublicKey); !ok || k.N.BitLen() != 4096 {
					t.Errorf("leaf key %T, want RSA-4096", chain[0].PublicKey)
				}
			}
			again, err := bench.EnsureChain(dir, tt.key, tt.intermediates)
			if err != nil {
				t.Fatal(err)
			}
			pair2, _ := tls.LoadX509KeyPair(again.CertFile, again.KeyFile)
			if !chain[0].Equal(mustParse(t, pair2.Certificate[0])) {
				t.Errorf("a fresh chain was made again")
			}
		})
	}
}

func mustParse(t *testing.T, der []byte) *x509.Certificate {
	t.Helper()
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
