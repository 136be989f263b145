package scenarios_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tlsbench/tlsbench/scenarios"
	"github.com/tlsbench/tlsbench/scenarios/kex"
	"github.com/tlsbench/tlsbench/scenarios/tlsfleet"
)

var update = flag.Bool("update", false, "rewrite the .golden files in testdata/bad from the current output")

// TestLoadBad checks the exact error output for each bad file against its
// golden file.
func TestLoadBad(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// problems is how many problems the file must produce: a guard
		// against a golden file that was updated to the wrong output.
		problems int
	}{
		{"unknown-key-top", 1},
		{"unknown-key-nested", 1},
		{"negative-duration", 1},
		{"unknown-key-type", 1},
		{"wrong-type", 6},
		{"many-problems", 14},
		{"syntax-error", 1},
		{"empty", 1},
		{"comments-only", 1},
		{"tls12-ecdsa-groups", 1},
		{"tls12-mlkem", 2},
		{"duplicate-key", 2},
		{"multi-document", 1},
		{"explicit-zero", 3},
		{"cache-remote", 1},
		{"bad-address", 1},
		{"phases", 3},
		{"phases-empty", 1},
		{"alias-undefined", 1},
		{"alias-cycle", 1},
		{"not-a-mapping", 1},
		{"unsupported-tag", 2},
		{"out-of-range", 2},
		{"faults", 3},
		{"network-values", 7},
		{"network-syntax", 5},
		{"network-bandwidth", 2},
		{"network-remote", 2},
		{"network-jitter", 2},
		{"network-explicit-zero", 3},
		{"thresholds", 6},
		{"thresholds-units", 6},
		{"thresholds-remote", 2},
		{"client-cert", 4},
		{"client-cert-ids", 3},
		{"ech", 3},
		{"ech-remote", 1},
		{"ech-no-ech", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join("testdata", "bad", tt.name+".yaml")
			s, err := scenarios.Load(path)
			if err == nil {
				t.Fatalf("Load(%s) = %+v, want an error", path, s)
			}
			if s != nil {
				t.Errorf("Load(%s) returned a scenario with its error", path)
			}
			var serr *scenarios.Error
			if !errors.As(err, &serr) {
				t.Fatalf("Load(%s) error is %T, want *scenarios.Error: %v", path, err, err)
			}
			if got := len(serr.Problems); got != tt.problems {
				t.Errorf("Load(%s): %d problems, want %d:\n%v", path, got, tt.problems, err)
			}
			for _, p := range serr.Problems {
				if p.File != path || p.Line < 1 || p.Column < 1 {
					t.Errorf("problem %q has file %q, position %d:%d", p.Msg, p.File, p.Line, p.Column)
				}
			}
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(path, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("Load(%s) error:\n%s\nwant (from %s):\n%s", path, got, golden, want)
			}
		})
	}
}

// base returns the scenario that Defaults makes of a file at path that sets
// nothing.
func base(path string) scenarios.Scenario {
	s := scenarios.Scenario{File: path}
	s.Defaults()
	return s
}

func ptr[T any](v T) *T { return &v }

func dur(s string) scenarios.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		panic(err)
	}
	return scenarios.Duration(d)
}

