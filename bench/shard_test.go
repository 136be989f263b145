package bench_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tlsbench/tlsbench/bench"
	"github.com/tlsbench/tlsbench/results"
)

// TestShardWaitsForTheStart runs shard 1 of 3 against the embedded
// testbed: it waits for the start time, runs its share of the clients, of
// the concurrency and of a count-bounded phase, and records .shard.
func TestShardWaitsForTheStart(t *testing.T) {
	sc := scenario(t, `
resumption: tickets
clients: {count: 32, concurrency: 6}
phases:
  - {name: warmup, count: 32, record: false}
  - {name: measure, count: 100}
timeouts: {connect: 5s, handshake: 5s, io: 5s}
`)
	opts := options(t)
	startAt := time.Now().Add(1500 * time.Millisecond)
	opts.Shard = bench.Shard{Index: 1, Count: 3, StartAt: startAt, Tolerance: time.Second, Host: "gen-1"}
	run, err := bench.Run(context.Background(), sc, opts)
	if err != nil {
		t.Fatal(err)
	}
	sh := run.Shard
	if sh == nil {
		t.Fatal("no .shard in a shard's result")
	}
	if sh.Index != 1 || sh.Count != 3 || sh.Host != "gen-1" || !sh.StartAt.Equal(startAt) || sh.Late {
		t.Errorf(".shard = %+v", sh)
	}
	// Clients 1, 4, ..., 31: 11; concurrency 6 / 3 = 2.
	if sh.Clients != 11 || sh.Concurrency != 2 || run.Client.Clients != 32 || run.Client.Concurrency != 6 {
		t.Errorf("shard share %d clients × %d, run %d × %d; want 11 × 2 of 32 × 6", sh.Clients, sh.Concurrency, run.Client.Clients, run.Client.Concurrency)
	}
	if sh.StartedAt.Before(startAt) || !sh.ReadyAt.Before(startAt) || !sh.StartedAt.Equal(run.Phases[0].StartedAt) {
		t.Errorf("ready %s, started %s, start time %s: want ready before, started at the first phase, not before the start time", sh.ReadyAt, sh.StartedAt, startAt)
	}
	if sh.Clock.Source == "" || sh.ScenarioHash == "" {
		t.Errorf("clock %+v, hash %q", sh.Clock, sh.ScenarioHash)
	}
	// Slots t < n go to client t mod 32; shard 1 holds clients 1, 4, ...
	// warm-up: 11 of 32; measure: 100 = 3 × 32 + 4: 3 × 11 + (1 of 0..3).
	if w, m := run.Phases[0].Handshakes.Total, run.Phases[1].Handshakes.Total; w != 11 || m != 34 {
		t.Errorf("the shard made %d and %d connections, want 11 and 34", w, m)
	}
	if m := run.Phases[1]; m.Handshakes.Resumed != m.Handshakes.Completed() {
		t.Errorf("measure: %+v, want every visit resumed (each client's chain is in this shard)", m.Handshakes)
	}
	if run.Phases[1].Server == nil || run.Phases[1].Server.Handshakes != 34 {
		t.Errorf("the shard's own testbed counted %+v", run.Phases[1].Server)
	}
}

// TestShardLateStart: a shard ready only after the start time plus its
// tolerance runs nothing, says so, and Run's error wraps ErrLateStart.
func TestShardLateStart(t *testing.T) {
	sc := scenario(t, "clients: {count: 4, concurrency: 2}\nphases: [{name: measure, count: 10}]\n")
	opts := options(t)
	opts.Shard = bench.Shard{Index: 0, Count: 2, StartAt: time.Now().Add(-3 * time.Second), Tolerance: time.Second}
	run, err := bench.Run(context.Background(), sc, opts)
	if !errors.Is(err, bench.ErrLateStart) {
		t.Fatalf("error %v, want ErrLateStart", err)
	}
	if run == nil || !run.Partial || run.Shard == nil || !run.Shard.Late || len(run.Phases) != 0 {
		t.Fatalf("run %+v: want a partial result, marked late, with no phase", run)
	}
	found := false
	for _, w := range run.Warnings {
		found = found || w.Code == results.WarnShardLate
	}
	if !found {
		t.Errorf("warnings %+v: want shard_late", run.Warnings)
	}
}

// TestShardLeastConnWarns: least-conn is per process, and a shard says so.
func TestShardLeastConnWarns(t *testing.T) {
	sc := scenario(t, "topology: {nodes: 2, balance: least-conn}\nclients: {count: 4, concurrency: 2}\nphases: [{name: measure, count: 4}]\n")
	opts := options(t)
	opts.Shard = bench.Shard{Index: 0, Count: 2}
	run, err := bench.Run(context.Background(), sc, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range run.Warnings {
		if w.Code == results.WarnShardInexact {
			return
		}
	}
	t.Errorf("warnings %+v: want shard_inexact", run.Warnings)
}

func TestParseShard(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		i, n int
		ok   bool
	}{
		{"0/1", 0, 1, true}, {"2/3", 2, 3, true}, {"3/3", 0, 0, false}, {"-1/3", 0, 0, false},
		{"1/0", 0, 0, false}, {"1", 0, 0, false}, {"1/3x", 0, 0, false}, {"01/3", 0, 0, false},
	} {
		i, n, err := bench.ParseShard(tt.in)
		if (err == nil) != tt.ok || i != tt.i || n != tt.n {
			t.Errorf("ParseShard(%q) = %d, %d, %v", tt.in, i, n, err)
		}
	}
}

