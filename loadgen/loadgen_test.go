package loadgen_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tlsbench/tlsbench/loadgen"
)

// TestMain lets the test binary serve as a TLS server child for the
// benchmarks, so that their CPU figures are the client's alone.
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "tls-server" {
		serveChild(os.Args[2])
		return
	}
	os.Exit(m.Run())
}

// serve answers each connection like a testbed node: handshake, one line,
// close_notify, close.
func serve(ln net.Listener, cfg *tls.Config) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			tc := tls.Server(c, cfg)
			if tc.Handshake() != nil {
				return
			}
			tc.Write([]byte("node\n"))
			tc.CloseWrite()
			c.(*net.TCPConn).CloseWrite()
			io.Copy(io.Discard, tc)
		}()
	}
}

func server(t *testing.T) (string, *x509.CertPool) {
	t.Helper()
	cert, pool := loadgen.ValidTestCert(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go serve(ln, &tls.Config{Certificates: []tls.Certificate{cert}})
	return ln.Addr().String(), pool
}

func config(addr string, pool *x509.CertPool, version uint16, resume bool) loadgen.Config {
	return loadgen.Config{
		Targets: []string{addr}, ServerName: "tlsbench.test", RootCAs: pool,
		Version: version, Resume: resume, Clients: 8, Concurrency: 2,
		ConnectTimeout: 5 * time.Second, HandshakeTimeout: 5 * time.Second, IOTimeout: 5 * time.Second,
	}
}

func TestRunCounts(t *testing.T) {
	t.Parallel()
	addr, pool := server(t)
	tests := []struct {
		name        string
		version     uint16
		resume      bool
		action      loadgen.Action
		wantResumed bool
	}{
		{"tls12 full", tls.VersionTLS12, false, loadgen.ReadEOF, false},
		{"tls13 full", tls.VersionTLS13, false, loadgen.ReadEOF, false},
		{"tls12 tickets", tls.VersionTLS12, true, loadgen.ReadEOF, true},
		{"tls13 tickets", tls.VersionTLS13, true, loadgen.ReadEOF, true},
		{"tls13 tickets, read until ticket", tls.VersionTLS13, true, loadgen.Ticket, true},
		// The pitfall: a TLS 1.3 client that closes right after the
		// handshake never reads its ticket and never resumes.
		{"tls13 tickets, close at once", tls.VersionTLS13, true, loadgen.Close, false},
		{"tls12 tickets, close at once", tls.VersionTLS12, true, loadgen.Close, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := config(addr, pool, tt.version, tt.resume)
			cfg.AfterHandshake = tt.action
			g, err := loadgen.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			warm, err := g.Run(context.Background(), loadgen.Phase{Name: "warmup", Count: 16}, nil)
			if err != nil {
				t.Fatal(err)
			}
			// 8 clients, 16 connections: each client's second one resumes.
			wantWarmFull := int64(16)
			if tt.wantResumed {
				wantWarmFull = 8
			}
			if warm.Measured || warm.Handshakes.Full != wantWarmFull || warm.Handshakes.Completed() != 16 {
				t.Errorf("warm-up: measured %v, %+v, want not measured and %d of 16 full", warm.Measured, warm.Handshakes, wantWarmFull)
			}
			p, err := g.Run(context.Background(), loadgen.Phase{Name: "measure", Measured: true, Count: 40}, nil)
			if err != nil {
				t.Fatal(err)
			}
			h := p.Handshakes
			if h.Total != 40 || h.Failed != 0 || h.Full+h.Resumed != 40 {
				t.Fatalf("handshakes = %+v, want 40 completed", h)
			}
			// A client offers only what it stored: a TLS 1.3 client that
			// closes at once stores nothing and offers nothing.
			wantResumed, wantOffered := int64(0), int64(0)
			if tt.wantResumed {
				wantResumed, wantOffered = 40, 40
			}
			if h.Resumed != wantResumed || h.Offered != wantOffered {
				t.Errorf("resumed %d, offered %d; want %d and %d", h.Resumed, h.Offered, wantResumed, wantOffered)
			}
			if got := p.Fallbacks["offered_not_resumed"]; got != wantOffered-wantResumed {
				t.Errorf("offered_not_resumed = %d, want %d", got, wantOffered-wantResumed)
			}
			if p.LatencyUS.Handshake.Count != 40 || p.LatencyUS.Handshake.P50 <= 0 {
				t.Errorf("handshake latency summary = %+v, want 40 values", p.LatencyUS.Handshake)
			}
			if p.BytesPerHandshake.ServerToClient <= 0 || p.BytesPerHandshake.ClientToServer <= 0 {
				t.Errorf("bytes per handshake = %+v, want both ways counted", p.BytesPerHandshake)
			}
			if tt.wantResumed {
				// The resumption matrix: sessions from node 0 resumed at node 0.
				if c := p.Matrix[0][0]; c.Offered != 40 || c.Resumed != 40 {
					t.Errorf("matrix[0][0] = %+v, want 40 offered and resumed", c)
				}
			}
		})
	}
}