// TestLoadGood checks that good files decode to the expected scenario,
// defaults included.
func TestLoadGood(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want func(s *scenarios.Scenario) // changes from base
	}{
		{"defaults", func(s *scenarios.Scenario) {
			s.Description = "all defaults"
		}},
		{"nulls", func(s *scenarios.Scenario) {}},
		{"flow", func(s *scenarios.Scenario) {
			s.Name = "flow"
			s.TLS = scenarios.TLS{Version: scenarios.TLS12, Key: scenarios.RSA2048, Groups: []kex.Group{kex.P256, kex.X25519}, Verify: scenarios.VerifyCached}
			s.Resumption = scenarios.ResumeTickets
			s.AfterHandshake = scenarios.Close
			s.Clients = scenarios.Clients{Count: 1000, Concurrency: 100, Think: scenarios.ThinkConstant, Arrival: scenarios.ArrivalConstant}
			s.Phases = []scenarios.Phase{{Name: "all", Count: 5000}}
			s.Topology = scenarios.Topology{Nodes: 4, Balancer: scenarios.BalancerGenerator, Balance: scenarios.Sticky, TicketKeys: tlsfleet.Shared, SessionCache: tlsfleet.Shared}
		}},
		{"anchors", func(s *scenarios.Scenario) {
			s.Name = "anchors"
			s.Resumption = scenarios.ResumeCache
			s.Topology.Nodes = 3
			s.Topology.Balance = scenarios.Random
			s.Topology.SessionCache = tlsfleet.Shared
			s.Phases = []scenarios.Phase{
				{Name: "warmup", Duration: dur("500ms"), Record: ptr(false)},
				{Name: "measure", Duration: dur("500ms"), Record: ptr(true)},
				{Name: "long", Duration: dur("90s"), Record: ptr(true)},
			}
			s.Timeouts.Connect = dur("3s")
			s.Timeouts.Handshake = dur("3s")
		}},
		{"fleet", func(s *scenarios.Scenario) {
			s.Seed = 42
			s.Resumption = scenarios.ResumeTickets
			s.Target = scenarios.Target{Addresses: []string{"127.0.0.2:8443", "127.0.0.3:8443", "127.0.0.4:8443"}, ServerName: "tlsbench.test"}
			s.Topology.Nodes = 3
			s.Topology.Balance = scenarios.Random
			s.Topology.TicketKeys = tlsfleet.Shared
		}},
		{"remote", func(s *scenarios.Scenario) {
			s.TLS = scenarios.TLS{Version: scenarios.TLS13, Key: scenarios.Ed25519, Groups: []kex.Group{kex.X25519MLKEM768, kex.X25519}, Verify: scenarios.VerifyCached}
			s.AfterHandshake = scenarios.Ticket
			s.Target = scenarios.Target{Address: "[::1]:8443", ServerName: "::1", CAFile: "testdata/ca.pem"}
			s.Phases = []scenarios.Phase{{Name: "phase0", Duration: dur("1s")}, {Name: "phase1", Count: 10}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join("testdata", "good", tt.name+".yaml")
			got, err := scenarios.Load(path)
			if err != nil {
				t.Fatalf("Load(%s): %v", path, err)
			}
			want := base(path)
			tt.want(&want)
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("Load(%s) =\n%+v\nwant\n%+v", path, *got, want)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("Validate after Load: %v", err)
			}
		})
	}
}

// TestShippedScenarios loads every scenario shipped in this directory.
func TestShippedScenarios(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 11 {
		t.Fatalf("found %d shipped scenarios, want at least 11: %v", len(files), files)
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			t.Parallel()
			s, err := scenarios.Load(f)
			if err != nil {
				t.Fatalf("Load(%s): %v", f, err)
			}
			if want := strings.TrimSuffix(f, ".yaml"); s.Name != want {
				t.Errorf("Load(%s).Name = %q, want %q", f, s.Name, want)
			}
		})
	}
}

// TestLoadMissingFile checks that a file that cannot be read is not
// reported as a bad scenario.
func TestLoadMissingFile(t *testing.T) {
	t.Parallel()
	_, err := scenarios.Load(filepath.Join("testdata", "no-such-file.yaml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing file) error = %v, want one wrapping os.ErrNotExist", err)
	}
	var serr *scenarios.Error
	if errors.As(err, &serr) {
		t.Errorf("Load(missing file) error is a *scenarios.Error: %v", err)
	}
}

