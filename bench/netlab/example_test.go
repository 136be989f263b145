package netlab_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/tlsbench/tlsbench/bench/netlab"
)

// Example shows a lab end to end: a server process started in the server
// namespace, a connection dialed from the generator namespace while this
// process stays in its own, and the link's counters. (Not run by go test:
// it needs root and openssl.)
func Example() {
	if err := netlab.Preflight(); err != nil {
		fmt.Println(err) // exit 2: nothing has started
		return
	}
	ctx := context.Background()
	exe, _ := os.Executable()
	lab, err := netlab.Start(ctx, []string{exe, "link"}, netlab.Config{RTT: 40 * time.Millisecond, Loss: 0.01, Servers: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer lab.Stop()

	// A real server on the first server address, started inside the
	// namespace; its parent-death signal survives Do.
	addr := netip.AddrPortFrom(lab.ServerAddrs[0], 4433).String()
	srv := exec.Command("openssl", "s_server", "-accept", addr, "-cert", "cert.pem", "-key", "key.pem", "-www")
	srv.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := lab.Server.Do(srv.Start); err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Process.Kill()

	// The generator's connections: sockets made in the generator
	// namespace, from any goroutine.
	d := lab.Generator.Dialer(net.Dialer{Timeout: 5 * time.Second, KeepAlive: -1})
	before, _ := lab.Stats(ctx)
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		fmt.Println(err)
		return
	}
	c := tls.Client(raw, &tls.Config{ServerName: "localhost", InsecureSkipVerify: true})
	c.HandshakeContext(ctx)
	c.Close()
	after, _ := lab.Stats(ctx)
	phase := after.Sub(before)
	fmt.Println("to server:", phase.ToServer.Packets, "packets,", phase.ToServer.LossDrops, "lost")
	fmt.Println("link CPU is that of PID", lab.LinkPID())
}
