package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tlsbench/tlsbench/bench"
	"github.com/tlsbench/tlsbench/bench/k8s"
	"github.com/tlsbench/tlsbench/bench/realserver"
	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/scenarios"
	batchv1 "k8s.io/api/batch/v1"
	"sigs.k8s.io/yaml"
)

// shardScenario: TLS 1.3 tickets against one nginx; the warm-up visits each
// client once, then 600 connections.
const shardScenario = `name: shards-nginx
tls: {version: "1.3", key: ecdsa-p256}
resumption: tickets
clients: {count: 30, concurrency: 6}
phases:
  - {name: warmup, count: 30, record: false}
  - {name: measure, count: 600}
timeouts: {connect: 5s, handshake: 5s, io: 5s}
target: {address: "%s", server_name: %s, ca_file: "%s"}
`

// TestShardsAsAnIndexedJob runs three shard processes, each with exactly
// the environment and arguments `tlsbench k8s job` gives the pods of its
// Indexed Job (JOB_COMPLETION_INDEX from the Job controller,
// TLSBENCH_SHARDS and TLSBENCH_START_AT from the manifest; the Job's paths
// mapped to temporary directories), against one nginx this test starts on
// loopback. Their logs, prefixed as kubectl logs --prefix prints them,
// are piped into tlsbench merge -: the merged handshakes equal nginx's own
// log, the merge names the three shards, and the start skew is reported.
// Counts are compared, not latencies: on 2 cores the shards compete with
// the server.
func TestShardsAsAnIndexedJob(t *testing.T) {
	if err := realserver.Available(realserver.Nginx); err != nil {
		t.Skipf("%v; .ci/run installs it", err)
	}
	dir := t.TempDir()
	certs, err := bench.EnsureCerts(filepath.Join(dir, "certs"), scenarios.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	fleet, err := realserver.Start(context.Background(), realserver.Config{Kind: realserver.Nginx, Hosts: []string{"127.0.0.2"},
		CertFile: certs.CertFile, KeyFile: certs.KeyFile})
	if err != nil {
		t.Fatal(err)
	}
	defer fleet.Stop()
	// The pods' working directory holds the scenario; the CA file, named
	// by an absolute path, is mounted at that path.
	work := filepath.Join(dir, "work")
	os.MkdirAll(work, 0o755)
	scenarioFile := filepath.Join(work, "shards.yaml")
	os.WriteFile(scenarioFile, []byte(fmt.Sprintf(shardScenario, fleet.Addresses[0], bench.ServerName, certs.CAFile)), 0o644)

	code, manifest, stderr := runCLI(t, "k8s", "job", "--shards", "3", "--image", "tlsbench:test", "--start-in", "4s", scenarioFile)
	if code != exitOK {
		t.Fatalf("k8s job: exit %d\n%s", code, stderr)
	}
	docs := strings.Split(manifest, "\n---\n")
	var job batchv1.Job
	if err := yaml.UnmarshalStrict([]byte(docs[len(docs)-1]), &job); err != nil {
		t.Fatal(err)
	}
	c := job.Spec.Template.Spec.Containers[0]
	before, err := fleet.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	n := int(*job.Spec.Completions)
	logs := make([]bytes.Buffer, n)
	var wg sync.WaitGroup
	codes := make([]error, n)
	for i := range n {
		results := filepath.Join(dir, fmt.Sprintf("results-%d", i))
		var args []string
		for _, a := range c.Args {
			args = append(args, strings.Replace(a, k8s.ResultsDir, results, 1))
		}
		cmd := exec.Command(os.Args[0], append([]string{"tlsbench-main"}, args...)...)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), k8s.EnvIndex+"="+fmt.Sprint(i)) // the Job controller's
		for _, e := range c.Env {
			cmd.Env = append(cmd.Env, e.Name+"="+e.Value)
		}
		cmd.Stdout, cmd.Stderr = &logs[i], &logs[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = cmd.Run()
		}()
	}
	wg.Wait()
	var stream bytes.Buffer // what kubectl logs -l ... --prefix prints
	for i := range n {
		if codes[i] != nil {
			t.Fatalf("shard %d: %v\n%s", i, codes[i], logs[i].String())
		}
		sc := bufio.NewScanner(&logs[i])
		sc.Buffer(nil, 64<<20)
		for sc.Scan() {
			fmt.Fprintf(&stream, "[pod/%s-%d-x7k2p/%s] %s\n", job.Name, i, k8s.ContainerName, sc.Text())
		}
	}
	after, err := fleet.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	merged := filepath.Join(dir, "merged.json")
	merge := exec.Command(os.Args[0], "tlsbench-main", "merge", "-o", merged, "-")
	merge.Stdin = &stream
	out, err := merge.CombinedOutput()
	if err != nil {
		t.Fatalf("merge -: %v\n%s", err, out)
	}
	m, err := results.Read(merged)
	if err != nil {
		t.Fatal(err)
	}
	var completed, resumed int64
	for _, p := range m.Phases {
		completed += p.Handshakes.Completed()
		resumed += p.Handshakes.Resumed
		if p.Handshakes.Failed != 0 {
			t.Errorf("phase %s: %d failed", p.Name, p.Handshakes.Failed)
		}
	}
	logged := (after[0].Full + after[0].Resumed) - (before[0].Full + before[0].Resumed)
	loggedResumed := after[0].Resumed - before[0].Resumed
	if completed != 630 || logged != completed || loggedResumed != resumed {
		t.Errorf("merged: %d handshakes (%d resumed); nginx logged %d (%d resumed); want 630 each", completed, resumed, logged, loggedResumed)
	}
	if len(m.MergedFrom) != n || m.StartSkewUS == nil || m.Partial {
		t.Fatalf("merged_from %+v, start skew %v, partial %v", m.MergedFrom, m.StartSkewUS, m.Partial)
	}
	for i, s := range m.MergedFrom {
		if s.Index != i || !strings.Contains(s.File, fmt.Sprintf("[pod/%s-%d-x7k2p/tlsbench]", job.Name, i)) {
			t.Errorf("merged_from[%d] = %+v", i, s)
		}
	}
	if !strings.Contains(string(out), "start skew") {
		t.Errorf("merge did not print the start skew:\n%s", out)
	}
	t.Logf("3 shards: %d handshakes merged, nginx logged %d; start skew %d µs", completed, logged, *m.StartSkewUS)
	// The result files themselves merge to the same totals.
	files, _ := filepath.Glob(filepath.Join(dir, "results-*", "*.json"))
	code, stdout, stderr := runCLI(t, append([]string{"merge", "-o", filepath.Join(dir, "files.json")}, files...)...)
	if code != exitOK {
		t.Fatalf("merge of the files: exit %d\n%s%s", code, stdout, stderr)
	}
	byFiles, err := results.Read(filepath.Join(dir, "files.json"))
	if err != nil {
		t.Fatal(err)
	}
	if a, b := byFiles.Phases[1].Handshakes, m.Phases[1].Handshakes; a != b || byFiles.Phases[1].LatencyUS.Handshake.HDR != m.Phases[1].LatencyUS.Handshake.HDR {
		t.Errorf("merging the files gives %+v, the stream %+v", a, b)
	}
	// Refusals, naming the files: a missing shard, a repeated one, and a
	// shard of another scenario.
	other := filepath.Join(dir, "other.json")
	r0, _ := results.Read(files[0])
	var cfg map[string]any
	json.Unmarshal(r0.Scenario.Config, &cfg)
	cfg["seed"] = 7 // another scenario
	r0.Scenario.Config, _ = json.Marshal(cfg)
	if err := results.Write(other, r0); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		files []string
		want  string
	}{
		{"missing", files[:2], "shard 2 of 3 missing"},
		{"repeated", []string{files[0], files[1], files[1], files[2]}, "shard 1 of 3 is given twice: " + files[1] + " and " + files[1]},
		{"other scenario", []string{other, files[1], files[2]}, other + " and " + files[1] + " ran different scenarios"},
	} {
		code, _, stderr := runCLI(t, append([]string{"merge", "-o", filepath.Join(dir, tt.name+".json")}, tt.files...)...)
		if code != exitBadInput || !strings.Contains(stderr, tt.want) {
			t.Errorf("merge, %s: exit %d, %q; want %d and %q", tt.name, code, stderr, exitBadInput, tt.want)
		}
	}
}

