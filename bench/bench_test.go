package bench_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tlsbench/tlsbench/bench"
	"github.com/tlsbench/tlsbench/bench/netlab"
	"github.com/tlsbench/tlsbench/bench/testbed"
	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/scenarios"
)

// TestMain lets the test binary serve as the testbed child and as a
// network lab's link: bench starts it as "<test binary> testbed" and
// "<test binary> link", as the real binary is started.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "link" {
		if err := netlab.ServeLink(context.Background(), os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if len(os.Args) > 1 && os.Args[1] == "testbed" {
		if err := testbed.Serve(context.Background(), os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func options(t *testing.T) bench.Options {
	return bench.Options{TestbedCommand: []string{os.Args[0], "testbed"}, LinkCommand: []string{os.Args[0], "link"}, CertDir: certDir}
}

// certDir is shared by the tests of this package so that certificates are
// made once per key type.
var certDir = filepath.Join(os.TempDir(), "tlsbench-bench-test-certs")

func scenario(t *testing.T, yaml string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.Parse(t.Name()+".yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// phases is a small, bounded phase list: a warm-up that reaches every
// client, then a measured phase.
const phases = `
clients: {count: 32, concurrency: 4}
phases:
  - {name: warmup, count: 200, record: false}
  - {name: measure, count: 600}
timeouts: {connect: 5s, handshake: 5s, io: 5s}
`

// TestResumptionEndToEnd is the loopback integration test per TLS version:
// the client and the server agree on the counts, resumed phases resume at
// least 99 % and full phases never.
func TestResumptionEndToEnd(t *testing.T) {
	for _, version := range []string{"1.2", "1.3"} {
		for _, mode := range []string{"none", "tickets", "cache"} {
			t.Run(version+"/"+mode, func(t *testing.T) {
				sc := scenario(t, fmt.Sprintf("tls: {version: %q, key: ecdsa-p256, groups: [x25519, p256]}\nresumption: %s\n%s", version, mode, phases))
				run, err := bench.Run(context.Background(), sc, options(t))
				if err != nil {
					t.Fatal(err)
				}
				if len(run.Phases) != 2 || run.Phases[0].Measured || !run.Phases[1].Measured {
					t.Fatalf("phases = %d (measured %v), want a warm-up and a measured phase", len(run.Phases), measured(run))
				}
				var total int64
				for _, p := range run.Phases {
					h := p.Handshakes
					total += h.Total
					if h.Failed != 0 || len(p.Errors) != 0 {
						t.Errorf("%s: %d failed, errors %v", p.Name, h.Failed, p.Errors)
					}
					if h.Full+h.Resumed+h.Failed != h.Total {
						t.Errorf("%s: full %d + resumed %d + failed %d != total %d", p.Name, h.Full, h.Resumed, h.Failed, h.Total)
					}
					if p.Server == nil {
						t.Fatalf("%s: no server-side counts", p.Name)
					}
					if p.Server.Handshakes != h.Completed() || p.Server.Resumed != h.Resumed {
						t.Errorf("%s: client completed %d (resumed %d), server %d (resumed %d)", p.Name, h.Completed(), h.Resumed, p.Server.Handshakes, p.Server.Resumed)
					}
				}
				if total != 800 {
					t.Errorf("connections over all phases = %d, want 800 (200 warm-up + 600 measured)", total)
				}
				m := run.Phases[1].Handshakes
				switch mode {
				case "none":
					if m.Resumed != 0 || m.Offered != 0 {
						t.Errorf("resumption none: resumed %d, offered %d, want 0 and 0", m.Resumed, m.Offered)
					}
				default:
					if float64(m.Resumed) < 0.99*float64(m.Completed()) {
						t.Errorf("resumed %d of %d, want at least 99%%", m.Resumed, m.Completed())
					}
				}
				if got := run.Phases[1].Negotiated; len(got) != 1 || got[0].Version != "TLS "+version {
					t.Errorf("negotiated = %+v, want only TLS %s", got, version)
				}
			})
		}
	}
}

func measured(run *results.Run) []bool {
	var m []bool
	for _, p := range run.Phases {
		m = append(m, p.Measured)
	}
	return m
}

// designKeys are the result-file keys that scripts may rely on
// (shared/design.md), as paths into the JSON; "[]" steps into every phase.
var designKeys = []string{
	"schema_version", "partial", "scenario.name", "started_at", "ended_at", "warnings",
	"phases[].name", "phases[].measured",
	"phases[].handshakes.total", "phases[].handshakes.full", "phases[].handshakes.resumed",
	"phases[].handshakes.offered", "phases[].handshakes.failed",
	"phases[].rate_per_s",
	"phases[].kinds.full.latency_us.handshake.p50", "phases[].kinds.full.latency_us.handshake.p99",
	"phases[].kinds.resumed.latency_us.handshake.p50", "phases[].kinds.resumed.latency_us.handshake.p99",
	"phases[].cpu_us_per_handshake.client", "phases[].cpu_us_per_handshake.server",
	"phases[].cpu_us_per_handshake.client_user", "phases[].cpu_us_per_handshake.client_system",
	"phases[].cpu_us_per_handshake.server_user", "phases[].cpu_us_per_handshake.server_system",
	"phases[].cpu.client_user_s", "phases[].cpu.client_system_s", "phases[].cpu.server_user_s", "phases[].cpu.server_system_s",
	"phases[].bytes_per_handshake.client_to_server", "phases[].bytes_per_handshake.server_to_client",
	"phases[].errors",
	"phases[].server.handshakes", "phases[].server.resumed",
}

func init() {
	for _, kind := range []string{"connect", "handshake"} {
		for _, k := range []string{"p50", "p90", "p99", "p999", "max", "hdr"} {
			designKeys = append(designKeys, "phases[].latency_us."+kind+"."+k)
		}
	}
}

func lookup(v any, path []string) error {
	if len(path) == 0 {
		return nil
	}
	key := path[0]
	each := strings.HasSuffix(key, "[]")
	key = strings.TrimSuffix(key, "[]")
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("%s: parent is not an object", key)
	}
	x, ok := m[key]
	if !ok {
		return fmt.Errorf("%s: missing", key)
	}
	if !each {
		return lookup(x, path[1:])
	}
	list, ok := x.([]any)
	if !ok || len(list) == 0 {
		return fmt.Errorf("%s: not a non-empty list", key)
	}
	for i, e := range list {
		if err := lookup(e, path[1:]); err != nil {
			return fmt.Errorf("%s[%d].%w", key, i, err)
		}
	}
	return nil
}

// TestResultFile runs a scenario, writes its result file and checks it as a
// script would: every design key is there, it reads back, and it holds no
// key material.
func TestResultFile(t *testing.T) {
	for _, key := range []string{"rsa-2048", "ecdsa-p256", "ed25519"} {
		t.Run(key, func(t *testing.T) {
			sc := scenario(t, "tls: {version: \"1.3\", key: "+key+"}\nresumption: tickets\n"+phases)
			run, err := bench.Run(context.Background(), sc, options(t))
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), results.FileName(run))
			if err := results.Write(path, run); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var doc any
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			for _, k := range designKeys {
				if err := lookup(doc, strings.Split(k, ".")); err != nil {
					t.Errorf("key %s: %v", k, err)
				}
			}
			if _, err := results.Read(path); err != nil {
				t.Errorf("Read: %v", err)
			}
			for _, secret := range keyMaterial(t, filepath.Join(certDir, key, "leaf.key")) {
				if bytes.Contains(data, []byte(secret)) {
					t.Errorf("the result file contains key material (%.20s...)", secret)
				}
			}
		})
	}
}

// keyMaterial returns forms in which a private key could leak: its PEM
// body lines, and its DER in base64 and hex.
func keyMaterial(t *testing.T, file string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(file)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", file, st.Mode().Perm())
	}
	b, _ := pem.Decode(data)
	if b == nil {
		t.Fatalf("%s: no PEM", file)
	}
	if _, err := x509.ParsePKCS8PrivateKey(b.Bytes); err != nil {
		t.Fatal(err)
	}
	var out []string
	for line := range strings.Lines(string(data)) {
		if line = strings.TrimSpace(line); len(line) > 16 && !strings.HasPrefix(line, "-----") {
			out = append(out, line)
		}
	}
	// The last 32 bytes of PKCS#8 hold the key's secret part for every
	// type used here.
	tail := b.Bytes[len(b.Bytes)-32:]
	return append(out, base64.StdEncoding.EncodeToString(b.Bytes), hex.EncodeToString(tail), base64.StdEncoding.EncodeToString(tail)[:40])
}

func TestRunInterrupted(t *testing.T) {
	sc := scenario(t, "clients: {count: 8, concurrency: 2}\nphases: [{name: warmup, count: 20, record: false}, {name: measure, duration: 1h}]")
	ctx, cancel := context.WithCancel(context.Background())
	opts := options(t)
	opts.Progress = func(p bench.Progress) {
		if p.Index == 1 && p.Completed > 50 {
			cancel()
		}
	}
	run, err := bench.Run(ctx, sc, opts)
	if err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("err = %v, want interrupted", err)
	}
	if run == nil || !run.Partial || len(run.Phases) != 2 {
		t.Fatalf("run = %+v, want a partial run with both phases", run)
	}
	if m := run.Phases[1]; m.Handshakes.Completed() < 50 || m.WindowS > 60 {
		t.Errorf("interrupted phase: %d handshakes in %.1fs, want what was measured up to the stop", m.Handshakes.Completed(), m.WindowS)
	}
}

