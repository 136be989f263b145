package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/tlsbench/tlsbench/bench"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// The network lab through `tlsbench run`: what a run, a Ctrl-C and a
// SIGKILL followed by the next run leave behind (nothing: no namespace, no
// TUN device, no link or server process), and the refusal before anything
// starts where the lab cannot run. They need root and /dev/net/tun.

func needLab(t *testing.T) {
	t.Helper()
	if err := bench.LabPreflight(); err != nil {
		t.Skipf("skipped: %v", err)
	}
}

// netScenario writes a scenario behind a 20 ms link, measured for measure
// (a duration, or "1h" to be interrupted).
func netScenario(t *testing.T, measure string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "net.yaml")
	yaml := "tls: {version: \"1.3\", key: ecdsa-p256}\nresumption: tickets\nnetwork: {rtt: 20ms}\n" +
		"clients: {count: 8, concurrency: 2}\nphases: [{name: warmup, count: 8, record: false}, {name: measure, " + measure + "}]\n"
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// labOf is what a tlsbench process's lab is made of, found while it runs.
type labOf struct {
	names   []string         // its namespaces, by name
	handles []netns.NsHandle // open on them, to look inside once the names are gone
	procs   []int            // the link and the testbed child
}

// namespacesOf lists the named namespaces of owner pid.
func namespacesOf(pid int) []string {
	entries, _ := os.ReadDir("/run/netns")
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "tlsbench-pid"+strconv.Itoa(pid)+"-") {
			out = append(out, e.Name())
		}
	}
	return out
}

// argv returns a process's command line.
func argv(pid int) []string {
	b, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	return strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
}

// findLab waits until the tlsbench process pid runs its lab (two
// namespaces, a link process, a testbed child) and returns it.
func findLab(t *testing.T, pid int) *labOf {
	t.Helper()
	l := &labOf{}
	waitFor(t, "the lab's namespaces and processes", func() bool {
		l.names, l.procs = namespacesOf(pid), nil
		for _, c := range descendants(pid) {
			if a := argv(c); len(a) > 1 && (a[1] == "link" || a[1] == "testbed") {
				l.procs = append(l.procs, c)
			}
		}
		return len(l.names) == 2 && len(l.procs) == 2
	})
	for _, n := range l.names {
		h, err := netns.GetFromPath(filepath.Join("/run/netns", n))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { h.Close() })
		l.handles = append(l.handles, h)
		if !hasTUN(t, h) {
			t.Fatalf("namespace %s has no TUN device", n)
		}
	}
	return l
}

// hasTUN reports whether namespace h holds the lab's TUN device.
func hasTUN(t *testing.T, h netns.NsHandle) bool {
	t.Helper()
	nl, err := netlink.NewHandleAt(h)
	if err != nil {
		t.Fatal(err)
	}
	defer nl.Close()
	_, err = nl.LinkByName("tlsb0")
	var nf netlink.LinkNotFoundError
	if err != nil && !errors.As(err, &nf) {
		t.Fatal(err)
	}
	return err == nil
}

// checkGone checks that the processes and TUN devices of l are gone, and,
// with names, that its namespaces are too.
func checkGone(t *testing.T, l *labOf, names bool) {
	t.Helper()
	for _, pid := range l.procs {
		waitFor(t, fmt.Sprintf("process %d (%v) to end", pid, argv(pid)), func() bool { return !running(pid) })
	}
	for i, h := range l.handles {
		waitFor(t, l.names[i]+"'s TUN device to go", func() bool { return !hasTUN(t, h) })
	}
	if !names {
		return
	}
	entries, _ := os.ReadDir("/run/netns")
	for _, e := range entries {
		for _, n := range l.names {
			if e.Name() == n {
				t.Errorf("namespace %s is left (ip netns list)", n)
			}
		}
	}
}

// TestLabRun: a run behind a link writes its network figures and, when it
// ends, leaves no namespace, TUN device, link or testbed process.
func TestLabRun(t *testing.T) {
	needLab(t)
	out := t.TempDir()
	cmd, stdout, stderr := startCLI(t, nil, "run", "--progress", "off", "-o", out, "--cert-dir", filepath.Join(t.TempDir(), "certs"), netScenario(t, "count: 40"))
	l := findLab(t, cmd.Process.Pid)
	if code := waitExit(t, cmd, patience); code != exitOK {
		t.Fatalf("exit code %d; stderr:\n%s", code, stderr)
	}
	checkGone(t, l, true)
	run := onlyResult(t, out)
	m := run.Phases[len(run.Phases)-1]
	if run.Network == nil || m.Link == nil || m.Kinds.Resumed.RoundTrips == nil || m.Handshakes.Completed() != 40 {
		t.Errorf("network %+v, link %+v, round trips %v, %d handshakes", run.Network, m.Link, m.Kinds.Resumed.RoundTrips, m.Handshakes.Completed())
	}
	if !strings.Contains(stdout.String(), "RTT ms") || !strings.Contains(stdout.String(), "link (measure):") {
		t.Errorf("the summary shows no RTT or link:\n%s", stdout)
	}
}

