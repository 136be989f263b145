package bench

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tlsbench/tlsbench/bench/realserver"
	"github.com/tlsbench/tlsbench/loadgen"
	"github.com/tlsbench/tlsbench/scenarios"
)

// TestPlacementSeams starts the testbed and an nginx fleet where a
// Placement puts them, as a network lab would: the nodes listen on its
// hosts and port, their processes start through its Command, and every
// connection tlsbench makes (the generator's and the real servers'
// readiness waits) goes through its Dial. The servers' own counts then
// match what the generator did.
func TestPlacementSeams(t *testing.T) {
	tests := []struct {
		server string
		base   int // the nodes' last address byte
		port   int
	}{
		{"embedded", 41, 24441},
		{"nginx", 44, 24444},
	}
	for _, tt := range tests {
		t.Run(tt.server, func(t *testing.T) {
			if tt.server == "nginx" {
				if err := realserver.Available(realserver.Nginx); err != nil {
					t.Skipf("%v; .ci/run installs it", err)
				}
			}
			sc, err := scenarios.Parse(t.Name()+".yaml", []byte(fmt.Sprintf(`server: %s
tls: {version: "1.3", key: ecdsa-p256}
resumption: tickets
topology: {nodes: 2}
clients: {count: 4, concurrency: 2}
phases: [{name: measure, count: 40}]
`, tt.server)))
			if err != nil {
				t.Fatal(err)
			}
			var dials, commands atomic.Int64
			place := Placement{
				NodeHost: func(i int) string { return fmt.Sprintf("127.0.0.%d", tt.base+i) },
				Port:     tt.port,
				Command: func(argv []string) []string {
					commands.Add(1)
					return append([]string{"env", "TLSBENCH_PLACED=1"}, argv...)
				},
				Dial: func(ctx context.Context, d *net.Dialer, address string) (net.Conn, error) {
					dials.Add(1)
					return d.DialContext(ctx, "tcp", address)
				},
			}
			opts := Options{TestbedCommand: []string{os.Args[0], "testbed"}, CertDir: os.TempDir() + "/tlsbench-bench-test-certs"}
			s, err := resolveScenario(sc, opts)
			if err != nil {
				t.Fatal(err)
			}
			f, err := startFleet(context.Background(), s, place, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Stop()
			want := fmt.Sprintf("127.0.0.%d:%d 127.0.0.%d:%d", tt.base, tt.port, tt.base+1, tt.port)
			if got := strings.Join(f.Target().Addresses, " "); got != want {
				t.Errorf("addresses %s, want %s", got, want)
			}
			if n := commands.Load(); n == 0 {
				t.Error("no process was started through Command")
			}
			for _, pid := range f.PIDs() {
				env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Contains(env, []byte("TLSBENCH_PLACED=1\x00")) {
					t.Errorf("server process %d was not started through Command", pid)
				}
			}
			before, err := f.Counts(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			started := dials.Load()
			cfg, err := generatorConfig(s.sc, f, place)
			if err != nil {
				t.Fatal(err)
			}
			gen, err := loadgen.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			ph, err := gen.Run(context.Background(), loadgen.Phase{Name: "measure", Measured: true, Count: 40}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := dials.Load() - started; got != 40 {
				t.Errorf("the generator dialled %d connections through Dial, want 40", got)
			}
			after, err := f.Counts(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			srv := serverSide(before, after)
			if srv.Handshakes != ph.Handshakes.Completed() || srv.Resumed != ph.Handshakes.Resumed || ph.Handshakes.Completed() != 40 {
				t.Errorf("server counted %d (%d resumed), client %+v", srv.Handshakes, srv.Resumed, ph.Handshakes)
			}
		})
	}
}
