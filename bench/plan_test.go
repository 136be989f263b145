package bench_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tlsbench/tlsbench/bench"
	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/scenarios"
)

// TestPlanInterleaves: a set repeated three times runs every scenario
// once, then every one again; each job runs a copy of its scenario.
func TestPlanInterleaves(t *testing.T) {
	t.Parallel()
	a := scenario(t, "name: a\nphases: [{name: measure, count: 10}]\n")
	b := scenario(t, "name: b\nphases: [{name: measure, count: 10}]\n")
	jobs, err := bench.Plan([]*scenarios.Scenario{a, b}, bench.Overrides{}, 3)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, j := range jobs {
		got = append(got, j.Scenario.Name+":"+string(rune('0'+j.Repeat))+"/"+string(rune('0'+j.Repeats))+"#"+string(rune('0'+j.Index)))
		if j.Scenario == a || j.Scenario == b {
			t.Errorf("job %s runs the caller's scenario, want a copy", j.Scenario.Name)
		}
	}
	if want := "a:1/3#0 b:1/3#1 a:2/3#0 b:2/3#1 a:3/3#0 b:3/3#1"; strings.Join(got, " ") != want {
		t.Errorf("jobs = %v, want %s", got, want)
	}
	if _, err := bench.Plan([]*scenarios.Scenario{a}, bench.Overrides{}, 0); err == nil {
		t.Error("Plan with 0 repeats: no error")
	}
}

// TestOverrides: overrides apply to a copy; those that change what a
// scenario means warn, and those that only shorten it do not.
func TestOverrides(t *testing.T) {
	t.Parallel()
	const counted = "phases: [{name: warmup, count: 10, record: false}, {name: measure, count: 100}]\n"
	tests := []struct {
		name  string
		yaml  string
		o     bench.Overrides
		check func(*scenarios.Scenario) bool
		warns []string // substrings, one warning each
		err   string
	}{
		{"duration", counted, bench.Overrides{Duration: 2 * time.Second},
			func(sc *scenarios.Scenario) bool {
				return sc.Phases[0].Count == 10 && sc.Phases[1].Count == 0 && sc.Phases[1].Duration == scenarios.Duration(2*time.Second)
			}, nil, ""},
		{"target, one node", "resumption: tickets\n" + counted, bench.Overrides{Target: "127.0.0.1:8443"},
			func(sc *scenarios.Scenario) bool {
				return sc.Target.Address == "127.0.0.1:8443" && sc.Target.ServerName == "127.0.0.1" && sc.Resumption == scenarios.ResumeTickets
			}, nil, ""},
		{"target, aws-clb", "topology: {preset: aws-clb}\n" + counted, bench.Overrides{Target: "127.0.0.1:8443", ServerName: "www.example.com"},
			func(sc *scenarios.Scenario) bool {
				return sc.Resumption == scenarios.ResumeTickets && sc.Target.ServerName == "www.example.com"
			}, []string{"topology (preset aws-clb, 3 nodes, random balance, tickets off) describes servers tlsbench starts", "clients offer session tickets instead"}, ""},
		{"duration cuts a fault", "phases: [{name: measure, duration: 10s}]\nfaults: [{at: 5s, action: kill, node: 0}]\n", bench.Overrides{Duration: time.Second},
			nil, []string{"faults[0] (kill at 5s) is never injected"}, ""},
		{"duration and a sweep", "phases: [{name: warmup, count: 10, record: false}]\nsweep: {from: 100, to: 200, step: 100}\n", bench.Overrides{Duration: time.Second},
			nil, []string{"keep sweep.step_duration 3s"}, ""},
		{"target and a client certificate of your own", "tls: {client_cert: {cert_file: c.pem, key_file: c.key, ca_file: ca.pem}}\n" + counted, bench.Overrides{Target: "127.0.0.1:8443"},
			func(sc *scenarios.Scenario) bool {
				return sc.TLS.ClientCert.CAFile == "" && sc.TLS.ClientCert.CertFile == "c.pem"
			},
			[]string{"the remote server verifies it with its own CA"}, ""},
		{"target and ECH", "tls: {ech: true}\n" + counted, bench.Overrides{Target: "127.0.0.1:8443", ECHConfigFile: "ech.b64"},
			func(sc *scenarios.Scenario) bool { return sc.Target.ECHConfigFile == "ech.b64" }, nil, ""},
		{"target and ECH without a config list", "tls: {ech: true}\n" + counted, bench.Overrides{Target: "127.0.0.1:8443"},
			nil, nil, "tls.ech: a remote target's ECH config list is needed"},
		{"target on nginx", "server: nginx\n" + counted, bench.Overrides{Target: "127.0.0.1:8443"},
			nil, nil, "TestOverrides/target_on_nginx.yaml: server: server nginx is started by tlsbench"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc := scenario(t, tt.yaml)
			orig := sc.Clone()
			out, ws, err := tt.o.Apply(sc)
			if !reflect.DeepEqual(sc, orig) {
				t.Errorf("Apply changed its argument:\n%+v\nwas\n%+v", sc, orig)
			}
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.check != nil && !tt.check(out) {
				t.Errorf("overridden scenario %+v", out)
			}
			if len(ws) != len(tt.warns) {
				t.Errorf("warnings %+v, want %d", ws, len(tt.warns))
			}
			for i, w := range ws {
				want := "(no warning)"
				if i < len(tt.warns) {
					want = tt.warns[i]
				}
				if w.Code != results.WarnScenarioOverridden || !strings.Contains(w.Message, want) {
					t.Errorf("warning %d: %+v, want code %s saying %q", i, w, results.WarnScenarioOverridden, want)
				}
			}
		})
	}
}
