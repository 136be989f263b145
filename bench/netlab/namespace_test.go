package netlab_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tlsbench/tlsbench/bench/netlab"
	"github.com/vishvananda/netlink"
)

// rootState is what the lab must never touch in the machine's own
// namespace: its links, addresses, routes and the sysctls the lab sets in
// its own namespaces.
func rootState(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	links, err := netlink.LinkList()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range links {
		a := l.Attrs()
		fmt.Fprintf(&b, "link %s mtu %d flags %v\n", a.Name, a.MTU, a.Flags)
	}
	addrs, err := netlink.AddrList(nil, netlink.FAMILY_ALL)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		fmt.Fprintf(&b, "addr %s\n", a.IPNet)
	}
	routes, err := netlink.RouteList(nil, netlink.FAMILY_ALL)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range routes {
		fmt.Fprintf(&b, "route %s\n", r)
	}
	for _, s := range []string{"net/ipv4/tcp_no_metrics_save", "net/ipv4/tcp_congestion_control", "net/ipv6/conf/all/disable_ipv6"} {
		v, _ := os.ReadFile("/proc/sys/" + s)
		fmt.Fprintf(&b, "%s = %s", s, v)
	}
	return b.String()
}

// TestRootNamespaceUntouched checks that a lab adds no link, address or
// route to the machine's own namespace and changes none of its sysctls,
// while they are set inside the lab.
func TestRootNamespaceUntouched(t *testing.T) {
	needLab(t)
	before := rootState(t)
	l := startLab(t, netlab.Config{RTT: 10 * time.Millisecond, Servers: 3, Sources: 2, InitCwnd: 4, MTU: 9000})
	if after := rootState(t); after != before {
		t.Errorf("the machine's namespace changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	err := l.Server.Do(func() error {
		v, err := os.ReadFile("/proc/sys/net/ipv4/tcp_no_metrics_save")
		if err == nil && string(v) != "1\n" {
			err = fmt.Errorf("tcp_no_metrics_save = %q in the lab, want 1", v)
		}
		return err
	})
	if err != nil {
		t.Error(err)
	}
	l.Stop()
	if after := rootState(t); after != before {
		t.Errorf("the machine's namespace changed after Stop:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// TestAddresses checks the address plan with several sources and servers:
// each server address accepts, a dialer bound to each source address
// connects from it, and the devices have the configured MTU.
func TestAddresses(t *testing.T) {
	l := startLab(t, netlab.Config{Servers: 3, Sources: 2, MTU: 9000})
	wantGen := []netip.Addr{netip.MustParseAddr("198.18.0.1"), netip.MustParseAddr("198.18.0.2")}
	wantSrv := []netip.Addr{netip.MustParseAddr("198.19.0.2"), netip.MustParseAddr("198.19.0.3"), netip.MustParseAddr("198.19.0.4")}
	if !slices.Equal(l.GeneratorAddrs, wantGen) || !slices.Equal(l.ServerAddrs, wantSrv) {
		t.Fatalf("addresses %v, %v; want %v, %v", l.GeneratorAddrs, l.ServerAddrs, wantGen, wantSrv)
	}
	for _, ns := range []*netlab.Namespace{l.Generator, l.Server} {
		err := ns.Do(func() error {
			tun, err := netlink.LinkByName("tlsb0")
			if err == nil && tun.Attrs().MTU != 9000 {
				err = fmt.Errorf("mtu %d, want 9000", tun.Attrs().MTU)
			}
			return err
		})
		if err != nil {
			t.Errorf("%s: %v", ns.Name(), err)
		}
	}
	for _, srv := range l.ServerAddrs {
		ln, err := l.Server.Listen(context.Background(), "tcp", netip.AddrPortFrom(srv, 443).String())
		if err != nil {
			t.Fatal(err)
		}
		serve(t, ln, func(c net.Conn) { fmt.Fprintf(c, "%s\n", c.RemoteAddr()) })
		for _, src := range l.GeneratorAddrs {
			base := netDialer()
			base.LocalAddr = net.TCPAddrFromAddrPort(netip.AddrPortFrom(src, 0))
			c, err := l.Generator.Dialer(base).DialContext(context.Background(), "tcp", netip.AddrPortFrom(srv, 443).String())
			if err != nil {
				t.Fatalf("%v → %v: %v", src, srv, err)
			}
			line, err := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if got, _ := netip.ParseAddrPort(strings.TrimSpace(line)); err != nil || got.Addr() != src {
				t.Errorf("%v → %v: the server saw %q, %v", src, srv, line, err)
			}
		}
	}
}

// TestDialerErrors checks that the dialer's errors are the ones loadgen
// classifies: refused, timed out, cancelled, bad input.
func TestDialerErrors(t *testing.T) {
	l := startLab(t, netlab.Config{RTT: 10 * time.Millisecond})
	d := l.Generator.Dialer(net.Dialer{Timeout: 300 * time.Millisecond, KeepAlive: -1})
	ctx := context.Background()
	tests := []struct {
		name    string
		ctx     func() (context.Context, context.CancelFunc)
		addr    string
		network string
		is      error
		timeout bool
	}{
		{name: "refused", addr: "198.19.0.2:1", is: syscall.ECONNREFUSED},
		// No such address on the server side: the SYN is dropped there.
		{name: "timeout", addr: "198.19.0.200:80", is: os.ErrDeadlineExceeded, timeout: true},
		{name: "cancelled", addr: "198.19.0.200:80", is: context.Canceled, ctx: func() (context.Context, context.CancelFunc) {
			c, cancel := context.WithCancel(ctx)
			time.AfterFunc(50*time.Millisecond, cancel)
			return c, cancel
		}},
		{name: "name", addr: "lab.test:443"},
		{name: "ipv6", addr: "[::1]:443"},
		{name: "udp", addr: "198.19.0.2:443", network: "udp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ctx
			if tt.ctx != nil {
				var cancel context.CancelFunc
				c, cancel = tt.ctx()
				defer cancel()
			}
			network := tt.network
			if network == "" {
				network = "tcp"
			}
			conn, err := d.DialContext(c, network, tt.addr)
			if err == nil {
				conn.Close()
				t.Fatal("no error")
			}
			var oe *net.OpError
			if !errors.As(err, &oe) || oe.Op != "dial" {
				t.Errorf("error %v (%T) is not a dial *net.OpError", err, err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v, want one that is %v", err, tt.is)
			}
			var ne net.Error
			if tt.timeout && (!errors.As(err, &ne) || !ne.Timeout()) {
				t.Errorf("error %v is not a timeout", err)
			}
		})
	}
}

// TestDoStartsProcessesInside checks that a process started inside Do runs
// in the namespace, and that it survives Do although it was started with
// a parent-death signal (tied to the thread that forked it).
func TestDoStartsProcessesInside(t *testing.T) {
	l := startLab(t, netlab.Config{})
	var st syscall.Stat_t
	if err := syscall.Stat(l.Server.Path(), &st); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("net:[%d]", st.Ino)
	cmd := exec.Command("sh", "-c", "readlink /proc/self/ns/net; exec sleep 30")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Server.Do(cmd.Start); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	if got := strings.TrimSpace(line); err != nil || got != want {
		t.Errorf("the process is in namespace %q (%v), want %q (the server side)", got, err, want)
	}
	// Each of these runs on some thread; had Do left its thread to end,
	// the child would already be dead.
	for range 20 {
		l.Generator.Do(func() error { return nil })
	}
	deadline := time.Now().Add(300 * time.Millisecond)
	for time.Now().Before(deadline) {
		if gone(cmd.Process.Pid) {
			t.Fatal("the process died after Do returned: its thread ended")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := l.Server.Do(func() error { return errors.New("fn's error") }); err == nil || err.Error() != "fn's error" {
		t.Errorf("Do returned %v, want fn's error", err)
	}
}