// TestUserCertificate: the testbed serves a user's own chain and key; the
// key type and server name come from the certificate, and a key that others
// can read is warned about.
func TestUserCertificate(t *testing.T) {
	dir := t.TempDir()
	set, err := bench.EnsureCerts(dir, scenarios.RSA2048)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(set.KeyFile, 0o644); err != nil {
		t.Fatal(err)
	}
	sc := scenario(t, fmt.Sprintf("tls: {version: \"1.3\", cert_file: %s, key_file: %s, ca_file: %s}\nresumption: tickets\n%s",
		set.CertFile, set.KeyFile, set.CAFile, phases))
	run, err := bench.Run(context.Background(), sc, options(t))
	if err != nil {
		t.Fatal(err)
	}
	if m := run.Phases[1]; m.Handshakes.Failed != 0 || m.Handshakes.Resumed < m.Handshakes.Completed()*99/100 {
		t.Errorf("handshakes %+v, errors %v", m.Handshakes, m.Errors)
	}
	var cfg struct {
		TLS struct{ Key string } `json:"tls"`
	}
	json.Unmarshal(run.Scenario.Config, &cfg)
	if cfg.TLS.Key != "rsa-2048" || run.Target.ServerName != bench.ServerName || run.Labels.Key != "rsa-2048" {
		t.Errorf("key %q (label %q), server name %q; want rsa-2048 and %s from the certificate", cfg.TLS.Key, run.Labels.Key, run.Target.ServerName, bench.ServerName)
	}
	if sc.TLS.Key != "" {
		t.Errorf("Run set its caller's tls.key to %q; want the scenario left as it was", sc.TLS.Key)
	}
	var warned bool
	for _, w := range run.Warnings {
		warned = warned || (w.Code == "private_key_readable" && strings.Contains(w.Message, "chmod 600 "+set.KeyFile))
	}
	if !warned {
		t.Errorf("no private_key_readable warning: %+v", run.Warnings)
	}
}

