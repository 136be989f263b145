package scenarios_test

import (
	"strings"
	"testing"

	"github.com/tlsbench/tlsbench/scenarios"
)

// TestReuseKeyShare checks tls.reuse_key_share as a file writes it.
func TestReuseKeyShare(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml string
		want       string // the problem; empty: valid
	}{
		{"lab mode", "tls: {reuse_key_share: 64, groups: [x25519, p256]}\nresumption: tickets\n", ""},
		{"p256 first", "tls: {reuse_key_share: 1, groups: [p256]}\n", ""},
		{"negative", "tls: {reuse_key_share: -1}\n", "x.yaml:1:24: tls.reuse_key_share: must be 1..1048576, got -1"},
		{"TLS 1.2", "tls: {version: \"1.2\", reuse_key_share: 64}\n",
			"x.yaml:1:40: tls.reuse_key_share: a key share is TLS 1.3's (a TLS 1.2 client's ECDHE key is made inside the key exchange): use tls.version 1.3, or leave reuse_key_share out"},
		{"a hybrid first", "tls: {reuse_key_share: 64, groups: [x25519mlkem768]}\n",
			"x.yaml:1:24: tls.reuse_key_share: the reused key share is for the first of tls.groups, which must be x25519 or p256, got x25519mlkem768"},
		{"with ECH", "tls: {reuse_key_share: 64, ech: true}\n",
			"x.yaml:1:24: tls.reuse_key_share: the lab mode goes with neither tls.client_cert nor tls.ech"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc, err := scenarios.Parse("x.yaml", []byte(tt.yaml))
			got := ""
			if err != nil {
				for _, line := range strings.Split(strings.TrimSpace(err.Error()), "\n") {
					if strings.Contains(line, "reuse_key_share") {
						got = line
					}
				}
				if got == "" {
					t.Fatalf("Parse: %v", err)
				}
			}
			if got != tt.want {
				t.Errorf("Parse: %q\nwant: %q", got, tt.want)
			}
			if err == nil && sc.TLS.ReuseKeyShare == 0 {
				t.Error("reuse_key_share was not read")
			}
		})
	}
}
