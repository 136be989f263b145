package netlab_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tlsbench/tlsbench/bench/netlab"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// certs makes an ECDSA P-256 certificate for "lab.test" and a pool that
// trusts it.
func certs(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "lab.test"},
		DNSNames:     []string{"lab.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// serve accepts connections on ln until it closes and hands each to fn in
// a goroutine of its own.
func serve(t testing.TB, ln net.Listener, fn func(net.Conn)) {
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); defer c.Close(); fn(c) }()
		}
	}()
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// TestRoundTrips is the lab's point: at 40 ms RTT, a TCP connect takes one
// RTT, a TLS 1.3 full handshake one more and a TLS 1.2 full handshake two,
// measured by a Go client dialing from the generator namespace to a Go TLS
// server listening in the server namespace (ECDSA P-256; X25519 and P-256
// offered).
func TestRoundTrips(t *testing.T) {
	const rtt = 40 * time.Millisecond
	l := startLab(t, netlab.Config{RTT: rtt})
	cert, pool := certs(t)
	addr := netip.AddrPortFrom(l.ServerAddrs[0], 443).String()
	ln, err := l.Server.Listen(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srvCfg := &tls.Config{Certificates: []tls.Certificate{cert}, SessionTicketsDisabled: true}
	serve(t, ln, func(c net.Conn) {
		tc := tls.Server(c, srvCfg)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if tc.HandshakeContext(ctx) == nil {
			tc.Write([]byte("ok"))
			tc.Close()
		}
	})
	d := l.Generator.Dialer(net.Dialer{Timeout: 5 * time.Second, KeepAlive: -1})
	measure := func(version uint16) (connect, handshake time.Duration) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		start := time.Now()
		raw, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		connected := time.Now()
		defer raw.Close()
		if got := raw.LocalAddr().(*net.TCPAddr).AddrPort().Addr(); got != l.GeneratorAddrs[0] {
			t.Errorf("connection from %v, want %v", got, l.GeneratorAddrs[0])
		}
		tc := tls.Client(raw, &tls.Config{
			ServerName: "lab.test", RootCAs: pool, MinVersion: version, MaxVersion: version,
			CurvePreferences: []tls.CurveID{tls.X25519, tls.CurveP256},
		})
		if err := tc.HandshakeContext(ctx); err != nil {
			t.Fatal(err)
		}
		done := time.Now()
		if got := tc.ConnectionState().Version; got != version {
			t.Fatalf("negotiated %x, want %x", got, version)
		}
		if b, err := io.ReadAll(tc); err != nil || string(b) != "ok" {
			t.Fatalf("read %q, %v", b, err)
		}
		return connected.Sub(start), done.Sub(connected)
	}
	const n = 7
	var connects, tls13, tls12 []time.Duration
	for range n {
		c, h := measure(tls.VersionTLS13)
		connects, tls13 = append(connects, c), append(tls13, h)
		c, h = measure(tls.VersionTLS12)
		connects, tls12 = append(connects, c), append(tls12, h)
	}
	tests := []struct {
		name     string
		samples  []time.Duration
		min, max float64 // in RTTs
	}{
		{"TCP connect", connects, 1.0, 1.3},
		{"TLS 1.3 full handshake", tls13, 1.0, 1.3},
		{"TLS 1.2 full handshake", tls12, 2.0, 2.3},
	}
	for _, tt := range tests {
		m := median(tt.samples)
		rtts := float64(m) / float64(rtt)
		t.Logf("%s: median %v = %.3f RTT (of %d: %v)", tt.name, m.Round(10*time.Microsecond), rtts, len(tt.samples), tt.samples)
		if rtts < tt.min || rtts > tt.max {
			t.Errorf("%s: median %.3f RTT, want %.1f..%.1f", tt.name, rtts, tt.min, tt.max)
		}
		if lo := slices.Min(tt.samples); float64(lo) < tt.min*float64(rtt) {
			t.Errorf("%s: fastest %v, faster than %.0f RTT: the link lets packets through early", tt.name, lo, tt.min)
		}
	}
	for _, dir := range directions(t, l) {
		t.Logf("%s: %d packets, %d bytes; late p50 ≤ %v, p99 ≤ %v, max %v", dir.name, dir.d.Packets, dir.d.Bytes,
			dir.d.Late.Quantile(0.5), dir.d.Late.Quantile(0.99), dir.d.Late.Max)
		if dir.d.Packets == 0 || dir.d.LossDrops+dir.d.QueueDrops+dir.d.WriteErrors != 0 {
			t.Errorf("%s: %+v, want packets and no drops", dir.name, dir.d)
		}
		checkBalance(t, dir.name, dir.d)
	}
}