func TestRunCountsErrorsAndGoesOn(t *testing.T) {
	t.Parallel()
	// A closed port: every connection is refused, and the phase still ends.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, pool := loadgen.ValidTestCert(t)
	g, err := loadgen.New(config(addr, pool, tls.VersionTLS13, true))
	if err != nil {
		t.Fatal(err)
	}
	p, err := g.Run(context.Background(), loadgen.Phase{Name: "measure", Measured: true, Count: 10}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Handshakes.Failed != 10 || p.Errors["refused"] != 10 {
		t.Errorf("failed %d, errors %v; want 10 refused", p.Handshakes.Failed, p.Errors)
	}
	if len(p.ErrorDetails) != 1 || p.ErrorDetails[0].Stage != "connect" || !strings.Contains(p.ErrorDetails[0].Sample, "refused") {
		t.Errorf("error details = %+v, want one refused sample at connect", p.ErrorDetails)
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	t.Parallel()
	addr, pool := server(t)
	g, err := loadgen.New(config(addr, pool, tls.VersionTLS13, true))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p, err := g.Run(ctx, loadgen.Phase{Name: "measure", Measured: true, Duration: time.Hour}, func(p loadgen.Progress) {
		if p.Completed >= 20 {
			cancel()
		}
	})
	if err != context.Canceled {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if p.Handshakes.Completed() < 20 || p.Handshakes.Failed != 0 {
		t.Errorf("handshakes = %+v, want at least 20 completed and the in-flight ones drained", p.Handshakes)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	_, err := loadgen.New(loadgen.Config{Clients: 1, Concurrency: 2})
	if err == nil {
		t.Fatal("New accepted a config without targets")
	}
	for _, want := range []string{"no targets", "clients (1) must be at least concurrency (2)", "version"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want loadgen.ErrorClass
	}{
		{"refused", &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, loadgen.ErrRefused},
		{"ports", &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.EADDRNOTAVAIL)}, loadgen.ErrPortsExhausted},
		{"reset", &net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, loadgen.ErrReset},
		{"fds", &net.OpError{Op: "dial", Err: os.NewSyscallError("socket", syscall.EMFILE)}, loadgen.ErrLocalResources},
		{"deadline", fmt.Errorf("read: %w", os.ErrDeadlineExceeded), loadgen.ErrTimeout},
		{"context deadline", context.DeadlineExceeded, loadgen.ErrTimeout},
		{"canceled", context.Canceled, loadgen.ErrCanceled},
		{"eof", io.EOF, loadgen.ErrEOF},
		{"unknown authority", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, loadgen.ErrCertUnknownAuthority},
		{"hostname", &tls.CertificateVerificationError{Err: x509.HostnameError{Certificate: &x509.Certificate{}, Host: "x"}}, loadgen.ErrCertName},
		{"expired", &tls.CertificateVerificationError{Err: x509.CertificateInvalidError{Reason: x509.Expired}}, loadgen.ErrCertExpired},
		{"not tls", tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}, loadgen.ErrNotTLS},
		{"negotiation", fmt.Errorf("tls: server selected unsupported protocol version 301"), loadgen.ErrNegotiation},
		{"client certificate rejected", &net.OpError{Op: "remote error", Err: errors.New("tls: unknown certificate authority")}, loadgen.ErrClientCertRejected},
		{"client certificate required", &net.OpError{Op: "remote error", Err: errors.New("tls: certificate required")}, loadgen.ErrClientCertRejected},
		{"closed after the client certificate", fmt.Errorf("after: %w", loadgen.ErrNoResponseAfterClientCert), loadgen.ErrClientCertRejected},
		{"ech rejected", &tls.ECHRejectionError{}, loadgen.ErrECHRejected},
		{"other", fmt.Errorf("something else"), loadgen.ErrOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := loadgen.Classify(tt.err); got != tt.want {
				t.Errorf("Classify(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

// serveChild runs a TLS server in this process on addr's port, printing its
// address and the CA in PEM on stdout, until stdin closes.
func serveChild(addr string) {
	cert, _ := loadgen.ValidTestCert(&testing.B{})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println(ln.Addr().String())
	pem.Encode(os.Stdout, &pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[1]}) // the CA
	go serve(ln, &tls.Config{Certificates: []tls.Certificate{cert}})
	io.Copy(io.Discard, os.Stdin)
}

// childServer starts serveChild in a child process.
func childServer(b *testing.B) (string, *x509.CertPool) {
	b.Helper()
	cmd := exec.Command(os.Args[0], "tls-server", "127.0.0.1:0")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stdin.Close(); cmd.Wait() })
	r := bufio.NewReader(stdout)
	addr, err := r.ReadString('\n')
	if err != nil || strings.HasPrefix(addr, "error") {
		b.Fatalf("child server: %q %v", addr, err)
	}
	var pemData []byte
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			b.Fatal(err)
		}
		pemData = append(pemData, line...)
		if strings.HasPrefix(string(line), "-----END") {
			break
		}
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemData)
	return strings.TrimSpace(addr), pool
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkHandshake measures the generator's client CPU per handshake
// against a server in another process (reported as client-cpu-us/op; the
// ns/op figure is wall time with the server competing for the CPUs), and
// its allocations per handshake, crypto/tls's included (allocs/op, B/op:
// a regression shows there). -netpath is the connection path of net's
// dialer, beside the raw path the others take.
func BenchmarkHandshake(b *testing.B) {
	addr, pool := childServer(b)
	for _, bc := range []struct {
		name    string
		version uint16
		resume  bool
		cache   bool
		netPath bool // net's dialer instead of the raw connection path
	}{
		{"tls12-full/verify=full", tls.VersionTLS12, false, false, false},
		{"tls12-full/verify=cached", tls.VersionTLS12, false, true, false},
		{"tls12-resumed", tls.VersionTLS12, true, true, false},
		{"tls12-resumed-netpath", tls.VersionTLS12, true, true, true},
		{"tls13-full/verify=full", tls.VersionTLS13, false, false, false},
		{"tls13-full/verify=cached", tls.VersionTLS13, false, true, false},
		{"tls13-resumed", tls.VersionTLS13, true, true, false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			cfg := config(addr, pool, bc.version, bc.resume)
			cfg.CacheVerifiedChains = bc.cache
			cfg.NetDialer = bc.netPath
			cfg.Clients, cfg.Concurrency = 16, 4
			cfg.CurvePreferences = []tls.CurveID{tls.X25519}
			g, err := loadgen.New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := g.Run(context.Background(), loadgen.Phase{Name: "warmup", Count: 64}, nil); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuNow()
			p, err := g.Run(context.Background(), loadgen.Phase{Name: "measure", Measured: true, Count: int64(b.N)}, nil)
			cpu := cpuNow() - cpu0
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			if p.Handshakes.Failed > 0 {
				b.Fatalf("%d handshakes failed: %v", p.Handshakes.Failed, p.Errors)
			}
			if bc.resume && p.Handshakes.Resumed < p.Handshakes.Completed()*99/100 {
				b.Fatalf("resumed %d of %d", p.Handshakes.Resumed, p.Handshakes.Completed())
			}
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "client-cpu-us/op")
		})
	}
}

