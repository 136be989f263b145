package check_test

import (
	"bufio"
	"context"
	"crypto/x509"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tlsbench/tlsbench/bench"
	"github.com/tlsbench/tlsbench/bench/check"
	"github.com/tlsbench/tlsbench/bench/realserver"
	"github.com/tlsbench/tlsbench/bench/testbed"
	"github.com/tlsbench/tlsbench/scenarios"
)

// TestGroupsOpenSSL: openssl s_server nodes (OpenSSL 3.0, ECDSA P-256
// certificate) with their default groups and with -groups. Every group
// is reported under each version, and hello_retry is true exactly when
// the server accepts neither of the key shares of Go's default offer
// (x25519mlkem768, x25519). OpenSSL 3.0 has no ML-KEM.
func TestGroupsOpenSSL(t *testing.T) {
	if err := realserver.Available(realserver.OpenSSL); err != nil {
		t.Skipf("%v; .ci/run installs it", err)
	}
	for _, tt := range []struct {
		name, groups string
		want12       []string // TLS 1.2 accepted
		want13       []string // TLS 1.3 accepted
		negotiated   string   // by Go's default TLS 1.3 offer
		helloRetry   bool
	}{
		// OpenSSL 3.0's default list: X25519, P-256, X448, P-521, P-384.
		{"default", "", []string{"x25519", "p256", "p384", "p521"}, []string{"x25519", "p256", "p384", "p521"}, "x25519", false},
		{"p256-only", "P-256", []string{"p256"}, []string{"p256"}, "p256", true},
		{"x25519-p256", "X25519:P-256", []string{"x25519", "p256"}, []string{"x25519", "p256"}, "x25519", false},
		// The certificate's curve is not among the server's groups: the
		// server still serves it, and TLS 1.2 negotiates P-384.
		{"p384-only", "P-384", []string{"p384"}, []string{"p384"}, "p384", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, roots := openssl(t, tt.groups)
			r := run(t, roots, f.Addresses[0])
			g12, g13 := r.Groups.TLS12, r.Groups.TLS13
			if !reflect.DeepEqual(g12.Accepted, tt.want12) {
				t.Errorf("TLS 1.2 accepted %v, want %v (results %+v)", g12.Accepted, tt.want12, g12.Results)
			}
			if g12.OfferedWith != "p256" {
				t.Errorf("TLS 1.2 offered with %q, want p256 (the certificate's curve)", g12.OfferedWith)
			}
			if !reflect.DeepEqual(g13.Accepted, tt.want13) {
				t.Errorf("TLS 1.3 accepted %v, want %v (results %+v)", g13.Accepted, tt.want13, g13.Results)
			}
			if got := len(g13.Accepted) + len(g13.Refused); got != 7 {
				t.Errorf("TLS 1.3: %d groups reported, want all 7 of package kex", got)
			}
			for _, pq := range []string{"x25519mlkem768", "secp256r1mlkem768"} {
				if p := probe(g13.Results, pq); p.Accepted || p.Alert != "handshake failure" {
					t.Errorf("%s: %+v, want refused with handshake_failure (OpenSSL 3.0 has no ML-KEM)", pq, p)
				}
			}
			d := g13.Default
			if d == nil || d.Negotiated != tt.negotiated || d.HelloRetry != tt.helloRetry || g13.HelloRetry != tt.helloRetry {
				t.Fatalf("default offer %+v, hello_retry %v; want %s, hello_retry %v", d, g13.HelloRetry, tt.negotiated, tt.helloRetry)
			}
			if !reflect.DeepEqual(d.KeyShares, []string{"x25519mlkem768", "x25519"}) {
				t.Errorf("default key shares %v, want Go's [x25519mlkem768 x25519]", d.KeyShares)
			}
			hrrNote := slices.ContainsFunc(r.Notes, func(n string) bool { return strings.Contains(n, "drew a HelloRetryRequest for "+tt.negotiated) })
			if tt.helloRetry && d.HelloRetryGroup != tt.negotiated || hrrNote != tt.helloRetry {
				t.Errorf("HelloRetryRequest group %q, note %v; want %q and a note %v", d.HelloRetryGroup, hrrNote, tt.negotiated, tt.helloRetry)
			}
			var text strings.Builder
			if err := r.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(text.String(), "post-quantum      X25519MLKEM768 refused (") {
				t.Errorf("no post-quantum line in\n%s", text.String())
			}
		})
	}
}

// openssl starts an s_server node with groups, skipping the test when
// openssl is not installed.
func openssl(t *testing.T, groups string) (*realserver.Fleet, *x509.CertPool) {
	t.Helper()
	set, roots := testCerts(t)
	f, err := realserver.Start(context.Background(), realserver.Config{Kind: realserver.OpenSSL, Hosts: []string{"127.0.0.2"},
		CertFile: set.CertFile, KeyFile: set.KeyFile, CAFile: set.CAFile, ServerName: bench.ServerName, Groups: groups})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Stop() })
	return f, roots
}

