package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tlsbench/tlsbench/bench/netlab"
	"github.com/tlsbench/tlsbench/bench/testbed"
	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/scenarios"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestMain lets the test binary serve as the testbed child, as the real
// binary does with its hidden testbed command.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "tlsbench-main" {
		// Run as the tlsbench command itself (for signal tests).
		os.Args = append(os.Args[:1], os.Args[2:]...)
		main()
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "link" {
		if err := netlab.ServeLink(context.Background(), os.Stdin, os.Stdout); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	if len(os.Args) > 1 && os.Args[1] == "testbed" {
		if err := testbed.Serve(context.Background(), os.Stdin, os.Stdout); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runCLI runs the command line as main does and returns the exit code and
// what was printed.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut)
	code = exitCode(err, &errOut)
	return code, out.String(), errOut.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s:\n got:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
	}{
		{"bad-scenario", []string{"run", "testdata/bad-scenario.yaml"}},
		{"missing-file", []string{"run", "testdata/does-not-exist.yaml"}},
		{"negative-duration-flag", []string{"run", "--duration", "-1s", "testdata/good-short.yaml"}},
		{"unknown-flag", []string{"run", "--nope", "testdata/good-short.yaml"}},
		{"no-scenario", []string{"run"}},
		{"unknown-command", []string{"runn"}},
		{"server-name-without-target", []string{"run", "--server-name", "x", "testdata/good-short.yaml"}},
		{"network-with-target", []string{"run", "--target", "192.0.2.1:443", "testdata/net-short.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := t.TempDir()
			code, stdout, stderr := runCLI(t, append(tt.args, "-o", out)...)
			if code != exitBadInput {
				t.Errorf("exit code = %d, want %d (bad input)", code, exitBadInput)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			golden(t, tt.name, stderr)
			if entries, _ := os.ReadDir(out); len(entries) != 0 {
				t.Errorf("bad input wrote %d files to the output directory, want none", len(entries))
			}
		})
	}
}

func TestRunWritesResult(t *testing.T) {
	out := t.TempDir()
	certs := filepath.Join(t.TempDir(), "certs")
	code, stdout, stderr := runCLI(t, "run", "-o", out, "--cert-dir", certs,
		"testdata/good-short.yaml", "testdata/good-short.yaml")
	if code != exitOK {
		t.Fatalf("exit code %d, stderr:\n%s", code, stderr)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.json"))
	if len(files) != 2 {
		t.Fatalf("%d result files, want 2", len(files))
	}
	for _, f := range files {
		run, err := results.Read(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(stdout, "result: "+f) {
			t.Errorf("stdout does not name the result file %s", f)
		}
		if run.Phases[1].Handshakes.Resumed == 0 {
			t.Errorf("%s: no resumed handshakes", f)
		}
	}
	// No output of the run holds the private key, in any encoding.
	key, err := os.ReadFile(filepath.Join(certs, "ecdsa-p256", "leaf.key"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(key)
	secrets := []string{base64.StdEncoding.EncodeToString(block.Bytes), hex.EncodeToString(block.Bytes)}
	for line := range strings.Lines(string(key)) {
		if line = strings.TrimSpace(line); !strings.HasPrefix(line, "-----") && len(line) > 16 {
			secrets = append(secrets, line)
		}
	}
	outputs := map[string]string{"stdout": stdout, "stderr": stderr}
	for _, f := range files {
		data, _ := os.ReadFile(f)
		outputs[f] = string(data)
	}
	for name, text := range outputs {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s contains private key material (%.16s...)", name, s)
			}
		}
	}
	for _, want := range []string{"== all runs, measured phases", "resumed % (pred)", "CPU µs cli/srv", "negotiated (measure): TLS 1.3"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
}

// TestAnnounceTargets: a scenario aimed at another machine is named before
// anything runs; loopback targets and the testbed are not. (No load is
// sent: only the announcement is tested.)
func TestAnnounceTargets(t *testing.T) {
	t.Parallel()
	scs := []*scenarios.Scenario{
		{Name: "remote", Target: scenarios.Target{Address: "192.0.2.10:443", ServerName: "www.example.com"}},
		{Name: "loopback", Target: scenarios.Target{Address: "127.0.0.1:8443"}},
		{Name: "v6-loopback", Target: scenarios.Target{Address: "[::1]:8443"}},
		{Name: "embedded"},
	}
	var buf bytes.Buffer
	for _, sc := range scs {
		announce(&buf, sc.Name+" sends load to", sc.Target.List(), sc.Target.ServerName)
	}
	want := "tlsbench: remote sends load to 192.0.2.10:443 (server name \"www.example.com\"), not to this machine\n"
	if buf.String() != want {
		t.Errorf("announcement = %q, want %q", buf.String(), want)
	}
}
