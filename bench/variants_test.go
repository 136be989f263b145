package bench_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tlsbench/tlsbench/bench"
	"github.com/tlsbench/tlsbench/bench/realserver"
	"github.com/tlsbench/tlsbench/bench/testbed"
	"github.com/tlsbench/tlsbench/scenarios"
)

// mtlsPhases: 16 clients; the warm-up visits each.
const mtlsPhases = `
clients: {count: 16, concurrency: 2}
phases:
  - {name: warmup, count: 32, record: false}
  - {name: measure, count: 200}
timeouts: {connect: 5s, handshake: 5s, io: 5s}
`

// TestMutualTLS: every client presents the throwaway client certificate
// and the servers require and verify it, on the testbed, nginx and
// HAProxy, full and resumed. The server asks for it on every full
// handshake and on no resumed one, and client and server agree on the
// counts.
func TestMutualTLS(t *testing.T) {
	for _, tt := range []struct {
		name, server, version, resumption string
	}{
		{"embedded/1.3/full", "embedded", "1.3", "none"},
		{"embedded/1.3/resumed", "embedded", "1.3", "tickets"},
		{"embedded/1.2/resumed", "embedded", "1.2", "tickets"},
		{"nginx/1.3/resumed", "nginx", "1.3", "tickets"},
		{"nginx/1.2/full", "nginx", "1.2", "none"},
		{"haproxy/1.3/resumed", "haproxy", "1.3", "tickets"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.server != "embedded" {
				needServers(t, realserver.Kind(tt.server))
			}
			run, err := bench.Run(context.Background(), scenario(t, fmt.Sprintf(`server: %s
tls: {version: %q, key: ecdsa-p256, groups: [x25519, p256], client_cert: {key: ecdsa-p256}}
resumption: %s
%s`, tt.server, tt.version, tt.resumption, mtlsPhases)), options(t))
			if err != nil {
				t.Fatal(err)
			}
			if !run.Labels.MTLS || run.Labels.ClientKey != "ecdsa-p256" || !strings.Contains(run.Client.ClientCert, "client CA") {
				t.Errorf("labels mtls %v key %q, client %q", run.Labels.MTLS, run.Labels.ClientKey, run.Client.ClientCert)
			}
			for _, p := range run.Phases {
				h := p.Handshakes
				if h.Failed != 0 || len(p.Errors) != 0 {
					t.Fatalf("%s: %d failed: %+v", p.Name, h.Failed, p.ErrorDetails)
				}
				if h.ClientCert != h.Full {
					t.Errorf("%s: the server asked for the client certificate on %d handshakes, want every full one (%d)", p.Name, h.ClientCert, h.Full)
				}
				if s := p.Server; s == nil || s.Handshakes != h.Completed() || s.Resumed != h.Resumed {
					t.Errorf("%s: client completed %d (resumed %d), server %+v", p.Name, h.Completed(), h.Resumed, s)
				}
			}
			m := run.Phases[1].Handshakes
			if tt.resumption == "none" && m.Full != 200 || tt.resumption != "none" && float64(m.Resumed) < 0.99*float64(m.Completed()) {
				t.Errorf("measured: full %d, resumed %d of %d", m.Full, m.Resumed, m.Completed())
			}
			for _, w := range run.Warnings {
				if w.Code == "client_cert_not_requested" || w.Code == "counts_disagree" {
					t.Errorf("warning %s: %s", w.Code, w.Message)
				}
			}
			// The client's private key is nowhere in the result.
			set, err := bench.EnsureClientCert(certDir, scenarios.ECDSAP256)
			if err != nil {
				t.Fatal(err)
			}
			keyPEM, err := os.ReadFile(set.KeyFile)
			if err != nil {
				t.Fatal(err)
			}
			block, _ := pem.Decode(keyPEM)
			b, err := json.Marshal(run)
			if err != nil {
				t.Fatal(err)
			}
			if block == nil || strings.Contains(string(b), base64.StdEncoding.EncodeToString(block.Bytes)[:40]) || strings.Contains(string(b), "PRIVATE KEY") {
				t.Error("the result holds the client's private key")
			}
			if st, err := os.Stat(set.KeyFile); err != nil || st.Mode().Perm() != 0o600 {
				t.Errorf("client key file mode %v (%v), want 0600", st.Mode().Perm(), err)
			}
		})
	}
}

