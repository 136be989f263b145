package realserver_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tlsbench/tlsbench/bench"
	"github.com/tlsbench/tlsbench/bench/realserver"
	"github.com/tlsbench/tlsbench/scenarios"
	"github.com/tlsbench/tlsbench/scenarios/tlsfleet"
)

// certDir is shared by the tests of this package so that certificates are
// made once.
var certDir = filepath.Join(os.TempDir(), "tlsbench-realserver-test-certs")

func certs(t *testing.T) (bench.CertSet, *x509.CertPool) {
	t.Helper()
	set, err := bench.EnsureCerts(certDir, scenarios.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	pem, err := os.ReadFile(set.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return set, pool
}

// need skips the test when kind's program is missing, saying which.
func need(t *testing.T, kinds ...realserver.Kind) {
	t.Helper()
	for _, k := range kinds {
		if err := realserver.Available(k); err != nil {
			t.Skipf("%v; .ci/run installs it", err)
		}
	}
}

func start(t *testing.T, cfg realserver.Config) *realserver.Fleet {
	t.Helper()
	set, _ := certs(t)
	cfg.CertFile, cfg.KeyFile, cfg.CAFile, cfg.ServerName = set.CertFile, set.KeyFile, set.CAFile, bench.ServerName
	f, err := realserver.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Stop() })
	return f
}

// visit makes n connections to addr with one session cache, each reading
// to EOF (after an HTTP request when http is set), and returns how many
// resumed and the last reply.
func visit(t *testing.T, addr string, version uint16, http bool, n int) (resumed int, reply string) {
	t.Helper()
	_, roots := certs(t)
	cfg := &tls.Config{ServerName: bench.ServerName, RootCAs: roots, MinVersion: version, MaxVersion: version,
		ClientSessionCache: tls.NewLRUClientSessionCache(1)}
	for range n {
		c, err := tls.Dial("tcp", addr, cfg)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if http {
			io.WriteString(c, "GET / HTTP/1.0\r\n\r\n")
		}
		b, err := io.ReadAll(c)
		c.Close()
		if err != nil {
			t.Fatal(err)
		}
		reply = string(b)
		if c.ConnectionState().DidResume {
			resumed++
		}
	}
	return resumed, reply
}

func total(cs []realserver.Counts) (full, resumed, failed int64) {
	for _, c := range cs {
		full += c.Full
		resumed += c.Resumed
		failed += c.Failed
	}
	return
}

