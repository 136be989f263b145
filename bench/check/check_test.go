package check_test

import (
	"context"
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tlsbench/tlsbench/bench"
	"github.com/tlsbench/tlsbench/bench/check"
	"github.com/tlsbench/tlsbench/bench/realserver"
	"github.com/tlsbench/tlsbench/scenarios/tlsfleet"
)

var certDir = filepath.Join(os.TempDir(), "tlsbench-check-test-certs")

// fleet starts nginx nodes on hosts with cfg, skipping the test when nginx
// is not installed.
func fleet(t *testing.T, cfg realserver.Config) (*realserver.Fleet, *x509.CertPool, bench.CertSet) {
	t.Helper()
	if err := realserver.Available(realserver.Nginx); err != nil {
		t.Skipf("%v; .ci/run installs it", err)
	}
	set, roots := testCerts(t)
	cfg.Kind = realserver.Nginx
	cfg.CertFile, cfg.KeyFile = set.CertFile, set.KeyFile
	f, err := realserver.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Stop() })
	return f, roots, set
}

// run checks addrs (the first is the service's address), refusing any
// address off this machine: the tests never send anything elsewhere.
func run(t *testing.T, roots *x509.CertPool, addrs ...string) *check.Report {
	t.Helper()
	for _, a := range addrs {
		if !bench.IsLoopback(a) {
			t.Fatalf("test target %s is not on loopback", a)
		}
	}
	cfg := check.Config{Address: addrs[0], ServerName: bench.ServerName, RootCAs: roots, Timeout: 5 * time.Second}
	if len(addrs) > 1 {
		cfg.Addresses = addrs
	}
	r, err := check.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func probe(ps []check.Probe, name string) check.Probe {
	for _, p := range ps {
		if p.Name == name {
			return p
		}
	}
	return check.Probe{Name: name + " (missing)"}
}

// TestRestricted: an nginx node limited to TLS 1.2 with two cipher suites.
// The check names the versions and suites it refuses, with their alerts,
// and finds resumption by session ID (tickets are off).
func TestRestricted(t *testing.T) {
	f, roots, _ := fleet(t, realserver.Config{
		Hosts:      []string{"127.0.0.2"},
		MinVersion: "1.2", MaxVersion: "1.2",
		Ciphers:    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384",
		TicketKeys: tlsfleet.Off,
	})
	r := run(t, roots, f.Addresses[0])
	if got, want := r.Versions.Accepted, []string{"1.2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("versions accepted %v, want %v", got, want)
	}
	if got, want := r.Versions.Refused, []string{"1.0", "1.1", "1.3"}; !reflect.DeepEqual(got, want) {
		t.Errorf("versions refused %v, want %v", got, want)
	}
	for _, v := range []string{"1.0", "1.1", "1.3"} {
		if p := probe(r.Versions.Results, v); p.Alert != "protocol version not supported" {
			t.Errorf("version %s: alert %q, error %q; want the protocol_version alert", v, p.Alert, p.Error)
		}
	}
	want := []string{"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"}
	got := slices.Clone(r.CipherSuites.TLS12Accepted)
	slices.Sort(got)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("TLS 1.2 suites accepted %v, want %v", got, want)
	}
	if p := probe(r.CipherSuites.TLS12Results, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"); p.Accepted || p.Alert != "handshake failure" {
		t.Errorf("ChaCha20 suite: %+v, want refused with the handshake_failure alert", p)
	}
	if c := r.Certificate; c == nil || c.Key != "ecdsa-p256" || c.ChainLength != 2 || !c.Verified {
		t.Errorf("certificate %+v, want a verified ecdsa-p256 chain of 2", c)
	}
	// The TLS 1.2 trap with an ECDSA P-256 certificate: x25519 is
	// accepted when offered beside p256, x25519 alone fails (a note).
	g12 := r.Groups.TLS12
	if !slices.Contains(g12.Accepted, "p256") || !slices.Contains(g12.Accepted, "x25519") || g12.OfferedWith != "p256" {
		t.Errorf("TLS 1.2 groups accepted %v (offered with %q), refused %v: want x25519 and p256 accepted, offered with p256", g12.Accepted, g12.OfferedWith, g12.Refused)
	}
	if !slices.ContainsFunc(r.Notes, func(n string) bool { return strings.Contains(n, "offers x25519 alone is refused") }) {
		t.Errorf("no note about x25519 alone: %q", r.Notes)
	}
	if r.Groups.TLS13.NotTested == "" || len(r.Groups.TLS13.Results) != 0 {
		t.Errorf("TLS 1.3 groups %+v: want not tested (TLS 1.3 is refused)", r.Groups.TLS13)
	}
	res := r.Resumption
	if !res.SessionID || res.TicketTLS12 || res.PSKTLS13 {
		t.Errorf("resumption %+v: want session ID only", res)
	}
	if r.Domains == nil || *r.Domains != 1 || r.DomainsBy != check.MechID {
		t.Errorf("domains %v by %q, want 1 by session_id", r.Domains, r.DomainsBy)
	}
}

