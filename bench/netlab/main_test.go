package netlab_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/tlsbench/tlsbench/bench/netlab"
)

// TestMain lets the test binary stand in for tlsbench: run as "link" it is
// the link process, as "owner" a process that owns a lab and waits to be
// killed (TestKilledOwner), as "preflight" it prints Preflight's verdict
// and exits 2 when the lab cannot run (TestPreflightUnprivileged).
func TestMain(m *testing.M) {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "link":
			if err := netlab.ServeLink(context.Background(), os.Stdin, os.Stdout); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			os.Exit(0)
		case "owner":
			os.Exit(runOwner())
		case "preflight":
			err := netlab.Preflight()
			if err != nil {
				fmt.Println(err)
				if !errors.Is(err, netlab.ErrUnavailable) {
					os.Exit(3)
				}
				os.Exit(2)
			}
			os.Exit(0)
		}
	}
	os.Exit(m.Run())
}

// linkArgv is the command that runs the link: this test binary.
func linkArgv(t testing.TB) []string {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return []string{exe, "link"}
}

// needLab skips the test when a lab cannot be built here, saying why (not
// root, no /dev/net/tun).
func needLab(t testing.TB) {
	t.Helper()
	if err := netlab.Preflight(); err != nil {
		t.Skipf("skipped: %v", err)
	}
}

// startLab starts a lab for the test and stops it at the end.
func startLab(t testing.TB, cfg netlab.Config) *netlab.Lab {
	t.Helper()
	needLab(t)
	l, err := netlab.Start(context.Background(), linkArgv(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := l.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return l
}

// TestPreflightUnprivileged runs Preflight as an unprivileged user (this
// test binary again, under setpriv) and checks that it says what is
// missing and how to get it.
func TestPreflightUnprivileged(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipped: not root, so this process cannot start one without privileges")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("skipped: no setpriv (util-linux) to drop privileges with")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", exe, "preflight").CombinedOutput()
	if err == nil {
		t.Fatalf("preflight as nobody succeeded: %s", out)
	}
	got := strings.TrimSpace(string(out))
	want := "netlab: the network lab cannot run here: missing CAP_NET_ADMIN and CAP_SYS_ADMIN (run as root, for example with sudo)"
	if !strings.HasPrefix(got, want) {
		t.Errorf("preflight as nobody said:\n%s\nwant it to start with:\n%s", got, want)
	}
}