// direction is one direction of a lab's counters, named.
type direction struct {
	name string
	d    netlab.Direction
}

// directions returns the lab's counters now, both ways.
func directions(t *testing.T, l *netlab.Lab) []direction {
	t.Helper()
	s, err := l.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return []direction{{"to server", s.ToServer}, {"to client", s.ToClient}}
}

// checkBalance checks that every packet read is accounted for.
func checkBalance(t *testing.T, name string, d netlab.Direction) {
	t.Helper()
	if sum := d.Packets + d.LossDrops + d.QueueDrops + d.WriteErrors + d.InFlight; sum != d.Received {
		t.Errorf("%s: received %d, but forwarded+dropped+in flight = %d: %+v", name, d.Received, sum, d)
	}
}

// TestLoss checks that with 5 % loss each way the loss counters move in
// both directions and TCP still completes every transfer (retransmitting).
func TestLoss(t *testing.T) {
	l := startLab(t, netlab.Config{RTT: 10 * time.Millisecond, Loss: 0.05, Seed: 5})
	addr := netip.AddrPortFrom(l.ServerAddrs[0], 8000).String()
	ln, err := l.Server.Listen(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	const size = 64 << 10
	payload := make([]byte, size)
	serve(t, ln, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(20 * time.Second))
		var req [1]byte
		if _, err := io.ReadFull(c, req[:]); err == nil {
			c.Write(payload)
		}
	})
	d := l.Generator.Dialer(net.Dialer{Timeout: 15 * time.Second, KeepAlive: -1})
	const conns = 20
	errs := make(chan error, conns)
	for range conns {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			c, err := d.DialContext(ctx, "tcp", addr)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(20 * time.Second))
			if _, err := c.Write([]byte{1}); err != nil {
				errs <- err
				return
			}
			n, err := io.Copy(io.Discard, c)
			if err == nil && n != size {
				err = errors.New("short transfer")
			}
			errs <- err
		}()
	}
	for range conns {
		if err := <-errs; err != nil {
			t.Errorf("transfer: %v", err)
		}
	}
	for _, dir := range directions(t, l) {
		share := float64(dir.d.LossDrops) / float64(dir.d.Received)
		t.Logf("%s: received %d, lost %d (%.1f %%)", dir.name, dir.d.Received, dir.d.LossDrops, 100*share)
		if dir.d.LossDrops == 0 || share > 0.15 {
			t.Errorf("%s: %d of %d packets lost, want about 5 %%", dir.name, dir.d.LossDrops, dir.d.Received)
		}
		checkBalance(t, dir.name, dir.d)
	}
}