func rssMB() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb float64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkIdleClients measures the memory of 100,000 simulated clients
// that each hold a session (TLS 1.3 tickets): the process's RSS after every
// client has connected once (rss-MB), and per client (rss-KB/client).
func BenchmarkIdleClients(b *testing.B) {
	addr, pool := childServer(b)
	const clients = 100_000
	for b.Loop() {
		cfg := config(addr, pool, tls.VersionTLS13, true)
		cfg.Clients, cfg.Concurrency = clients, 32
		cfg.CurvePreferences = []tls.CurveID{tls.X25519}
		cfg.CacheVerifiedChains = true
		base := rssMB()
		g, err := loadgen.New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		p, err := g.Run(context.Background(), loadgen.Phase{Name: "fill", Count: clients}, nil)
		if err != nil || p.Handshakes.Completed() != clients {
			b.Fatalf("%v: %+v %v", err, p.Handshakes, p.Errors)
		}
		runtime.GC()
		rss := rssMB()
		b.ReportMetric(rss, "rss-MB")
		b.ReportMetric((rss-base)*1024/clients, "rss-KB/client")
		live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		metrics.Read(live)
		b.ReportMetric(float64(live[0].Value.Uint64())/(1<<20), "heap-live-MB")
		if path := os.Getenv("IDLE_HEAP_PROFILE"); path != "" {
			writeHeapProfile(b, path)
		}
		runtime.KeepAlive(g)
	}
}

