package netlab_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tlsbench/tlsbench/bench/netlab"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// gone reports whether process pid has exited (a zombie counts as gone:
// it runs no more and holds no descriptors).
func gone(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && i+2 < len(b) && b[i+2] == 'Z'
}

// waitFor polls cond until it holds, failing the test after 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after 10s: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// namespaces lists the named network namespaces (`ip netns list`).
func namespaces(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir("/run/netns")
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// handles opens a namespace by path, to look into it after its name is
// gone (the handle keeps it alive; it is closed at the end of the test).
func handle(t *testing.T, path string) netns.NsHandle {
	t.Helper()
	h, err := netns.GetFromPath(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// hasTUN reports whether the namespace h still holds the lab's device.
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

// checkRemoved checks that nothing of a lab is left: no name, no device,
// no link process.
func checkRemoved(t *testing.T, names []string, hs []netns.NsHandle, linkPID int) {
	t.Helper()
	waitFor(t, "the link process is still running", func() bool { return gone(linkPID) })
	for i, h := range hs {
		waitFor(t, names[i]+" still has its TUN device", func() bool { return !hasTUN(t, h) })
	}
	left := namespaces(t)
	for _, n := range names {
		if slices.Contains(left, n) {
			t.Errorf("namespace %s is left (ip netns list: %v)", n, left)
		}
	}
}

// TestStopRemovesEverything checks that Stop, and the end of the context
// given to Start, leave no namespace, TUN device or link process.
func TestStopRemovesEverything(t *testing.T) {
	tests := []struct {
		name string
		stop func(*netlab.Lab, context.CancelFunc)
	}{
		{"Stop", func(l *netlab.Lab, _ context.CancelFunc) { l.Stop() }},
		{"context cancelled", func(_ *netlab.Lab, cancel context.CancelFunc) { cancel() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			needLab(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			l, err := netlab.Start(ctx, linkArgv(t), netlab.Config{RTT: 10 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			names := []string{l.Generator.Name(), l.Server.Name()}
			if left := namespaces(t); !slices.Contains(left, names[0]) || !slices.Contains(left, names[1]) {
				t.Fatalf("ip netns list = %v, want %v in it", left, names)
			}
			hs := []netns.NsHandle{handle(t, l.Generator.Path()), handle(t, l.Server.Path())}
			for i, h := range hs {
				if !hasTUN(t, h) {
					t.Fatalf("%s has no TUN device", names[i])
				}
			}
			pid := l.LinkPID()
			tt.stop(l, cancel)
			select {
			case <-l.Done():
			case <-time.After(20 * time.Second):
				t.Fatal("the lab was not removed within 20s")
			}
			checkRemoved(t, names, hs, pid)
			if _, err := l.Stop(); err != nil {
				t.Errorf("Stop after removal: %v", err)
			}
			if _, err := l.Stats(context.Background()); err == nil {
				t.Errorf("Stats after Stop: no error")
			}
			d := l.Generator.Dialer(netDialer())
			if _, err := d.DialContext(context.Background(), "tcp", "198.19.0.2:443"); err == nil || !strings.Contains(err.Error(), "stopped") {
				t.Errorf("dial after Stop: %v, want an error saying the lab is stopped", err)
			}
		})
	}
}

// ownerReport is what the owner process (TestMain's "owner" mode) prints
// once its lab runs.
type ownerReport struct {
	Generator, Server string
	LinkPID, ChildPID int
}

// runOwner is the body of the owner process: it starts a lab and, inside
// its server namespace, a child with a parent-death signal (as the testbed
// and real servers are started), reports them and waits to be killed.
func runOwner() int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	l, err := netlab.Start(context.Background(), []string{exe, "link"}, netlab.Config{RTT: 10 * time.Millisecond})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	child := exec.Command("sleep", "60")
	child.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := l.Server.Do(child.Start); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	json.NewEncoder(os.Stdout).Encode(ownerReport{Generator: l.Generator.Name(), Server: l.Server.Name(), LinkPID: l.LinkPID(), ChildPID: child.Process.Pid})
	io.Copy(io.Discard, os.Stdin) // until killed
	return 0
}

// TestKilledOwner checks what a SIGKILL of the owning process leaves, and
// that the next Start removes it: the link process and a child started in
// the server namespace die with the owner (parent-death signal), the TUN
// devices with the link, and the named namespaces stay until the next lab
// starts.
func TestKilledOwner(t *testing.T) {
	needLab(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	owner := exec.Command(exe, "owner")
	owner.Stderr = os.Stderr
	stdin, err := owner.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := owner.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := owner.Start(); err != nil {
		t.Fatal(err)
	}
	var rep ownerReport
	if err := json.NewDecoder(bufio.NewReader(stdout)).Decode(&rep); err != nil {
		owner.Process.Kill()
		owner.Wait()
		t.Fatalf("no report from the owner: %v", err)
	}
	names := []string{rep.Generator, rep.Server}
	hs := []netns.NsHandle{handle(t, filepath.Join("/run/netns", rep.Generator)), handle(t, filepath.Join("/run/netns", rep.Server))}
	if gone(rep.LinkPID) || gone(rep.ChildPID) || !hasTUN(t, hs[0]) || !hasTUN(t, hs[1]) {
		t.Fatalf("the owner's lab is not running: %+v", rep)
	}
	if err := owner.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	owner.Wait()
	waitFor(t, "the child in the server namespace outlived its owner", func() bool { return gone(rep.ChildPID) })
	waitFor(t, "the link process outlived its owner", func() bool { return gone(rep.LinkPID) })
	for i, h := range hs {
		waitFor(t, names[i]+" kept its TUN device after the link died", func() bool { return !hasTUN(t, h) })
	}
	stale := slices.Contains(namespaces(t), names[0]) // another test process may have removed them already
	l := startLab(t, netlab.Config{})
	t.Logf("stale namespaces removed by the next start: %v", l.Removed)
	if stale && (!slices.Contains(l.Removed, names[0]) || !slices.Contains(l.Removed, names[1])) {
		t.Errorf("Removed = %v, want %v in it", l.Removed, names)
	}
	checkRemoved(t, names, hs, rep.LinkPID)
	for _, n := range namespaces(t) {
		if n == l.Generator.Name() || n == l.Server.Name() {
			continue
		}
		if strings.HasPrefix(n, fmt.Sprintf("tlsbench-pid%d-", owner.Process.Pid)) {
			t.Errorf("namespace %s of the killed owner is left", n)
		}
	}
}