// TestParseVersionNumber checks that an unquoted YAML number keeps its
// source text as a version.
func TestParseVersionNumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		yaml string
		want scenarios.Version
	}{
		{"float 1.2", "tls: {version: 1.2}", scenarios.TLS12},
		{"float 1.3", "tls:\n  version: 1.3\n", scenarios.TLS13},
		{"quoted", `tls: {version: "1.2"}`, scenarios.TLS12},
		{"single quoted", `tls: {version: '1.3'}`, scenarios.TLS13},
		{"str tag", "tls: {version: !!str 1.2}", scenarios.TLS12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := scenarios.Parse("v.yaml", []byte(tt.yaml))
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.yaml, err)
			}
			if s.TLS.Version != tt.want {
				t.Errorf("Parse(%q).TLS.Version = %q, want %q", tt.yaml, s.TLS.Version, tt.want)
			}
		})
	}
}

// TestDefaultsIdempotent checks that applying the defaults twice changes
// nothing, and that the defaults of a scenario built in code are valid.
func TestDefaultsIdempotent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		s    scenarios.Scenario
	}{
		{"zero", scenarios.Scenario{}},
		{"few clients", scenarios.Scenario{Clients: scenarios.Clients{Count: 4}}},
		{"remote", scenarios.Scenario{Target: scenarios.Target{Address: "example.com:443"}}},
		{"unnamed phases", scenarios.Scenario{Phases: []scenarios.Phase{{Count: 1}, {Name: "b", Count: 1}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			once := tt.s
			once.Defaults()
			twice := once
			twice.Phases = append([]scenarios.Phase(nil), once.Phases...)
			twice.Defaults()
			if !reflect.DeepEqual(once, twice) {
				t.Errorf("Defaults twice = %+v, want %+v", twice, once)
			}
			if err := once.Validate(); err != nil {
				t.Errorf("Validate after Defaults: %v", err)
			}
		})
	}
}