func testCerts(t *testing.T) (bench.CertSet, *x509.CertPool) {
	t.Helper()
	set, err := bench.EnsureCerts(certDir, scenarios.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	pem, err := os.ReadFile(set.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	return set, roots
}

// TestGroupsTestbed: the embedded testbed (Go's crypto/tls server)
// accepts every group, X25519MLKEM768 first among them, and Go's default
// offer needs no HelloRetryRequest there. The JSON keys of the contract
// are checked on the report's encoding.
func TestGroupsTestbed(t *testing.T) {
	set, roots := testCerts(t)
	addr := serveTestbed(t, testbed.Config{Addresses: []string{"127.0.0.6:0"}, CertFile: set.CertFile, KeyFile: set.KeyFile})
	r := run(t, roots, addr)
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Groups struct {
			TLS12 struct{ Accepted, Refused []string } `json:"tls12"`
			TLS13 struct {
				Accepted, Refused []string
				Results           []check.Probe
				HelloRetry        *bool `json:"hello_retry"`
				Default           struct{ Negotiated string }
			} `json:"tls13"`
		}
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	g13 := got.Groups.TLS13
	if want := []string{"x25519", "x25519mlkem768", "secp256r1mlkem768", "secp384r1mlkem1024", "p256", "p384", "p521"}; !reflect.DeepEqual(g13.Accepted, want) || len(g13.Refused) != 0 {
		t.Errorf(".groups.tls13 accepted %v refused %v, want %v and none", g13.Accepted, g13.Refused, want)
	}
	if g13.HelloRetry == nil || *g13.HelloRetry || g13.Default.Negotiated != "x25519mlkem768" {
		t.Errorf(".groups.tls13.hello_retry %v, default negotiated %q; want false and x25519mlkem768", g13.HelloRetry, g13.Default.Negotiated)
	}
	if want := []string{"x25519", "p256", "p384", "p521"}; !reflect.DeepEqual(got.Groups.TLS12.Accepted, want) {
		t.Errorf(".groups.tls12.accepted %v, want %v", got.Groups.TLS12.Accepted, want)
	}
	var text strings.Builder
	r.WriteText(&text)
	if !strings.Contains(text.String(), "post-quantum      X25519MLKEM768 accepted (TLS 1.3, offered alone") {
		t.Errorf("post-quantum line missing or wrong in\n%s", text.String())
	}
}

// serveTestbed runs a testbed fleet in this process (its CPU is not
// measured here) and returns its first node's address.
func serveTestbed(t *testing.T, cfg testbed.Config) string {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- testbed.Serve(context.Background(), inR, outW)
		outW.Close()
	}()
	t.Cleanup(func() {
		inW.Close()
		if err := <-done; err != nil {
			t.Errorf("testbed: %v", err)
		}
	})
	line, _ := json.Marshal(cfg)
	go inW.Write(append(line, '\n'))
	ready, err := bufio.NewReader(outR).ReadBytes('\n')
	if err != nil {
		t.Fatal(err)
	}
	var rd testbed.Ready
	if err := json.Unmarshal(ready, &rd); err != nil || rd.Error != "" || len(rd.Addresses) == 0 {
		t.Fatalf("testbed: %s %v", ready, err)
	}
	go io.Copy(io.Discard, outR)
	return rd.Addresses[0]
}

// TestEarlyData: 0-RTT through the openssl binary against nginx (HTTP
// nodes) with ssl_early_data on and off, and not tested without openssl.
func TestEarlyData(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skipf("openssl is not installed: %v; .ci/run installs it", err)
	}
	for _, tt := range []struct {
		name      string
		earlyData bool
		openssl   string
		want      string
	}{
		{"on", true, "", check.EarlyAccepted},
		{"off", false, "", check.EarlyRejected},
		{"no-openssl", true, "/nonexistent/openssl", check.EarlyNotTested},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, roots, set := fleet(t, realserver.Config{Hosts: []string{"127.0.0.2"}, HTTP: true, EarlyData: tt.earlyData})
			r, err := check.Run(context.Background(), check.Config{Address: f.Addresses[0], ServerName: bench.ServerName, RootCAs: roots,
				CAFile: set.CAFile, OpenSSL: tt.openssl, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if r.EarlyData != tt.want || r.EarlyDataDetail == "" {
				t.Errorf("early_data %q (%s), want %q with a reason", r.EarlyData, r.EarlyDataDetail, tt.want)
			}
			b, _ := json.Marshal(r)
			if !strings.Contains(string(b), `"early_data":"`+tt.want+`"`) {
				t.Errorf("JSON lacks .early_data %q", tt.want)
			}
		})
	}
}