// TestServe runs a scenario's testbed on its own, as tlsbench serve does,
// and a run against it as a remote fleet: the served nodes count what the
// run's clients did.
func TestServe(t *testing.T) {
	sc := scenario(t, "resumption: tickets\ntopology: {nodes: 3, ticket_keys: shared, balance: random}\n"+phases)
	srv, err := bench.Serve(context.Background(), sc, options(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	if len(srv.Target.Addresses) != 3 || srv.CAFile == "" {
		t.Fatalf("served %+v, CA %q", srv.Target, srv.CAFile)
	}
	remote := scenario(t, fmt.Sprintf("target: {addresses: [\"%s\"], server_name: %s, ca_file: %s}\nresumption: tickets\ntopology: {balance: random, ticket_keys: shared}\n%s",
		strings.Join(srv.Target.Addresses, `", "`), srv.Target.ServerName, srv.CAFile, phases))
	run, err := bench.Run(context.Background(), remote, options(t))
	if err != nil {
		t.Fatal(err)
	}
	c, err := srv.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var full, resumed int64
	for _, p := range run.Phases {
		full += p.Handshakes.Full
		resumed += p.Handshakes.Resumed
	}
	if c.Full != full || c.Resumed != resumed || len(c.Nodes) != 3 || c.Handshakes != full+resumed {
		t.Errorf("served counts %+v; the run completed %d full and %d resumed", c, full, resumed)
	}
	if _, err := bench.Serve(context.Background(), remote, options(t), 0); err == nil {
		t.Error("serving a remote target: want an error")
	}
}

func TestLength(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		yaml string
		want time.Duration
		ok   bool
	}{
		{"phases: [{name: w, duration: 2s, record: false}, {name: m, duration: 10s}]\n", 12 * time.Second, true},
		{"phases: [{name: w, duration: 2s, record: false}, {name: m, count: 10}]\n", 0, false},
		{"clients: {count: 8, concurrency: 8}\nphases: [{name: w, duration: 1s, record: false, rate: 10}]\nsweep: {from: 100, to: 300, step: 100, step_duration: 2s}\n", 7 * time.Second, true},
	} {
		got, ok := bench.Length(scenario(t, tt.yaml))
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: %s, %v; want %s, %v", tt.yaml, got, ok, tt.want, tt.ok)
		}
	}
}

func TestShardFrom(t *testing.T) {
	t.Parallel()
	at := "2025-06-01T12:00:00.5Z"
	want := time.Date(2025, 6, 1, 12, 0, 0, 5e8, time.UTC)
	for _, tt := range []struct {
		name         string
		shard, start string
		env          map[string]string
		index, count int
		startAt      time.Time
		err          string
	}{
		{name: "none"},
		{name: "flags", shard: "1/3", start: at, index: 1, count: 3, startAt: want},
		{name: "TLSBENCH_SHARD", env: map[string]string{"TLSBENCH_SHARD": "2/4", "TLSBENCH_START_AT": at}, index: 2, count: 4, startAt: want},
		{name: "Indexed Job", env: map[string]string{"JOB_COMPLETION_INDEX": "2", "TLSBENCH_SHARDS": "3", "TLSBENCH_START_AT": at}, index: 2, count: 3, startAt: want},
		{name: "flags win", shard: "0/2", env: map[string]string{"JOB_COMPLETION_INDEX": "2", "TLSBENCH_SHARDS": "3"}, index: 0, count: 2},
		{name: "index alone", env: map[string]string{"JOB_COMPLETION_INDEX": "2"}},
		{name: "index out of range", env: map[string]string{"JOB_COMPLETION_INDEX": "3", "TLSBENCH_SHARDS": "3"}, err: "JOB_COMPLETION_INDEX=\"3\" with TLSBENCH_SHARDS=\"3\""},
		{name: "bad time", shard: "0/2", start: "noon", err: "--start-at: want an RFC 3339 time"},
		{name: "time without shard", start: at, err: "a start time is for shards"},
		{name: "bad shard", shard: "2/2", err: "--shard: want I/N with 0 <= I < N"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := bench.ShardFrom(tt.shard, tt.start, 0, func(k string) string { return tt.env[k] })
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || s.Index != tt.index || s.Count != tt.count || !s.StartAt.Equal(tt.startAt) {
				t.Errorf("got %+v, %v; want %d/%d at %s", s, err, tt.index, tt.count, tt.startAt)
			}
		})
	}
}
