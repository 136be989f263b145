package loadgen_test

import (
	"context"
	"crypto/tls"
	"net"
	"testing"

	"github.com/tlsbench/tlsbench/loadgen"
	"github.com/tlsbench/tlsbench/results"
)

// TestRoundTrips counts each kind's round trips, TLS protocol round trips
// that do not depend on the network (here loopback): 1 for TLS 1.3 full
// and for resumed handshakes, 2 for TLS 1.2 full, and one more when the
// server answers with a HelloRetryRequest, which is counted. The server's
// first flight of a full handshake carries its certificate chain. (The
// measured phases of the resumed cases hold only resumed handshakes: the
// warm-up gave every client a session.)
func TestRoundTrips(t *testing.T) {
	t.Parallel()
	cert, pool := loadgen.ValidTestCert(t)
	start := func(groups []tls.CurveID) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		go serve(ln, &tls.Config{Certificates: []tls.Certificate{cert}, CurvePreferences: groups})
		return ln.Addr().String()
	}
	plain := start(nil)
	// The client's default offer has key shares for X25519MLKEM768 and
	// X25519 only: a server that prefers P-256 asks for another.
	hrr := start([]tls.CurveID{tls.CurveP256})
	chain := 0
	for _, der := range cert.Certificate {
		chain += len(der)
	}
	tests := []struct {
		name        string
		addr        string
		version     uint16
		resume      bool
		full, resum int // round trips; 0: no handshakes of the kind
		helloRetry  bool
	}{
		{"tls13 full", plain, tls.VersionTLS13, false, 1, 0, false},
		{"tls12 full", plain, tls.VersionTLS12, false, 2, 0, false},
		{"tls13 resumed", plain, tls.VersionTLS13, true, 0, 1, false},
		{"tls12 resumed", plain, tls.VersionTLS12, true, 0, 1, false},
		{"tls13 full, HelloRetryRequest", hrr, tls.VersionTLS13, false, 2, 0, true},
		{"tls13 resumed, HelloRetryRequest", hrr, tls.VersionTLS13, true, 0, 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := config(tt.addr, pool, tt.version, tt.resume)
			cfg.RoundTrips = true
			g, err := loadgen.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := g.Run(context.Background(), loadgen.Phase{Name: "warmup", Count: 8}, nil); err != nil {
				t.Fatal(err)
			}
			p, err := g.Run(context.Background(), loadgen.Phase{Name: "measure", Measured: true, Count: 16}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if p.Handshakes.Failed != 0 || p.Handshakes.Completed() != 16 {
				t.Fatalf("handshakes %+v, errors %v", p.Handshakes, p.Errors)
			}
			for _, k := range []struct {
				name string
				kind results.Kind
				want int
			}{{"full", p.Kinds.Full, tt.full}, {"resumed", p.Kinds.Resumed, tt.resum}} {
				if k.want == 0 {
					if k.kind.Count != 0 {
						t.Errorf("%s: %d handshakes, want none", k.name, k.kind.Count)
					}
					continue
				}
				if k.kind.RoundTrips == nil || *k.kind.RoundTrips != k.want {
					t.Errorf("%s: round trips %v (counts %v), want %d", k.name, k.kind.RoundTrips, k.kind.RoundTripCounts, k.want)
				}
			}
			if ff := p.Kinds.Full.FirstFlightBytes; tt.full > 0 && (ff == nil || ff.P50 < float64(chain)) {
				t.Errorf("full: first flight %+v, want at least the %d bytes of the chain", ff, chain)
			}
			if ff := p.Kinds.Resumed.FirstFlightBytes; tt.resum > 0 && (ff == nil || ff.Count != p.Handshakes.Resumed || ff.P50 == 0) {
				t.Errorf("resumed: first flight %+v, want one per resumed handshake", ff)
			}
			wantHRR := int64(0)
			if tt.helloRetry {
				wantHRR = p.Handshakes.Completed()
			}
			if p.Handshakes.HelloRetry != wantHRR {
				t.Errorf("hello_retry %d, want %d", p.Handshakes.HelloRetry, wantHRR)
			}
		})
	}
}