// TestServe runs tlsbench serve (three testbed nodes sharing a ticket
// key), two shards of a run against it as a remote fleet, then stops it
// with SIGTERM: it prints where it serves, then its nodes' own counts,
// which equal what the shards completed.
func TestServe(t *testing.T) {
	dir := t.TempDir()
	served := filepath.Join(dir, "served.yaml")
	os.WriteFile(served, []byte("resumption: tickets\ntopology: {nodes: 3, ticket_keys: shared}\n"), 0o644)
	cmd := exec.Command(os.Args[0], "tlsbench-main", "serve", "--cert-dir", filepath.Join(dir, "certs"), served)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	dec := json.NewDecoder(stdout)
	var ready bench.ServedTarget
	if err := dec.Decode(&ready); err != nil {
		t.Fatalf("serve printed no target: %v\n%s", err, stderr.String())
	}
	if len(ready.Addresses) != 3 || ready.CAFile == "" || ready.ServerName != bench.ServerName {
		t.Fatalf("serve: %+v", ready)
	}
	gen := filepath.Join(dir, "gen.yaml")
	os.WriteFile(gen, []byte(fmt.Sprintf(`resumption: tickets
clients: {count: 20, concurrency: 4}
phases: [{name: warmup, count: 20, record: false}, {name: measure, count: 200}]
topology: {balance: random, ticket_keys: shared}
target: {addresses: ["%s"], server_name: %s, ca_file: "%s"}
`, strings.Join(ready.Addresses, `", "`), ready.ServerName, ready.CAFile)), 0o644)
	var completed int64
	for i := range 2 {
		out := filepath.Join(dir, fmt.Sprint("shard", i))
		code, _, errOut := runCLI(t, "run", "--shard", fmt.Sprintf("%d/2", i), "-o", out, "--progress", "off", gen)
		if code != exitOK {
			t.Fatalf("shard %d: exit %d\n%s", i, code, errOut)
		}
		files, _ := filepath.Glob(filepath.Join(out, "*.json"))
		r, err := results.Read(files[0])
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range r.Phases {
			completed += p.Handshakes.Completed()
		}
	}
	cmd.Process.Signal(os.Interrupt)
	var counts bench.ServedCounts
	if err := dec.Decode(&counts); err != nil {
		t.Fatalf("serve printed no counts when stopped: %v\n%s", err, stderr.String())
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("serve exited with %v\n%s", err, stderr.String())
	}
	if counts.Handshakes != completed || completed != 220 || len(counts.Nodes) != 3 || counts.Resumed < 190 {
		t.Errorf("served counts %+v; the shards completed %d (of 220)", counts, completed)
	}
}
