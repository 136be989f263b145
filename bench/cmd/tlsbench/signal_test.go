package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tlsbench/tlsbench/results"
)

// patience bounds every wait of these tests for a condition: generous,
// since other builds and tests may load the machine.
const patience = time.Minute

// output is what a child process writes, safe to read while it writes.
type output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *output) Write(b []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(b)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// waitFor polls cond until it holds, failing the test after patience.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %s waiting for %s", patience, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// measuring matches the progress line of a phase named measure that has
// completed handshakes (--progress on).
var measuring = regexp.MustCompile(`measure \[\d+/\d+\] [1-9]\d* handshakes`)

// startCLI runs the test binary as the tlsbench command (see TestMain) and
// returns it started, with its output captured.
func startCLI(t *testing.T, env []string, args ...string) (*exec.Cmd, *output, *output) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"tlsbench-main"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr output
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd, &stdout, &stderr
}

// waitExit waits for cmd (at most limit) and returns its exit code.
func waitExit(t *testing.T, cmd *exec.Cmd, limit time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
		return cmd.ProcessState.ExitCode()
	case <-time.After(limit):
		cmd.Process.Kill()
		t.Fatalf("tlsbench did not exit within %s", limit)
		return -1
	}
}

// descendants returns the PIDs of pid's live children, their children and
// so on.
func descendants(pid int) []int {
	var out []int
	for _, c := range children(pid) {
		out = append(out, c)
		out = append(out, descendants(c)...)
	}
	return out
}

// command returns the command name of process pid ("" once it is gone).
func command(pid int) string {
	b, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "comm"))
	return strings.TrimSpace(string(b))
}

// running reports whether process pid exists and is not a zombie.
func running(pid int) bool {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	return err == nil && !bytes.Contains(data, []byte(") Z "))
}

// children returns the PIDs of live processes whose parent is pid.
func children(pid int) []int {
	var out []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pid) && f[0] != "Z" {
			out = append(out, child)
		}
	}
	return out
}

func onlyResult(t *testing.T, dir string) *results.Run {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 1 {
		t.Fatalf("%d result files in %s, want 1", len(files), dir)
	}
	run, err := results.Read(files[0])
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// TestInterruptWritesPartialResult: Ctrl-C stops the run, the connections
// in flight finish, the partial result is written and the testbed child
// is gone.
func TestInterruptWritesPartialResult(t *testing.T) {
	out := t.TempDir()
	scenario := filepath.Join(t.TempDir(), "long.yaml")
	os.WriteFile(scenario, []byte("resumption: tickets\nclients: {count: 8, concurrency: 2}\nphases: [{name: warmup, count: 16, record: false}, {name: measure, duration: 1h}]\n"), 0o644)
	cmd, stdout, stderr := startCLI(t, nil, "run", "--progress", "on", "-o", out, "--cert-dir", filepath.Join(t.TempDir(), "certs"), scenario)
	// Wait until the measured phase has completed handshakes (its
	// progress line says so): the testbed is up.
	waitFor(t, "handshakes in the measured phase", func() bool { return measuring.MatchString(stderr.String()) })
	kids := children(cmd.Process.Pid)
	if len(kids) == 0 {
		t.Fatalf("no testbed child; stderr:\n%s", stderr)
	}
	cmd.Process.Signal(syscall.SIGINT)
	if code := waitExit(t, cmd, patience); code != exitInterrupted {
		t.Errorf("exit code %d, want %d; stderr:\n%s", code, exitInterrupted, stderr)
	}
	run := onlyResult(t, out)
	if !run.Partial || !strings.Contains(run.PartialReason, "interrupt") {
		t.Errorf("partial = %v, reason %q; want a partial run, interrupted", run.Partial, run.PartialReason)
	}
	m := run.Phases[len(run.Phases)-1]
	if m.Name != "measure" || m.Handshakes.Completed() == 0 || m.WindowS > 30 {
		t.Errorf("last phase %s: %d handshakes in %.1fs, want the measured phase up to the signal", m.Name, m.Handshakes.Completed(), m.WindowS)
	}
	if m.Handshakes.Failed != 0 {
		t.Errorf("%d handshakes failed: the ones in flight should have finished (%v)", m.Handshakes.Failed, m.Errors)
	}
	if !strings.Contains(stdout.String(), "PARTIAL") {
		t.Errorf("the summary does not say the run is partial:\n%s", stdout)
	}
	for _, pid := range kids {
		if running(pid) {
			t.Errorf("testbed child %d still runs after tlsbench exited", pid)
		}
	}
}

// TestSecondInterruptCutsInFlight: connections stuck in a handshake with a
// server that never answers hold the first Ctrl-C for the grace period; a
// second one cuts them at once, and the result is still written.
func TestSecondInterruptCutsInFlight(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var mu sync.Mutex
	var held []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c) // accept and never answer
			mu.Unlock()
		}
	}()
	out := t.TempDir()
	scenario := filepath.Join(t.TempDir(), "stall.yaml")
	os.WriteFile(scenario, []byte("clients: {count: 2, concurrency: 2}\nphases: [{name: measure, duration: 1h}]\ntimeouts: {handshake: 5m}\ntarget: {address: "+ln.Addr().String()+", server_name: tlsbench.test}\n"), 0o644)
	cmd, _, stderr := startCLI(t, nil, "run", "--progress", "off", "--grace", "10m", "-o", out, scenario)
	// Both clients are stuck in their handshakes once the server holds
	// both connections.
	waitFor(t, "the two connections", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(held) == 2
	})
	cmd.Process.Signal(syscall.SIGINT)
	// A second signal sent before the first is handled could merge with it.
	waitFor(t, "the first interrupt to be handled", func() bool {
		return strings.Contains(stderr.String(), "connections in flight may finish")
	})
	cmd.Process.Signal(syscall.SIGINT)
	if code := waitExit(t, cmd, patience); code != exitInterrupted {
		t.Errorf("exit code %d, want %d; stderr:\n%s", code, exitInterrupted, stderr)
	}
	run := onlyResult(t, out)
	m := run.Phases[0]
	if !run.Partial || m.Handshakes.Failed != 2 || m.Errors["canceled"] != 2 {
		t.Errorf("partial %v, handshakes %+v, errors %v; want 2 handshakes cut (canceled)", run.Partial, m.Handshakes, m.Errors)
	}
	if !strings.Contains(stderr.String(), "cutting connections in flight") {
		t.Errorf("stderr does not say the connections were cut:\n%s", stderr)
	}
}