// TestClientCertRejected: a client certificate from a CA the servers do
// not trust fails every handshake as client_cert_rejected, under TLS 1.3
// too, where the client's handshake completes before the server's verdict
// arrives; the server counts the same failures.
func TestClientCertRejected(t *testing.T) {
	// The servers verify against the server chain's CA, which did not
	// issue the client certificate.
	client, err := bench.EnsureClientCert(certDir, scenarios.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	wrong, err := bench.EnsureCerts(certDir, scenarios.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ server, version string }{
		{"embedded", "1.3"}, {"embedded", "1.2"}, {"nginx", "1.3"}, {"nginx", "1.2"}, {"haproxy", "1.3"},
	} {
		t.Run(tt.server+"/"+tt.version, func(t *testing.T) {
			if tt.server != "embedded" {
				needServers(t, realserver.Kind(tt.server))
			}
			run, err := bench.Run(context.Background(), scenario(t, fmt.Sprintf(`server: %s
tls: {version: %q, key: ecdsa-p256, groups: [x25519, p256], client_cert: {cert_file: %s, key_file: %s, ca_file: %s}}
clients: {count: 4, concurrency: 2}
phases: [{name: measure, count: 20}]
timeouts: {connect: 5s, handshake: 5s, io: 5s}
`, tt.server, tt.version, client.CertFile, client.KeyFile, wrong.CAFile)), options(t))
			if err != nil {
				t.Fatal(err)
			}
			p := run.Phases[0]
			if p.Handshakes.Failed != 20 || p.Errors["client_cert_rejected"] != 20 {
				t.Fatalf("failed %d, errors %v (%+v); want 20 client_cert_rejected", p.Handshakes.Failed, p.Errors, p.ErrorDetails)
			}
			if d := p.ErrorDetails[0]; d.Stage != "handshake" || !strings.Contains(d.Hint, "tls.client_cert") {
				t.Errorf("error detail %+v: want the handshake stage and a hint naming tls.client_cert", d)
			}
			if s := p.Server; s == nil || s.Handshakes != 0 {
				t.Errorf("server %+v: want no completed handshake", s)
			}
		})
	}
}

// TestECH: on the embedded testbed every client offers Encrypted Client
// Hello and every handshake accepts it, full and resumed; the result names
// the public name and holds no config list.
func TestECH(t *testing.T) {
	for _, resumption := range []string{"none", "tickets"} {
		t.Run(resumption, func(t *testing.T) {
			run, err := bench.Run(context.Background(), scenario(t, fmt.Sprintf(`tls: {version: "1.3", key: ecdsa-p256, groups: [x25519], ech: true}
resumption: %s
%s`, resumption, mtlsPhases)), options(t))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range run.Phases {
				h := p.Handshakes
				if h.Failed != 0 || h.ECHOffered != h.Completed() || h.ECHAccepted != h.Completed() {
					t.Errorf("%s: %+v, errors %+v: want ECH offered and accepted on every handshake", p.Name, h, p.ErrorDetails)
				}
				if s := p.Server; s == nil || s.Handshakes != h.Completed() {
					t.Errorf("%s: client completed %d, server %+v", p.Name, h.Completed(), s)
				}
			}
			if resumption == "tickets" && run.Phases[1].Handshakes.Resumed < 199 {
				t.Errorf("resumed %d of 200 with ECH", run.Phases[1].Handshakes.Resumed)
			}
			if !run.Labels.ECH || run.Target.ECHPublicName != bench.ECHPublicName || !strings.Contains(run.Client.ECH, bench.ECHPublicName) {
				t.Errorf("labels ech %v, public name %q, client %q", run.Labels.ECH, run.Target.ECHPublicName, run.Client.ECH)
			}
			b, err := json.Marshal(run)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), "ech_config_list") {
				t.Error("the result holds the ECH config list")
			}
			for _, w := range run.Warnings {
				if w.Code == "ech_not_accepted" {
					t.Errorf("warning %s: %s", w.Code, w.Message)
				}
			}
		})
	}
}

// TestECHTarget: against a remote target (a testbed this test starts), ECH
// takes the target's config list from a file, base64 or binary; another
// server's list is rejected (ech_rejected), and a missing one is bad input.
func TestECHTarget(t *testing.T) {
	set, err := bench.EnsureCerts(certDir, scenarios.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	// The public name is one the certificate holds, so that a rejection is
	// an ECH rejection and not a certificate name mismatch.
	start := func() *testbed.Process {
		p, err := testbed.Start(context.Background(), []string{os.Args[0], "testbed"}, testbed.Config{
			Addresses: []string{"127.0.0.7:0"}, CertFile: set.CertFile, KeyFile: set.KeyFile, ECHPublicName: bench.ServerName})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Stop() })
		return p
	}
	server, other := start(), start()
	dir := t.TempDir()
	files := map[string][]byte{
		"base64": []byte(base64.StdEncoding.EncodeToString(server.ECHConfigList) + "\n"),
		"binary": server.ECHConfigList,
		"other":  other.ECHConfigList,
	}
	for _, name := range []string{"base64", "binary", "other"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, files[name], 0o644); err != nil {
				t.Fatal(err)
			}
			run, err := bench.Run(context.Background(), scenario(t, fmt.Sprintf(`tls: {version: "1.3", ech: true}
target: {address: %q, server_name: %s, ca_file: %s, ech_config_file: %s}
clients: {count: 4, concurrency: 2}
phases: [{name: measure, count: 20}]
timeouts: {connect: 5s, handshake: 5s, io: 5s}
`, server.Addresses[0], bench.ServerName, set.CAFile, path)), options(t))
			if err != nil {
				t.Fatal(err)
			}
			h, errs := run.Phases[0].Handshakes, run.Phases[0].Errors
			if name == "other" {
				if errs["ech_rejected"] != 20 {
					t.Errorf("errors %v, want 20 ech_rejected", errs)
				}
				return
			}
			if h.ECHAccepted != 20 || run.Target.ECHPublicName != bench.ServerName {
				t.Errorf("%+v (errors %v), public name %q: want ECH accepted 20 times, public name %s", h, errs, run.Target.ECHPublicName, bench.ServerName)
			}
		})
	}
	t.Run("missing", func(t *testing.T) {
		sc := scenario(t, `tls: {version: "1.3", ech: true}
phases: [{name: measure, count: 20}]
`)
		_, _, err := bench.Overrides{Target: server.Addresses[0]}.Apply(sc)
		if err == nil || !strings.Contains(err.Error(), "tls.ech: a remote target's ECH config list is needed") {
			t.Errorf("--target without --ech-config: %v", err)
		}
	})
}