// TestDomains: three nginx nodes behind one service. With one ticket key
// shared by all, a session from any node resumes at every other: one
// domain. With a key per node, none does: three. Each node's session cache
// is its own, so by session ID there are three either way.
func TestDomains(t *testing.T) {
	hosts := []string{"127.0.0.2", "127.0.0.3", "127.0.0.4"}
	for _, tt := range []struct {
		keys tlsfleet.Scope
		want int
	}{{tlsfleet.Shared, 1}, {tlsfleet.PerNode, 3}} {
		t.Run(string(tt.keys), func(t *testing.T) {
			f, roots, _ := fleet(t, realserver.Config{Hosts: hosts, TicketKeys: tt.keys})
			r := run(t, roots, f.Addresses...)
			if r.Domains == nil || *r.Domains != tt.want || r.DomainsBy != check.MechPSK13 {
				t.Fatalf("domains %v by %q (%v), want %d by psk_tls13", r.Domains, r.DomainsBy, r.DomainGroups, tt.want)
			}
			if got := len(r.DomainGroups[check.MechTicket12]); got != tt.want {
				t.Errorf("%d domains by TLS 1.2 ticket, want %d", got, tt.want)
			}
			if got := len(r.DomainGroups[check.MechID]); got != 3 {
				t.Errorf("%d domains by session ID, want 3 (a cache per node)", got)
			}
			for _, x := range r.Cross {
				if x.From == x.To && !x.Resumed {
					t.Errorf("%s: %s did not resume its own session", x.Mechanism, x.From)
				}
			}
			// Gentle: about 45 connections for the first address, and 2 per
			// ordered pair of addresses for each of the 3 mechanisms.
			if max := 50 + 2*9*3; r.Connections > max {
				t.Errorf("%d connections, want at most %d", r.Connections, max)
			}
		})
	}
}

// TestTLS13PSK: against a TLS 1.3 server the check reads the ticket that
// arrives after the handshake and reports PSK resumption, with the
// lifetime hint, where `openssl s_client -reconnect` reconnects before
// reading it and prints "New" every time.
func TestTLS13PSK(t *testing.T) {
	f, roots, set := fleet(t, realserver.Config{Hosts: []string{"127.0.0.2"}, MinVersion: "1.3", SessionTimeout: 600 * time.Second})
	r := run(t, roots, f.Addresses[0])
	if !r.Resumption.PSKTLS13 {
		t.Errorf("psk_tls13 false: %s", r.Resumption.Details[check.MechPSK13])
	}
	if got := r.Resumption.TicketLifetimeHintS["tls13"]; got < 595 || got > 600 {
		t.Errorf("TLS 1.3 ticket lifetime %d s, want 600 (ssl_session_timeout)", got)
	}
	if !slices.Equal(r.Versions.Accepted, []string{"1.3"}) {
		t.Errorf("versions accepted %v, want [1.3]", r.Versions.Accepted)
	}
	if _, err := exec.LookPath("openssl"); err != nil {
		return
	}
	out, _ := exec.Command("openssl", "s_client", "-connect", f.Addresses[0], "-reconnect", "-tls1_3",
		"-CAfile", set.CAFile, "-servername", bench.ServerName).CombinedOutput()
	if n, reused := strings.Count(string(out), "\nNew, TLSv1.3"), strings.Count(string(out), "\nReused, "); n == 0 || reused != 0 {
		t.Logf("openssl s_client -reconnect printed New %d times and Reused %d times (it was expected to miss the ticket)", n, reused)
	}
}