// TestInterruptStopsRealServers: Ctrl-C during a run on a real nginx stops
// it and leaves no temporary files (its configuration and key files)
// behind.
func TestInterruptStopsRealServers(t *testing.T) {
	if _, err := exec.LookPath("nginx"); err != nil {
		t.Skip("nginx is not installed (apt-get install nginx libnginx-mod-stream)")
	}
	tmp := t.TempDir()
	out := t.TempDir()
	scenario := filepath.Join(t.TempDir(), "nginx.yaml")
	os.WriteFile(scenario, []byte("server: nginx\nresumption: tickets\nclients: {count: 8, concurrency: 2}\nphases: [{name: measure, duration: 1h}]\n"), 0o644)
	cmd, _, stderr := startCLI(t, []string{"TMPDIR=" + tmp}, "run", "--progress", "on", "-o", out, "--cert-dir", filepath.Join(t.TempDir(), "certs"), scenario)
	// Wait until nginx has served handshakes of the measured phase: its
	// processes all run by then.
	waitFor(t, "handshakes in the measured phase", func() bool { return measuring.MatchString(stderr.String()) })
	var servers []int
	for _, pid := range descendants(cmd.Process.Pid) {
		if command(pid) == "nginx" {
			servers = append(servers, pid)
		}
	}
	if len(servers) == 0 {
		t.Fatalf("no nginx process under tlsbench while it measures; stderr:\n%s", stderr)
	}
	cmd.Process.Signal(syscall.SIGINT)
	if code := waitExit(t, cmd, patience); code != exitInterrupted {
		t.Errorf("exit code %d, want %d; stderr:\n%s", code, exitInterrupted, stderr)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("left behind in TMPDIR: %v", names)
	}
	for _, pid := range servers {
		if running(pid) {
			t.Errorf("nginx process %d still runs", pid)
		}
	}
	if run := onlyResult(t, out); !run.Partial || run.Phases[0].Handshakes.Completed() == 0 {
		t.Errorf("partial %v, %d handshakes; want the partial run", run.Partial, run.Phases[0].Handshakes.Completed())
	}
}