// TestDefaultsValues checks defaults that depend on other fields.
func TestDefaultsValues(t *testing.T) {
	t.Parallel()
	s := scenarios.Scenario{
		File:    "dir/lb.yaml",
		Clients: scenarios.Clients{Count: 4},
		Target:  scenarios.Target{Address: "example.com:443"},
		Phases:  []scenarios.Phase{{Count: 1}, {Name: "b", Count: 1}},
	}
	s.Defaults()
	for _, c := range []struct{ name, got, want string }{
		{"Name", s.Name, "lb"},
		{"Target.ServerName", s.Target.ServerName, "example.com"},
		{"Phases[0].Name", s.Phases[0].Name, "phase0"},
		{"Phases[1].Name", s.Phases[1].Name, "b"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if s.Clients.Concurrency != 4 {
		t.Errorf("Clients.Concurrency = %d, want 4 (no more than Count)", s.Clients.Concurrency)
	}
}

// TestValidate checks the FieldErrors of scenarios built in code.
func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(s *scenarios.Scenario)
		want   []string // FieldError.Error() values, in order
	}{
		{"valid", func(s *scenarios.Scenario) {}, nil},
		{"key type", func(s *scenarios.Scenario) { s.TLS.Key = "rsa-1024" },
			[]string{`tls.key: unknown key type "rsa-1024" (want rsa-2048, ecdsa-p256, ed25519 or rsa-4096)`}},
		{"tls12 ecdsa without p256", func(s *scenarios.Scenario) {
			s.TLS.Version = scenarios.TLS12
			s.TLS.Groups = []kex.Group{kex.X25519, kex.P384}
		}, []string{"tls.groups: an ECDSA P-256 certificate needs p256 among the groups for TLS 1.2 (the server answers 'no shared cipher')"}},
		{"tls12 ecdsa default groups", func(s *scenarios.Scenario) { s.TLS.Version = scenarios.TLS12 }, nil},
		{"concurrency over count", func(s *scenarios.Scenario) {
			s.Clients = scenarios.Clients{Count: 4, Concurrency: 8, Think: scenarios.ThinkConstant, Arrival: scenarios.ArrivalConstant}
		},
			[]string{"clients.concurrency: must not exceed clients.count (8 > 4)"}},
		{"count too big", func(s *scenarios.Scenario) { s.Clients.Count = 10_000_001 },
			[]string{"clients.count: must be 1..10000000, got 10000001"}},
		{"phase too long", func(s *scenarios.Scenario) { s.Phases[1].Duration = dur("24h1s") },
			[]string{"phases[1].duration: must be at most 24h, got 24h0m1s"}},
		{"phase count too big", func(s *scenarios.Scenario) { s.Phases[1] = scenarios.Phase{Name: "m", Count: 1_000_000_001} },
			[]string{"phases[1].count: must be at most 1000000000, got 1000000001"}},
		{"too many phases", func(s *scenarios.Scenario) {
			s.Phases = make([]scenarios.Phase, 65)
			s.Defaults()
			for i := range s.Phases {
				s.Phases[i].Count = 1
			}
		}, []string{"phases: at most 64 phases, got 65"}},
		{"no recorded phase", func(s *scenarios.Scenario) { s.Phases = s.Phases[:1] },
			[]string{"phases: at least one phase must be recorded (every phase has record: false)"}},
		{"cache remote", func(s *scenarios.Scenario) {
			s.Resumption = scenarios.ResumeCache
			s.Target.Address = "127.0.0.1:8443"
		}, []string{"resumption: cache models a server-side store in the embedded testbed; a remote server decides its own"}},
		{"address without port", func(s *scenarios.Scenario) { s.Target.Address = "127.0.0.1" },
			[]string{`target.address: want host:port with a numeric port, got "127.0.0.1"`}},
		{"port out of range", func(s *scenarios.Scenario) { s.Target.Address = "127.0.0.1:70000" },
			[]string{`target.address: want host:port with a numeric port, got "127.0.0.1:70000"`}},
		{"fleet addresses", func(s *scenarios.Scenario) {
			s.Target.Addresses = []string{"127.0.0.2:443", "127.0.0.3:443", "127.0.0.4:443"}
			s.Topology.Nodes = 3
		}, nil},
		{"fleet addresses, bad", func(s *scenarios.Scenario) {
			s.Target.Address = "127.0.0.1:443"
			s.Target.Addresses = []string{"127.0.0.2:443", "127.0.0.2:443", "127.0.0.4"}
		}, []string{
			"target.addresses: set target.address or target.addresses, not both",
			"target.addresses[1]: 127.0.0.2:443 is listed twice",
			`target.addresses[2]: want host:port with a numeric port, got "127.0.0.4"`,
			"topology.nodes: the target lists 3 addresses, each a node: leave topology.nodes out or set it to 3, got 1",
		}},
		{"negative seed", func(s *scenarios.Scenario) { s.Seed = -1 },
			[]string{"seed: must not be negative, got -1"}},
		{"rotation", func(s *scenarios.Scenario) {
			s.Topology.RotateKeysEvery = dur("10ms")
			s.Topology.RotationOverlap = dur("-1s")
		}, []string{
			"topology.rotate_keys_every: must be at least 100ms (or 0 for no rotation), got 10ms",
			"topology.rotation_overlap: must not be negative, got -1s",
		}},
		{"overlap without rotation", func(s *scenarios.Scenario) { s.Topology.RotationStagger = true },
			[]string{"topology.rotate_keys_every: rotation_overlap and rotation_stagger need rotate_keys_every"}},
		{"cache without a cache", func(s *scenarios.Scenario) {
			s.Resumption = scenarios.ResumeCache
			s.Topology.SessionCache = tlsfleet.Off
		}, []string{"topology.session_cache: resumption cache needs a session cache (per-node or shared), got off"}},
		{"ids on the testbed", func(s *scenarios.Scenario) {
			s.Resumption = scenarios.ResumeIDs
		}, []string{
			"resumption: resumption ids offers a TLS 1.2 session ID; TLS 1.3 has none (use tickets, or tls.version 1.2)",
			"resumption: resumption ids needs an OpenSSL-class server: server nginx, haproxy or openssl, or a target.address (which --target overrides); Go's crypto/tls server never resumes by session ID",
		}},
		{"ids on nginx", func(s *scenarios.Scenario) {
			s.Server = scenarios.ServerNginx
			s.TLS.Version = scenarios.TLS12
			s.Resumption = scenarios.ResumeIDs
		}, nil},
		{"ids remote", func(s *scenarios.Scenario) {
			s.Target.Address = "127.0.0.1:8443"
			s.TLS.Version = scenarios.TLS12
			s.Resumption = scenarios.ResumeIDs
		}, nil},
		{"ids without a cache", func(s *scenarios.Scenario) {
			s.Server = scenarios.ServerNginx
			s.TLS.Version = scenarios.TLS12
			s.Resumption = scenarios.ResumeIDs
			s.Topology.SessionCache = tlsfleet.Off
			s.AfterHandshake = scenarios.Ticket
		}, []string{
			"topology.session_cache: resumption ids needs the servers' session cache, got off",
			"after_handshake: after_handshake ticket waits for a session ticket, which resumption ids never asks for",
		}},
		{"server and target", func(s *scenarios.Scenario) {
			s.Server = scenarios.ServerNginx
			s.Target.Address = "127.0.0.1:8443"
			s.Topology.Balancer = scenarios.BalancerHAProxy
		}, []string{
			"server: server nginx is started by tlsbench on loopback, but target.address names a server it does not start: set one or the other",
			"topology.balancer: balancer haproxy stands in front of nodes tlsbench starts; it does not apply to a target",
		}},
		{"real server limits", func(s *scenarios.Scenario) {
			s.Server = scenarios.ServerOpenSSL
			s.TLS.Version = scenarios.TLS12
			s.Resumption = scenarios.ResumeCache
			s.Topology.SessionCache = tlsfleet.Shared
			s.Topology.TicketKeys = tlsfleet.Shared
			s.Topology.SessionLifetime = dur("1m")
			s.Topology.RotateKeysEvery = dur("1s")
		}, []string{
			"resumption: with a real server and TLS 1.2 the server's session cache is reached by session ID, which Go's client cannot offer: use resumption ids",
			"topology.session_cache: each openssl node is a process of its own and keeps its session cache to itself: per-node or off (shared ticket keys share resumption across nodes)",
			"topology.ticket_keys: openssl s_server cannot be given a ticket key (each node makes its own): per-node or off; nginx and haproxy can share one",
			"topology.session_lifetime: openssl s_server has no setting for the session lifetime",
			"topology.rotate_keys_every: key rotation is modelled by the embedded testbed only",
			"after_handshake: openssl nodes answer only an HTTP request: use after_handshake http (or ticket, close)",
		}},
		{"balance and balancer", func(s *scenarios.Scenario) { s.Topology.Balance = scenarios.Source },
			[]string{"topology.balance: balance source hashes the client's address, which only balancer haproxy does"}},
		{"sticky haproxy", func(s *scenarios.Scenario) {
			s.Topology.Balancer = scenarios.BalancerHAProxy
			s.Topology.Balance = scenarios.Sticky
		}, []string{"topology.balance: HAProxy has no sticky policy of tlsbench's kind (client i to node i); use source (a hash of the client address)"}},
		{"unknown server", func(s *scenarios.Scenario) { s.Server = "apache" },
			[]string{`server: unknown server "apache" (want embedded, nginx, haproxy or openssl)`}},
		{"think", func(s *scenarios.Scenario) {
			s.Clients.Think = "gaussian"
			s.Clients.ThinkTime = dur("2h")
		}, []string{
			`clients.think: unknown think distribution "gaussian" (want constant or exponential)`,
			"clients.think_time: must be 0..1h, got 2h0m0s",
		}},
		{"enums", func(s *scenarios.Scenario) {
			s.AfterHandshake = "linger"
			s.Topology.TicketKeys = "global"
			s.Topology.SessionCache = "none"
		}, []string{
			`after_handshake: unknown after_handshake action "linger" (want read-eof, http, ticket or close)`,
			`topology.ticket_keys: unknown ticket_keys scope "global" (want per-node, shared or off)`,
			`topology.session_cache: unknown session_cache scope "none" (want per-node, shared or off)`,
		}},
		{"timeouts", func(s *scenarios.Scenario) {
			s.Timeouts.Connect = -1
			s.Timeouts.IO = dur("10m1s")
		}, []string{
			"timeouts.connect: must be positive, got -1ns",
			"timeouts.io: must be at most 10m, got 10m1s",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := scenarios.Scenario{}
			s.Defaults()
			tt.change(&s)
			err := s.Validate()
			var got []string
			if err != nil {
				for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
					var fe *scenarios.FieldError
					if !errors.As(e, &fe) {
						t.Errorf("Validate returned %T, want *scenarios.FieldError: %v", e, e)
					}
					got = append(got, e.Error())
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Validate() =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestProblemError checks the formatting of a Problem.
func TestProblemError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		p    scenarios.Problem
		want string
	}{
		{"full", scenarios.Problem{File: "scenarios/lb.yaml", Line: 14, Column: 3, Path: "topology.nodes", Msg: "must be 1..64, got 0"},
			"scenarios/lb.yaml:14:3: topology.nodes: must be 1..64, got 0"},
		{"no path", scenarios.Problem{File: "a.yaml", Line: 1, Column: 1, Msg: "empty scenario file"},
			"a.yaml:1:1: empty scenario file"},
		{"no file", scenarios.Problem{Line: 2, Column: 5, Path: "name", Msg: "m"}, "2:5: name: m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.p.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPresets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		yaml string
		want scenarios.Topology
		res  scenarios.Resumption
	}{
		{"topology: {preset: single}", scenarios.Topology{Preset: "single", Nodes: 1, Balancer: "generator", Balance: "round-robin", TicketKeys: "per-node", SessionCache: "per-node"}, "tickets"},
		{"topology: {preset: aws-clb}", scenarios.Topology{Preset: "aws-clb", Nodes: 3, Balancer: "generator", Balance: "random", TicketKeys: "off", SessionCache: "per-node"}, "cache"},
		{"topology: {preset: aws-alb}", scenarios.Topology{Preset: "aws-alb", Nodes: 3, Balancer: "generator", Balance: "random", TicketKeys: "per-node", SessionCache: "per-node"}, "tickets"},
		{"topology: {preset: aws-nlb}", scenarios.Topology{Preset: "aws-nlb", Nodes: 3, Balancer: "generator", Balance: "random", TicketKeys: "shared", SessionCache: "off"}, "tickets"},
		// On real servers the CLB's session cache is reached by session ID
		// with TLS 1.2, by stateful tickets with TLS 1.3.
		{"server: nginx\ntls: {version: \"1.2\"}\ntopology: {preset: aws-clb}", scenarios.Topology{Preset: "aws-clb", Nodes: 3, Balancer: "generator", Balance: "random", TicketKeys: "off", SessionCache: "per-node"}, "ids"},
		{"server: nginx\ntopology: {preset: aws-clb}", scenarios.Topology{Preset: "aws-clb", Nodes: 3, Balancer: "generator", Balance: "random", TicketKeys: "off", SessionCache: "per-node"}, "cache"},
		// Fields set in the file win over the preset.
		{"resumption: none\ntopology: {preset: aws-nlb, nodes: 5, balance: sticky}", scenarios.Topology{Preset: "aws-nlb", Nodes: 5, Balancer: "generator", Balance: "sticky", TicketKeys: "shared", SessionCache: "off"}, "none"},
	}
	for _, tt := range tests {
		t.Run(tt.yaml, func(t *testing.T) {
			t.Parallel()
			s, err := scenarios.Parse("p.yaml", []byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if s.Topology != tt.want || s.Resumption != tt.res {
				t.Errorf("topology = %+v, resumption %s\nwant %+v, resumption %s", s.Topology, s.Resumption, tt.want, tt.res)
			}
		})
	}
}