// TestQueueTailDrop checks the bandwidth cap and its drop-tail queue: one
// TCP transfer through 4 Mbit/s with room for 8 waiting packets fills the
// queue (slow start overshoots it), is tail-dropped, takes at least as
// long as the bytes need at that rate, and still completes.
func TestQueueTailDrop(t *testing.T) {
	const bandwidth = 4_000_000
	l := startLab(t, netlab.Config{RTT: 10 * time.Millisecond, Bandwidth: bandwidth, Queue: 8})
	addr := netip.AddrPortFrom(l.ServerAddrs[0], 8000).String()
	ln, err := l.Server.Listen(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	const size = 256 << 10
	serve(t, ln, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(20 * time.Second))
		c.Write(make([]byte, size))
	})
	d := l.Generator.Dialer(net.Dialer{Timeout: 5 * time.Second, KeepAlive: -1})
	c, err := d.DialContext(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	start := time.Now()
	n, err := io.Copy(io.Discard, c)
	took := time.Since(start)
	if err != nil || n != size {
		t.Fatalf("read %d bytes, %v; want %d", n, err, size)
	}
	s, err := l.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	down := s.ToClient
	t.Logf("to client: %d packets, %d tail-dropped, at most %d waiting, queued p50 ≤ %v max %v; transfer %v (%.2f Mbit/s)",
		down.Packets, down.QueueDrops, down.MaxWaiting, down.Queued.Quantile(0.5), down.Queued.Max, took, float64(size*8)/took.Seconds()/1e6)
	if down.QueueDrops == 0 || down.MaxWaiting != 8 || down.Queued.Max == 0 {
		t.Errorf("to client: %d queue drops, at most %d waiting, queued max %v; want drops at 8 waiting", down.QueueDrops, down.MaxWaiting, down.Queued.Max)
	}
	// The payload alone needs size×8/bandwidth at the rate (headers and
	// retransmissions only add to it).
	if need := time.Duration(float64(size*8) / bandwidth * float64(time.Second)); took < need {
		t.Errorf("transfer took %v, less than the %v its bytes need at %d bit/s", took, need, bandwidth)
	}
	if l.Config().Queue != 8 {
		t.Errorf("Config().Queue = %d, want 8", l.Config().Queue)
	}
	checkBalance(t, "to client", down)
}

// TestInitCwnd checks the server side's initcwnd route attribute, on the
// route and on the wire: a 12 KB response (9 segments) arrives one RTT
// after the request with the kernel's initial window of 10, two with a
// window of 4 (4 segments, then 8).
func TestInitCwnd(t *testing.T) {
	const rtt = 40 * time.Millisecond
	tests := []struct {
		initcwnd int
		rtts     float64
	}{{0, 1}, {4, 2}}
	for _, tt := range tests {
		l := startLab(t, netlab.Config{RTT: rtt, InitCwnd: tt.initcwnd})
		h, err := netns.GetFromPath(l.Server.Path())
		if err != nil {
			t.Fatal(err)
		}
		nl, err := netlink.NewHandleAt(h)
		if err != nil {
			t.Fatal(err)
		}
		routes, err := nl.RouteList(nil, netlink.FAMILY_V4)
		nl.Close()
		h.Close()
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, r := range routes {
			if r.Dst != nil && r.Dst.String() == "198.18.0.0/16" {
				found = true
				if r.InitCwnd != tt.initcwnd {
					t.Errorf("route %v: initcwnd %d, want %d", r.Dst, r.InitCwnd, tt.initcwnd)
				}
			}
		}
		if !found {
			t.Errorf("no route to %v in the server namespace: %v", "198.18.0.0/16", routes)
		}
		addr := netip.AddrPortFrom(l.ServerAddrs[0], 8000).String()
		ln, err := l.Server.Listen(context.Background(), "tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		serve(t, ln, func(c net.Conn) {
			var req [1]byte
			if _, err := io.ReadFull(c, req[:]); err == nil {
				c.Write(make([]byte, 12<<10))
			}
		})
		d := l.Generator.Dialer(net.Dialer{Timeout: 5 * time.Second, KeepAlive: -1})
		var took []time.Duration
		for range 5 {
			c, err := d.DialContext(context.Background(), "tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			c.SetDeadline(time.Now().Add(10 * time.Second))
			start := time.Now()
			c.Write([]byte{1})
			n, err := io.Copy(io.Discard, c)
			took = append(took, time.Since(start))
			c.Close()
			if err != nil || n != 12<<10 {
				t.Fatalf("read %d, %v", n, err)
			}
		}
		m := float64(median(took)) / float64(rtt)
		t.Logf("initcwnd %d: 12 KB in %.2f RTT (%v)", tt.initcwnd, m, took)
		if m < tt.rtts || m > tt.rtts+0.5 {
			t.Errorf("initcwnd %d: 12 KB took %.2f RTT, want %.0f", tt.initcwnd, m, tt.rtts)
		}
		l.Stop()
	}
}

func netDialer() net.Dialer { return net.Dialer{Timeout: 5 * time.Second, KeepAlive: -1} }
