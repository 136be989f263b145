package testbed_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tlsbench/tlsbench/bench"
	"github.com/tlsbench/tlsbench/bench/testbed"
	"github.com/tlsbench/tlsbench/loadgen/clock"
	"github.com/tlsbench/tlsbench/scenarios"
)

// manualClock is a fake clock that moves only when Advance is called.
type manualClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*manualTimer
}

type manualTimer struct {
	c   *manualClock
	at  time.Time
	f   func()
	off bool // fired or stopped
}

func newManualClock() *manualClock { return &manualClock{now: time.Now()} }

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) SleepUntil(t time.Time, stop <-chan struct{}) bool {
	woke := make(chan struct{})
	timer := c.at(t, func() { close(woke) })
	select {
	case <-woke:
		select {
		case <-stop:
			return false
		default:
			return true
		}
	case <-stop:
		timer.Stop()
		return false
	}
}

func (c *manualClock) AfterFunc(d time.Duration, f func()) clock.Timer {
	return c.at(c.Now().Add(d), func() { go f() })
}

// at calls f (at once, or in Advance) when the clock reaches t.
func (c *manualClock) at(t time.Time, f func()) *manualTimer {
	c.mu.Lock()
	defer c.mu.Unlock()
	timer := &manualTimer{c: c, at: t, f: f}
	if !c.now.Before(t) {
		timer.off = true
		f()
		return timer
	}
	c.timers = append(c.timers, timer)
	return timer
}

func (t *manualTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.off
	t.off = true
	return !was
}

// Advance moves the clock d forward and fires every timer due by then.
func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	pending := c.timers[:0]
	for _, t := range c.timers {
		switch {
		case t.off:
		case !c.now.Before(t.at):
			t.off = true
			t.f()
		default:
			pending = append(pending, t)
		}
	}
	c.timers = pending
}

