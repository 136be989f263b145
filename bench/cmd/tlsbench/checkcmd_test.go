package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tlsbench/tlsbench/bench"
	"github.com/tlsbench/tlsbench/bench/realserver"
	"github.com/tlsbench/tlsbench/scenarios"
)

// TestCheckBadInput: a bad target or flag is bad input (exit 2) and
// nothing is connected to.
func TestCheckBadInput(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"check-no-port", []string{"check", "localhost"}},
		{"check-bad-addresses", []string{"check", "127.0.0.2:8443", "--addresses", "a:b:c", "--timeout", "-1s"}},
		{"check-no-target", []string{"check"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != exitBadInput || stdout != "" {
				t.Errorf("exit %d, stdout %q; want %d and nothing", code, stdout, exitBadInput)
			}
			golden(t, tt.name, stderr)
		})
	}
}

// TestCheckJSON runs `tlsbench check --json` against an nginx node on
// loopback: the keys that scripts rely on are there; then without --json:
// the table says the same.
func TestCheckJSON(t *testing.T) {
	if err := realserver.Available(realserver.Nginx); err != nil {
		t.Skipf("%v; .ci/run installs it", err)
	}
	set, err := bench.EnsureCerts(filepath.Join(os.TempDir(), "tlsbench-check-test-certs"), scenarios.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	f, err := realserver.Start(context.Background(), realserver.Config{Kind: realserver.Nginx, Hosts: []string{"127.0.0.2"},
		CertFile: set.CertFile, KeyFile: set.KeyFile})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Stop()
	code, stdout, stderr := runCLI(t, "check", f.Addresses[0], "--json", "--ca", set.CAFile, "--server-name", bench.ServerName)
	if code != exitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var r struct {
		Versions struct {
			Accepted, Refused []string
		}
		Resumption map[string]any
		Domains    *int
		Groups     struct {
			TLS12 struct {
				Accepted, Refused []string
				Results           []any
			} `json:"tls12"`
			TLS13 struct {
				Accepted, Refused []string
				Results           []any
				HelloRetry        *bool `json:"hello_retry"`
			} `json:"tls13"`
		}
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("%v in %s", err, stdout)
	}
	if strings.Join(r.Versions.Accepted, ",") != "1.2,1.3" || strings.Join(r.Versions.Refused, ",") != "1.0,1.1" {
		t.Errorf("versions %+v", r.Versions)
	}
	for _, k := range []string{"session_id", "ticket_tls12", "psk_tls13"} {
		if v, ok := r.Resumption[k].(bool); !ok || !v {
			t.Errorf("resumption.%s = %v, want true", k, r.Resumption[k])
		}
	}
	if r.Domains == nil || *r.Domains != 1 {
		t.Errorf("domains = %v, want 1", r.Domains)
	}
	// OpenSSL 3.0 with an ECDSA P-256 certificate and its default groups:
	// x25519 is accepted under TLS 1.2 when offered beside p256.
	g12, g13 := r.Groups.TLS12, r.Groups.TLS13
	if !slices.Contains(g12.Accepted, "x25519") || !slices.Contains(g12.Accepted, "p256") || len(g12.Results) == 0 {
		t.Errorf(".groups.tls12 %+v: want x25519 and p256 accepted", g12)
	}
	if len(g13.Accepted)+len(g13.Refused) != len(g13.Results) || g13.HelloRetry == nil || *g13.HelloRetry {
		t.Errorf(".groups.tls13 %+v: want every group reported and hello_retry false", g13)
	}

	// The same check as a table.
	code, stdout, stderr = runCLI(t, "check", f.Addresses[0], "--ca", set.CAFile, "--server-name", bench.ServerName)
	if code != exitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"versions   ", "accepted 1.2, 1.3; refused 1.0", "certificate", "session ID: yes", "PSK (TLS 1.3): yes",
		"groups (TLS 1.2)  accepted x25519, p256", "post-quantum      X25519MLKEM768 refused ("} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the table lacks %q:\n%s", want, stdout)
		}
	}
}