// TestNodes starts one node of each kind, resumes with TLS 1.3 tickets,
// and checks that the server's own counts agree with the client's.
func TestNodes(t *testing.T) {
	tests := []struct {
		name      string
		kind      realserver.Kind
		http      bool
		nginxHTTP bool // Config.HTTP
	}{
		{"nginx", realserver.Nginx, false, false},
		{"nginx http", realserver.Nginx, true, true},
		{"haproxy", realserver.HAProxy, true, false},
		{"openssl", realserver.OpenSSL, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			need(t, tt.kind)
			f := start(t, realserver.Config{Kind: tt.kind, Hosts: []string{"127.0.0.2"}, HTTP: tt.nginxHTTP})
			before, err := f.Counts(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			resumed, reply := visit(t, f.Addresses[0], tls.VersionTLS13, tt.http, 5)
			if resumed != 4 {
				t.Errorf("%d of 5 handshakes resumed, want 4", resumed)
			}
			if tt.kind != realserver.OpenSSL && !strings.Contains(reply, "node 0\n") {
				t.Errorf("reply %q does not name node 0", reply)
			}
			after, err := f.Counts(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			f0, r0, _ := total(before)
			f1, r1, fail := total(after)
			if got := fmt.Sprint(f1-f0, r1-r0); got != "1 4" {
				t.Errorf("server counted full, resumed = %s, want 1 4 (failed %d)", got, fail)
			}
			if after[0].VersionsKnown && after[0].Resumed13-before[0].Resumed13 != 4 {
				t.Errorf("server counted %d TLS 1.3 resumptions, want 4", after[0].Resumed13-before[0].Resumed13)
			}
			if len(f.PIDs()) != 1 {
				t.Errorf("PIDs() = %v, want one process", f.PIDs())
			}
		})
	}
}

// TestTicketKeyScope: three nginx nodes with shared ticket keys resume
// each other's tickets; with per-node keys they do not. Key files are
// 0600 in a directory that Stop removes, with the processes.
func TestTicketKeyScope(t *testing.T) {
	need(t, realserver.Nginx)
	hosts := []string{"127.0.0.2", "127.0.0.3", "127.0.0.4"}
	for _, scope := range []tlsfleet.Scope{tlsfleet.Shared, tlsfleet.PerNode} {
		t.Run(string(scope), func(t *testing.T) {
			f := start(t, realserver.Config{Kind: realserver.Nginx, Hosts: hosts, TicketKeys: scope, SessionCache: tlsfleet.Off})
			_, roots := certs(t)
			cfg := &tls.Config{ServerName: bench.ServerName, RootCAs: roots, MinVersion: tls.VersionTLS13,
				ClientSessionCache: tls.NewLRUClientSessionCache(1)}
			resumed := 0
			for i := range 7 { // 0,1,2,0,1,2,0: every visit at another node
				c, err := tls.Dial("tcp", f.Addresses[i%3], cfg)
				if err != nil {
					t.Fatal(err)
				}
				io.ReadAll(c)
				c.Close()
				if c.ConnectionState().DidResume {
					resumed++
				}
			}
			want := 6
			if scope == tlsfleet.PerNode {
				want = 0
			}
			if resumed != want {
				t.Errorf("%d of 6 visits to another node resumed, want %d", resumed, want)
			}
			// The key files: 0600, one per node or one shared, in a 0700
			// directory.
			keys, _ := filepath.Glob(filepath.Join(f.Dir(), "ticket-*.key"))
			if wantKeys := map[tlsfleet.Scope]int{tlsfleet.Shared: 1, tlsfleet.PerNode: 3}[scope]; len(keys) != wantKeys {
				t.Errorf("key files %v, want %d", keys, wantKeys)
			}
			for _, k := range append(keys, f.Dir()) {
				st, err := os.Stat(k)
				if err != nil {
					t.Fatal(err)
				}
				if perm := st.Mode().Perm(); perm&0o077 != 0 {
					t.Errorf("%s has mode %v, want no access for others", k, perm)
				}
			}
			pids := f.PIDs()
			if err := f.Stop(); err != nil {
				t.Fatal(err)
			}
			for _, pid := range pids {
				if syscall.Kill(pid, 0) == nil {
					t.Errorf("process %d still runs after Stop", pid)
				}
			}
			if _, err := os.Stat(f.Dir()); !os.IsNotExist(err) {
				t.Errorf("%s still exists after Stop (%v)", f.Dir(), err)
			}
		})
	}
}

// TestBalancer: an HAProxy in TCP mode in front of three nginx nodes
// spreads connections round-robin.
func TestBalancer(t *testing.T) {
	need(t, realserver.Nginx, realserver.HAProxy)
	f := start(t, realserver.Config{Kind: realserver.Nginx, Hosts: []string{"127.0.0.2", "127.0.0.3", "127.0.0.4"},
		TicketKeys: tlsfleet.Off, Balance: "roundrobin"})
	if f.Front == "" || len(f.PIDs()) != 4 {
		t.Fatalf("front %q, PIDs %v: want a balancer and 4 processes", f.Front, f.PIDs())
	}
	visit(t, f.Front, tls.VersionTLS12, false, 6)
	cs, err := f.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		// Start's own TCP probe is a failed handshake; the six visits
		// are full handshakes (Go cannot offer session IDs), two each.
		if c.Full != 2 {
			t.Errorf("node %d: %d full handshakes, want 2 of 6 (%+v)", c.Node, c.Full, c)
		}
	}
}

// TestMain lets the test binary start a fleet in a child process for
// TestNoOrphans.
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "start-fleet" {
		set, err := bench.EnsureCerts(certDir, scenarios.ECDSAP256)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		f, err := realserver.Start(context.Background(), realserver.Config{Kind: realserver.Kind(os.Args[2]),
			Hosts: []string{"127.0.0.2", "127.0.0.3"}, CertFile: set.CertFile, KeyFile: set.KeyFile,
			CAFile: set.CAFile, ServerName: bench.ServerName})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(f.PIDs(), f.Dir())
		select {} // until killed
	}
	os.Exit(m.Run())
}

