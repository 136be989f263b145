package scenarios_test

import (
	"strings"
	"testing"

	"github.com/tlsbench/tlsbench/scenarios"
)

// TestTLSServerExtras checks tls.server_groups and tls.chain as a file
// writes them: positions, and what they cannot go with.
func TestTLSServerExtras(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml string
		want       []string // one line per problem; nil: valid
	}{
		{"server groups", "tls: {server_groups: [p256, x25519]}\n", nil},
		{"intermediates", "tls: {key: rsa-4096, chain: {intermediates: 3}}\n", nil},
		{"unknown server group", "tls: {server_groups: [p256, x448]}\n",
			[]string{`x.yaml:1:29: tls.server_groups[1]: unknown group "x448" (want x25519, x25519mlkem768, secp256r1mlkem768, secp384r1mlkem1024, p256, p384 or p521)`}},
		{"duplicate server group", "tls: {server_groups: [p256, p256]}\n",
			[]string{`x.yaml:1:29: tls.server_groups[1]: duplicate group "p256" (also tls.server_groups[0])`}},
		{"nothing in common", "tls: {groups: [x25519], server_groups: [p256]}\n",
			[]string{"x.yaml:1:40: tls.server_groups: no group in common with tls.groups [x25519] that TLS 1.3 can negotiate: every handshake would fail"}},
		{"tls12 hybrids only", "tls: {version: \"1.2\", server_groups: [x25519mlkem768]}\n",
			[]string{"x.yaml:1:38: tls.server_groups: TLS 1.2 cannot negotiate the hybrid post-quantum groups: name a classical one too"}},
		{"server groups on nginx", "server: nginx\ntls: {server_groups: [p256]}\n",
			[]string{"x.yaml:2:22: tls.server_groups: server_groups sets the embedded testbed's group preference, not nginx's: leave it out, or use server embedded"}},
		{"server groups with a target", "target: {address: 192.0.2.1:443}\ntls: {server_groups: [p256]}\n",
			[]string{"x.yaml:2:22: tls.server_groups: server_groups sets the embedded testbed's group preference; the target is remote and has its own"}},
		{"too many intermediates", "tls: {chain: {intermediates: 9}}\n",
			[]string{"x.yaml:1:30: tls.chain.intermediates: must be 0..8, got 9"}},
		{"chain with a cert file", "tls: {cert_file: a.pem, key_file: a.key, chain: {intermediates: 1}}\n",
			[]string{"x.yaml:1:49: tls.chain: chain shapes the throwaway chain tlsbench makes; with cert_file your own chain is served as it is"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := scenarios.Parse("x.yaml", []byte(tt.yaml))
			var got []string
			if err != nil {
				for _, line := range strings.Split(strings.TrimSpace(err.Error()), "\n") {
					if !strings.HasSuffix(line, "problems:") {
						got = append(got, line)
					}
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Parse:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