// TestLabInterrupt: Ctrl-C during a run behind a link writes the partial
// result and removes the lab after the connections in flight finish.
func TestLabInterrupt(t *testing.T) {
	needLab(t)
	out := t.TempDir()
	cmd, _, stderr := startCLI(t, nil, "run", "--progress", "on", "-o", out, "--cert-dir", filepath.Join(t.TempDir(), "certs"), netScenario(t, "duration: 1h"))
	waitFor(t, "handshakes in the measured phase", func() bool { return measuring.MatchString(stderr.String()) })
	l := findLab(t, cmd.Process.Pid)
	cmd.Process.Signal(syscall.SIGINT)
	if code := waitExit(t, cmd, patience); code != exitInterrupted {
		t.Errorf("exit code %d, want %d; stderr:\n%s", code, exitInterrupted, stderr)
	}
	checkGone(t, l, true)
	run := onlyResult(t, out)
	m := run.Phases[len(run.Phases)-1]
	if !run.Partial || m.Handshakes.Failed != 0 || m.Link == nil {
		t.Errorf("partial %v, %+v, link %v: want a partial run whose connections in flight finished across the link", run.Partial, m.Handshakes, m.Link)
	}
}

// TestLabKilled: after a SIGKILL, the link and the testbed die with
// tlsbench (parent-death signals) and take the TUN devices with them; the
// named namespaces stay until the next run, which removes them.
func TestLabKilled(t *testing.T) {
	needLab(t)
	certs := filepath.Join(t.TempDir(), "certs")
	cmd, _, stderr := startCLI(t, nil, "run", "--progress", "on", "-o", t.TempDir(), "--cert-dir", certs, netScenario(t, "duration: 1h"))
	waitFor(t, "handshakes in the measured phase", func() bool { return measuring.MatchString(stderr.String()) })
	l := findLab(t, cmd.Process.Pid)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	checkGone(t, l, false)
	if left := namespacesOf(cmd.Process.Pid); len(left) != 2 {
		t.Logf("namespaces of the killed run: %v (another test's run may have removed them already)", left)
	}
	next, _, nextErr := startCLI(t, nil, "run", "--progress", "off", "-o", t.TempDir(), "--cert-dir", certs, netScenario(t, "count: 8"))
	nl := findLab(t, next.Process.Pid)
	if code := waitExit(t, next, patience); code != exitOK {
		t.Fatalf("the next run: exit code %d; stderr:\n%s", code, nextErr)
	}
	checkGone(t, l, true)
	checkGone(t, nl, true)
}

// TestLabUnprivileged: `tlsbench run` of a network scenario by a user
// without the lab's privileges exits 2 before anything starts, saying what
// is missing and how to get it, and writes no result.
func TestLabUnprivileged(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipped: not root, so this test cannot start a process without privileges")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("skipped: no setpriv (util-linux) to drop privileges with")
	}
	dir, err := os.MkdirTemp("", "tlsbench-unprivileged-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o777)
	scenario := filepath.Join(dir, "net.yaml")
	os.WriteFile(scenario, []byte("network: {rtt: 40ms}\n"), 0o644)
	out := filepath.Join(dir, "out")
	var stderr bytes.Buffer
	cmd := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
		os.Args[0], "tlsbench-main", "run", "--progress", "off", "-o", out, "--cert-dir", filepath.Join(dir, "certs"), scenario)
	cmd.Stderr = &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitBadInput {
		t.Fatalf("exit %v, want code %d; stderr:\n%s", err, exitBadInput, stderr.String())
	}
	want := "net.yaml: the scenario has a network block, which needs the network lab: netlab: the network lab cannot run here: missing CAP_NET_ADMIN and CAP_SYS_ADMIN (run as root, for example with sudo)"
	if !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr:\n%s\nwant it to say:\n%s", stderr.String(), want)
	}
	for _, d := range []string{out, filepath.Join(dir, "certs")} {
		if _, err := os.Stat(d); err == nil {
			t.Errorf("%s was made: something started", d)
		}
	}
}
