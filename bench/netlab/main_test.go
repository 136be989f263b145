package netlab_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/tlsbench/tlsbench/bench/netlab"
)

// TestMain lets the test binary stand in for tlsbench: run as "link" it is
// the link process, as "owner" a process that owns a lab and waits to be
// killed (TestKilledOwner).
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