// TestNoOrphans: when the process that started the nodes is killed
// (SIGKILL: no Stop runs), the kernel kills the nodes too.
func TestNoOrphans(t *testing.T) {
	for _, k := range []realserver.Kind{realserver.Nginx, realserver.HAProxy, realserver.OpenSSL} {
		t.Run(string(k), func(t *testing.T) {
			need(t, k)
			cmd := exec.Command(os.Args[0], "start-fleet", string(k))
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var line string
			buf := make([]byte, 512)
			n, _ := out.Read(buf)
			line = string(buf[:n])
			var pids []int
			var dir string
			open, close := strings.Index(line, "["), strings.Index(line, "]")
			if open < 0 || close < open {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("child said %q", line)
			}
			for _, f := range strings.Fields(line[open+1 : close]) {
				var pid int
				fmt.Sscan(f, &pid)
				pids = append(pids, pid)
			}
			dir = strings.TrimSpace(line[close+1:])
			defer os.RemoveAll(dir) // Stop never ran
			cmd.Process.Kill()
			cmd.Wait()
			deadline := time.Now().Add(5 * time.Second)
			for _, pid := range pids {
				for syscall.Kill(pid, 0) == nil {
					// A zombie until its parent (now init) reaps it:
					// look at its state.
					if st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err != nil || strings.Contains(string(st), ") Z ") {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("node process %d outlived the process that started it", pid)
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
		})
	}
}

// TestStartFails: a configuration the server refuses is an error that
// says what the server said, and leaves nothing running.
func TestStartFails(t *testing.T) {
	need(t, realserver.Nginx)
	set, _ := certs(t)
	_, err := realserver.Start(context.Background(), realserver.Config{Kind: realserver.Nginx, Hosts: []string{"127.0.0.2"},
		CertFile: set.CertFile, KeyFile: set.KeyFile, Ciphers: "NO-SUCH-CIPHER"})
	if err == nil || !strings.Contains(err.Error(), "no cipher match") {
		t.Fatalf("Start with a bad cipher list: %v, want an error quoting nginx", err)
	}
}

// TestRemoveStale: the directory of a run whose process is gone (killed
// before it could clean up) is removed; a live owner's is kept.
func TestRemoveStale(t *testing.T) {
	tmp := t.TempDir()
	// A PID that is not running: a child that has exited and been reaped.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(tmp, fmt.Sprintf("tlsbench-nginx-pid%d-123", dead.Process.Pid))
	live := filepath.Join(tmp, fmt.Sprintf("tlsbench-nginx-pid%d-456", os.Getppid()))
	other := filepath.Join(tmp, "tlsbench-unrelated")
	for _, d := range []string{stale, live, other} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(d, "ticket-0.key"), []byte("k"), 0o600)
	}
	realserver.RemoveStaleForTest(tmp)
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the dead run's directory is still there (%v)", err)
	}
	for _, d := range []string{live, other} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s was removed: %v", d, err)
		}
	}
}

// TestPlacement: the nodes listen on Config.Port, their processes start
// through Config.Command, and this package's own connections (the waits
// for the nodes to accept, the reads of s_server's statistics) go through
// Config.Dial: the seams a network lab uses.
func TestPlacement(t *testing.T) {
	for _, kind := range []realserver.Kind{realserver.Nginx, realserver.OpenSSL} {
		t.Run(string(kind), func(t *testing.T) {
			need(t, kind)
			var dials atomic.Int64
			var wrapped []string
			var mu sync.Mutex
			port := map[realserver.Kind]int{realserver.Nginx: 24431, realserver.OpenSSL: 24432}[kind]
			f := start(t, realserver.Config{
				Kind:  kind,
				Hosts: []string{"127.0.0.21", "127.0.0.22"},
				Port:  port,
				Command: func(argv []string) []string {
					mu.Lock()
					wrapped = append(wrapped, argv[0])
					mu.Unlock()
					return append([]string{"env", "TLSBENCH_PLACED=1"}, argv...)
				},
				Dial: func(ctx context.Context, d *net.Dialer, address string) (net.Conn, error) {
					dials.Add(1)
					return d.DialContext(ctx, "tcp", address)
				},
			})
			want := []string{fmt.Sprintf("127.0.0.21:%d", port), fmt.Sprintf("127.0.0.22:%d", port)}
			if !slices.Equal(f.Addresses, want) {
				t.Errorf("addresses %v, want %v", f.Addresses, want)
			}
			if len(wrapped) != 2 {
				t.Errorf("Command wrapped %v, want both nodes", wrapped)
			}
			for _, pid := range f.PIDs() {
				env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Contains(env, []byte("TLSBENCH_PLACED=1\x00")) {
					t.Errorf("process %d was not started through Command", pid)
				}
			}
			n := dials.Load()
			if n < 2 {
				t.Errorf("Dial made %d connections while the nodes started, want at least one per node", n)
			}
			visit(t, f.Addresses[1], tls.VersionTLS13, kind == realserver.OpenSSL, 2)
			cs, err := f.Counts(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if _, r, _ := total(cs); r != 1 {
				t.Errorf("counts %+v, want one resumption", cs)
			}
			if kind == realserver.OpenSSL && dials.Load() == n {
				t.Error("s_server's statistics were not read through Dial")
			}
		})
	}
}