// writeHeapProfile writes the heap profile of the clients while they are
// alive (IDLE_HEAP_PROFILE=file, for finding what a client holds).
func writeHeapProfile(b *testing.B, path string) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		b.Fatal(err)
	}
}

// TestClientsKeepTheirOwnSessions: two clients served by one worker (one
// shared tls.Config) do not see each other's sessions.
func TestClientsKeepTheirOwnSessions(t *testing.T) {
	t.Parallel()
	addr, pool := server(t)
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		cfg := config(addr, pool, v, true)
		cfg.Clients, cfg.Concurrency = 2, 1
		g, err := loadgen.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		// Only client 0 connects: it alone holds a session.
		if _, err := g.Run(context.Background(), loadgen.Phase{Name: "one", Count: 1}, nil); err != nil {
			t.Fatal(err)
		}
		// Client 1, then client 0.
		p, err := g.Run(context.Background(), loadgen.Phase{Name: "both", Count: 2}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if h := p.Handshakes; h.Offered != 1 || h.Resumed != 1 || p.Fallbacks["no_session"] != 1 {
			t.Errorf("%s: %+v, fallbacks %v; want client 1 with nothing to offer and client 0 resumed", tls.VersionName(v), h, p.Fallbacks)
		}
	}
}

// TestCloseOptions: a client that closes first, or with a reset, still
// completes and resumes; source addresses are used in turn.
func TestCloseOptions(t *testing.T) {
	t.Parallel()
	cert, pool := loadgen.ValidTestCert(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var mu sync.Mutex
	sources := map[string]int{}
	srvCfg := &tls.Config{Certificates: []tls.Certificate{cert}} // one config: one ticket key
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
			mu.Lock()
			sources[host]++
			mu.Unlock()
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				tc := tls.Server(c, srvCfg)
				if tc.Handshake() != nil {
					return
				}
				tc.Write([]byte("node\n"))
				io.Copy(io.Discard, tc) // the client closes first
			}()
		}
	}()
	for _, tt := range []struct {
		name  string
		reset bool
	}{{"client closes first", false}, {"client resets", true}} {
		for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
			cfg := config(ln.Addr().String(), pool, v, true)
			cfg.CloseFirst, cfg.Reset = true, tt.reset
			cfg.SourceAddrs = []string{"127.0.0.5", "127.0.0.6"}
			g, err := loadgen.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			g.Run(context.Background(), loadgen.Phase{Name: "warmup", Count: 16}, nil)
			p, err := g.Run(context.Background(), loadgen.Phase{Name: "m", Measured: true, Count: 40}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if h := p.Handshakes; h.Resumed != 40 || len(p.Errors) != 0 {
				t.Errorf("%s, %s: %+v, errors %v; want 40 resumed without errors", tt.name, tls.VersionName(v), h, p.Errors)
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(sources) != 2 || sources["127.0.0.5"] == 0 || sources["127.0.0.6"] == 0 {
		t.Errorf("connections came from %v, want both 127.0.0.5 and 127.0.0.6", sources)
	}
}