// TestSweepFindsTheKnee: a sweep against the embedded testbed steps the
// offered rate up monotonically and stops where the testbed saturates.
func TestSweepFindsTheKnee(t *testing.T) {
	sc := scenario(t, `tls: {version: "1.3", key: ecdsa-p256, groups: [x25519]}
clients: {count: 128, concurrency: 32}
phases: [{name: warmup, count: 64, record: false, rate: 100}]
sweep: {from: 100, to: 30000, step: 3000, step_duration: 1s}
`)
	// The first step is far below what a loaded 2-core machine makes (a few
	// hundred full handshakes a second even with other builds running), so
	// that the sweep always gets past it; 30000/s is far above any machine.
	run, err := bench.Run(context.Background(), sc, options(t))
	if err != nil {
		t.Fatal(err)
	}
	sw := run.Sweep
	if sw == nil || len(sw.Steps) < 2 {
		t.Fatalf("sweep = %+v, want at least two steps", sw)
	}
	for i := 1; i < len(sw.Steps); i++ {
		if sw.Steps[i].OfferedRatePerS <= sw.Steps[i-1].OfferedRatePerS {
			t.Errorf("offered rate not increasing at step %d: %+v", i, sw.Steps)
		}
	}
	if !strings.HasPrefix(sw.Stopped, "saturated") || sw.Knee != len(sw.Steps)-2 {
		t.Errorf("stopped %q, knee %d of %d steps; want it to saturate below 30000/s", sw.Stopped, sw.Knee, len(sw.Steps))
	}
	last := sw.Steps[len(sw.Steps)-1]
	if last.AchievedRatePerS >= 0.9*last.OfferedRatePerS {
		t.Errorf("last step %+v is not saturated", last)
	}
	if m := run.Phases[1]; m.Pacing == nil || m.Pacing.OfferedRatePerS != 100 || m.LatencyUS.Total.Count == 0 {
		t.Errorf("first step: pacing %+v, total latency %+v", m.Pacing, m.LatencyUS.Total)
	}
}

// TestJobRun: a job's warnings and its place in a repeated set are in its
// result.
func TestJobRun(t *testing.T) {
	sc := scenario(t, "clients: {count: 4, concurrency: 2}\nphases: [{name: measure, count: 20}]\n")
	w := results.Warning{Code: results.WarnScenarioOverridden, Message: "the target was overridden"}
	run, err := bench.Job{Scenario: sc, Warnings: []results.Warning{w}, Index: 1, Repeat: 2, Repeats: 3}.Run(context.Background(), options(t))
	if err != nil {
		t.Fatal(err)
	}
	if run.Repeat != 2 || run.Repeats != 3 || run.Label != sc.Name {
		t.Errorf("repeat %d/%d, label %q; want 2/3 and %q", run.Repeat, run.Repeats, run.Label, sc.Name)
	}
	if len(run.Warnings) == 0 || run.Warnings[0] != w {
		t.Errorf("warnings %+v, want the job's first", run.Warnings)
	}
}
