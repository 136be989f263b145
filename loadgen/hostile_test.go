package loadgen_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tlsbench/tlsbench/loadgen"
)

// listen starts a loopback listener whose connections handle serves
// (serve, the internal tests' helper).
func listen(t *testing.T, handle func(net.Conn)) string {
	return loadgen.Serve(t, handle).String()
}

// TestHostileServers: each misbehaving server ends in its own error class,
// within the configured timeout, with a hint that says what to do.
func TestHostileServers(t *testing.T) {
	t.Parallel()
	now := time.Now()
	good, goodPool := loadgen.NewTestCert(t, []string{"tlsbench.test"}, now.Add(-time.Hour), now.Add(time.Hour))
	expired, expiredPool := loadgen.NewTestCert(t, []string{"tlsbench.test"}, now.Add(-48*time.Hour), now.Add(-24*time.Hour))
	otherName, otherPool := loadgen.NewTestCert(t, []string{"other.test"}, now.Add(-time.Hour), now.Add(time.Hour))
	_, strangerPool := loadgen.NewTestCert(t, []string{"tlsbench.test"}, now.Add(-time.Hour), now.Add(time.Hour))
	tlsServer := func(cfg *tls.Config) func(net.Conn) {
		return func(c net.Conn) {
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			tc := tls.Server(c, cfg)
			if tc.Handshake() == nil {
				tc.Write([]byte("node\n"))
				tc.Close()
			}
		}
	}
	var (
		mu   sync.Mutex
		held []net.Conn // kept from the finalizer that would close them
	)
	tests := []struct {
		name    string
		handle  func(net.Conn)
		pool    *x509.CertPool
		version uint16
		suites  []uint16
		want    loadgen.ErrorClass
		sample  string
	}{
		{"accepts and never answers", func(c net.Conn) { mu.Lock(); held = append(held, c); mu.Unlock() }, goodPool, tls.VersionTLS13, nil, loadgen.ErrTimeout, "timeout"},
		{"answers with plain text", func(c net.Conn) {
			c.Write([]byte("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"))
			c.Close()
		}, goodPool, tls.VersionTLS13, nil, loadgen.ErrNotTLS, "does not look like a TLS handshake"},
		{"reads the hello and closes", func(c net.Conn) {
			c.Read(make([]byte, 4096))
			c.Close()
		}, goodPool, tls.VersionTLS13, nil, loadgen.ErrEOF, "EOF"},
		{"resets", func(c net.Conn) {
			c.Read(make([]byte, 4096))
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
		}, goodPool, tls.VersionTLS13, nil, loadgen.ErrReset, "reset"},
		{"expired certificate", tlsServer(&tls.Config{Certificates: []tls.Certificate{expired}}), expiredPool, tls.VersionTLS13, nil, loadgen.ErrCertExpired, "expired"},
		{"certificate for another name", tlsServer(&tls.Config{Certificates: []tls.Certificate{otherName}}), otherPool, tls.VersionTLS13, nil, loadgen.ErrCertName, "other.test"},
		{"certificate from an unknown CA", tlsServer(&tls.Config{Certificates: []tls.Certificate{good}}), strangerPool, tls.VersionTLS13, nil, loadgen.ErrCertUnknownAuthority, "unknown authority"},
		{"sends an alert (no certificate for the name)", tlsServer(&tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return nil, errors.New("no certificate for this name")
		}}), goodPool, tls.VersionTLS13, nil, loadgen.ErrRemoteAlert, "remote error"},
		{"version mismatch (server TLS 1.3 only)", tlsServer(&tls.Config{Certificates: []tls.Certificate{good}, MinVersion: tls.VersionTLS13}), goodPool, tls.VersionTLS12, nil, loadgen.ErrNegotiation, "protocol version"},
		{"requires a client certificate the client lacks (TLS 1.3: the verdict comes after the client's handshake)", tlsServer(&tls.Config{Certificates: []tls.Certificate{good},
			ClientAuth: tls.RequireAnyClientCert}), goodPool, tls.VersionTLS13, nil, loadgen.ErrClientCertRejected, "certificate required"},
		{"requires a client certificate the client lacks (TLS 1.2)", tlsServer(&tls.Config{Certificates: []tls.Certificate{good},
			ClientAuth: tls.RequireAnyClientCert}), goodPool, tls.VersionTLS12, nil, loadgen.ErrClientCertRejected, "handshake failure"},
		{"cipher-suite mismatch (seed 003)", tlsServer(&tls.Config{Certificates: []tls.Certificate{good}, MaxVersion: tls.VersionTLS12,
			CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}}), goodPool, tls.VersionTLS12,
			[]uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}, loadgen.ErrNegotiation, "handshake failure"},
	}
	for _, tt := range tests {
		for _, cache := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/cache=%v", tt.name, cache), func(t *testing.T) {
				addr := listen(t, tt.handle)
				cfg := loadgen.Config{
					CacheVerifiedChains: cache,
					Targets:             []string{addr}, ServerName: "tlsbench.test", RootCAs: tt.pool,
					Version: tt.version, CipherSuites: tt.suites, Clients: 1, Concurrency: 1,
					ConnectTimeout: time.Second, HandshakeTimeout: 300 * time.Millisecond, IOTimeout: time.Second,
				}
				g, err := loadgen.New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				p, err := g.Run(ctx, loadgen.Phase{Name: "m", Measured: true, Count: 2}, nil)
				if err != nil {
					t.Fatalf("Run: %v (the timeout did not end it)", err)
				}
				if got := p.Errors[tt.want.String()]; got != 2 || p.Handshakes.Failed != 2 {
					t.Fatalf("errors %v, failed %d; want 2 of class %s", p.Errors, p.Handshakes.Failed, tt.want)
				}
				d := p.ErrorDetails[0]
				if d.Stage != "handshake" || !strings.Contains(d.Sample, tt.sample) || d.Hint != tt.want.Hint() || d.Hint == "" {
					t.Errorf("detail %+v, want stage handshake, a sample containing %q and the class's hint", d, tt.sample)
				}
			})
		}
	}
}