// fleet starts a fleet in this process through Serve (on clk, unless it is
// nil) and returns its node addresses and a function that reads its stats.
func fleet(t *testing.T, cfg testbed.Config, clk clock.Clock) ([]string, *x509.CertPool, func() testbed.Stats) {
	t.Helper()
	certs, err := bench.EnsureCerts(t.TempDir(), scenarios.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	cfg.CertFile, cfg.KeyFile = certs.CertFile, certs.KeyFile
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	serve := testbed.Serve
	if clk != nil {
		serve = func(ctx context.Context, in io.Reader, out io.Writer) error {
			return testbed.ServeOn(ctx, in, out, clk)
		}
	}
	go func() { done <- serve(ctx, inR, outW); outW.Close() }()
	t.Cleanup(func() {
		inW.Close()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	line, _ := json.Marshal(cfg)
	inW.Write(append(line, '\n'))
	out := bufio.NewReader(outR)
	var ready testbed.Ready
	b, err := out.ReadBytes('\n')
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &ready); err != nil || ready.Error != "" {
		t.Fatalf("ready = %s (%v)", b, err)
	}
	pool := x509.NewCertPool()
	ca, _ := os.ReadFile(certs.CAFile)
	pool.AppendCertsFromPEM(ca)
	return ready.Addresses, pool, func() testbed.Stats {
		inW.Write([]byte("stats\n"))
		b, err := out.ReadBytes('\n')
		if err != nil {
			t.Fatal(err)
		}
		var s testbed.Stats
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatal(err)
		}
		return s
	}
}

// dial does one handshake with cache, reads to EOF (which stores a TLS 1.3
// ticket) and returns whether it resumed and the node id line.
func dial(t *testing.T, addr string, roots *x509.CertPool, version uint16, cache tls.ClientSessionCache) (bool, string) {
	t.Helper()
	c, err := tls.Dial("tcp", addr, &tls.Config{
		ServerName: bench.ServerName, RootCAs: roots,
		MinVersion: version, MaxVersion: version, ClientSessionCache: cache,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	body, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	return c.ConnectionState().DidResume, string(body)
}

func TestResumptionAcrossNodes(t *testing.T) {
	addrs := []string{"127.0.0.2:0", "127.0.0.3:0"}
	tests := []struct {
		name          string
		cfg           testbed.Config
		wantOtherNode bool // a session from node 0 resumes at node 1
	}{
		{"per-node ticket keys", testbed.Config{Addresses: addrs, Store: "tickets"}, false},
		{"shared ticket keys", testbed.Config{Addresses: addrs, Store: "tickets", TicketKeys: "shared"}, true},
		{"per-node session cache", testbed.Config{Addresses: addrs, Store: "cache"}, false},
		{"shared session cache", testbed.Config{Addresses: addrs, Store: "cache", SharedCache: true}, true},
	}
	for _, tt := range tests {
		for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
			t.Run(tt.name+"/"+tls.VersionName(v), func(t *testing.T) {
				t.Parallel()
				nodes, roots, stats := fleet(t, tt.cfg, nil)
				cache := tls.NewLRUClientSessionCache(1)
				if resumed, id := dial(t, nodes[0], roots, v, cache); resumed || id != "node 0\n" {
					t.Fatalf("first handshake: resumed=%v id=%q, want a full handshake at node 0", resumed, id)
				}
				if resumed, _ := dial(t, nodes[0], roots, v, cache); !resumed {
					t.Fatal("second handshake at the same node did not resume")
				}
				resumed, id := dial(t, nodes[1], roots, v, cache)
				if id != "node 1\n" {
					t.Fatalf("id = %q, want node 1", id)
				}
				if resumed != tt.wantOtherNode {
					t.Errorf("node 0's session at node 1: resumed = %v, want %v", resumed, tt.wantOtherNode)
				}
				s := stats()
				want := []int64{1, 1} // node 0: one full, one resumed
				if got := []int64{s.Nodes[0].Full(), s.Nodes[0].Resumed()}; got[0] != want[0] || got[1] != want[1] {
					t.Errorf("node 0 counts full/resumed = %v, want %v", got, want)
				}
				wantFull1, wantRes1 := int64(1), int64(0)
				if tt.wantOtherNode {
					wantFull1, wantRes1 = 0, 1
				}
				if s.Nodes[1].Full() != wantFull1 || s.Nodes[1].Resumed() != wantRes1 {
					t.Errorf("node 1 counts full/resumed = %d/%d, want %d/%d", s.Nodes[1].Full(), s.Nodes[1].Resumed(), wantFull1, wantRes1)
				}
			})
		}
	}
}

func TestServeRejectsBadConfig(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	err := testbed.Serve(context.Background(), strings.NewReader(`{"addresses": ["127.0.0.2:0"], "cert_file": "/nonexistent"}`+"\n"), &out)
	if err == nil {
		t.Fatal("Serve with a missing certificate succeeded")
	}
	var ready testbed.Ready
	if jerr := json.Unmarshal([]byte(out.String()), &ready); jerr != nil || !strings.Contains(ready.Error, "load certificate") {
		t.Errorf("ready line = %q, want an error about the certificate", out.String())
	}
}

func TestStartReportsChildFailure(t *testing.T) {
	t.Parallel()
	_, err := testbed.Start(context.Background(), []string{"/bin/false"}, testbed.Config{Addresses: []string{"127.0.0.2:0"}})
	if err == nil {
		t.Fatal("Start of a child that exits succeeded")
	}
	if !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "child closed") && !strings.Contains(err.Error(), "send config") {
		t.Errorf("error = %v, want it to say the child went away", err)
	}
}

// waitGeneration waits until node's ticket-key generation is gen: the
// fleet's rotation runs in its own goroutine once the clock has moved.
func waitGeneration(t *testing.T, stats func() testbed.Stats, node int, gen int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := stats().Nodes[node].Generation
		if got == gen {
			return
		}
		if got > gen || time.Now().After(deadline) {
			t.Fatalf("node %d is at key generation %d, want %d", node, got, gen)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestFallbackReasons checks that a node names why it did not resume. The
// fleet runs on a manual clock: between issuing and presenting a session
// the clock moves by exactly the case's wait.
func TestFallbackReasons(t *testing.T) {
	addr := []string{"127.0.0.2:0"}
	tests := []struct {
		name        string
		cfg         testbed.Config
		wait        time.Duration // between issuing and presenting the session
		gen         int64         // the key generation after the wait
		wantResumed bool
		reason      func(testbed.Fallbacks) int64
	}{
		{"rotated out, no overlap",
			testbed.Config{Addresses: addr, RotateEvery: 300 * time.Millisecond},
			450 * time.Millisecond, 1, false, func(f testbed.Fallbacks) int64 { return f.RotatedOut }},
		{"rotation with overlap keeps the old key",
			testbed.Config{Addresses: addr, RotateEvery: 300 * time.Millisecond, RotationOverlap: time.Second},
			450 * time.Millisecond, 1, true, nil},
		{"overlap over, the old key is gone",
			testbed.Config{Addresses: addr, RotateEvery: 300 * time.Millisecond, RotationOverlap: time.Second},
			1300 * time.Millisecond, 4, false, func(f testbed.Fallbacks) int64 { return f.RotatedOut }},
		{"within the session lifetime",
			testbed.Config{Addresses: addr, SessionLifetime: 200 * time.Millisecond},
			200 * time.Millisecond, 0, true, nil},
		{"expired",
			testbed.Config{Addresses: addr, SessionLifetime: 200 * time.Millisecond},
			201 * time.Millisecond, 0, false, func(f testbed.Fallbacks) int64 { return f.Expired }},
		// No reason of the fleet's: crypto/tls refuses a session older
		// than its own limit, on the fleet's clock (tls.Config.Time).
		{"older than crypto/tls's 7 days",
			testbed.Config{Addresses: addr},
			7*24*time.Hour + time.Second, 0, false, nil},
		{"expired in a session cache",
			testbed.Config{Addresses: addr, Store: "cache", SessionLifetime: 200 * time.Millisecond},
			201 * time.Millisecond, 0, false, func(f testbed.Fallbacks) int64 { return f.Expired }},
	}
	for _, tt := range tests {
		for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
			t.Run(tt.name+"/"+tls.VersionName(v), func(t *testing.T) {
				t.Parallel()
				clk := newManualClock()
				nodes, roots, stats := fleet(t, tt.cfg, clk)
				cache := tls.NewLRUClientSessionCache(1)
				dial(t, nodes[0], roots, v, cache)
				clk.Advance(tt.wait)
				if tt.cfg.RotateEvery > 0 {
					waitGeneration(t, stats, 0, tt.gen)
				}
				resumed, _ := dial(t, nodes[0], roots, v, cache)
				if resumed != tt.wantResumed {
					t.Fatalf("resumed = %v, want %v", resumed, tt.wantResumed)
				}
				f := stats().Nodes[0].Fallbacks
				if tt.reason == nil {
					if f.Total() != 0 {
						t.Errorf("fallbacks = %+v, want none", f)
					}
				} else if tt.reason(f) != 1 || f.Total() != 1 {
					t.Errorf("fallbacks = %+v, want exactly one of the expected reason", f)
				}
			})
		}
	}
}

func TestTicketsOff(t *testing.T) {
	t.Parallel()
	nodes, roots, stats := fleet(t, testbed.Config{Addresses: []string{"127.0.0.2:0"}, TicketKeys: "off"}, nil)
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		cache := tls.NewLRUClientSessionCache(1)
		dial(t, nodes[0], roots, v, cache)
		if resumed, _ := dial(t, nodes[0], roots, v, cache); resumed {
			t.Errorf("%s: resumed with tickets off", tls.VersionName(v))
		}
	}
	if s := stats().Nodes[0]; s.Resumed() != 0 || s.Full() != 4 {
		t.Errorf("node counts full/resumed = %d/%d, want 4/0", s.Full(), s.Resumed())
	}
}

// TestStaggeredRotationWithSharedKeys: node 0 rotates first; its new
// tickets are unknown to node 1 until node 1 rotates too.
func TestStaggeredRotationWithSharedKeys(t *testing.T) {
	t.Parallel()
	clk := newManualClock()
	nodes, roots, stats := fleet(t, testbed.Config{
		Addresses:  []string{"127.0.0.2:0", "127.0.0.3:0"},
		TicketKeys: "shared", RotateEvery: 600 * time.Millisecond, RotationOverlap: 2 * time.Second, RotationStagger: true,
	}, clk)
	// Node 0 rotates at 600 ms, node 1 at 900 ms: issue at node 0 in
	// between and present at node 1 before it rotates.
	clk.Advance(650 * time.Millisecond)
	waitGeneration(t, stats, 0, 1)
	waitGeneration(t, stats, 1, 0)
	cache := tls.NewLRUClientSessionCache(1)
	dial(t, nodes[0], roots, tls.VersionTLS13, cache)
	if resumed, _ := dial(t, nodes[1], roots, tls.VersionTLS13, cache); resumed {
		t.Fatal("node 1 resumed a ticket under a key it has not rotated in yet")
	}
	if f := stats().Nodes[1].Fallbacks; f.RotatedAhead != 1 {
		t.Errorf("node 1 fallbacks = %+v, want one rotated_ahead", f)
	}
}

// TestCurvePreferences: a node that prefers P-256 answers Go's default
// TLS 1.3 offer (key shares for X25519MLKEM768 and X25519) with a
// HelloRetryRequest, and a node with Go's defaults does not.
func TestCurvePreferences(t *testing.T) {
	tests := []struct {
		name   string
		groups []tls.CurveID
		want   bool
	}{
		{"defaults", nil, false},
		{"p256 only", []tls.CurveID{tls.CurveP256}, true},
		{"x25519 first", []tls.CurveID{tls.X25519, tls.CurveP256}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			nodes, roots, _ := fleet(t, testbed.Config{Addresses: []string{"127.0.0.2:0"}, CurvePreferences: tt.groups}, nil)
			c, err := tls.Dial("tcp", nodes[0], &tls.Config{ServerName: bench.ServerName, RootCAs: roots, MinVersion: tls.VersionTLS13})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			st := c.ConnectionState()
			if st.HelloRetryRequest != tt.want {
				t.Errorf("HelloRetryRequest = %v, want %v (group %v)", st.HelloRetryRequest, tt.want, st.CurveID)
			}
			if len(tt.groups) > 0 && st.CurveID != tt.groups[0] {
				t.Errorf("negotiated %v, want the node's first preference %v", st.CurveID, tt.groups[0])
			}
		})
	}
}
