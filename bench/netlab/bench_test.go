package netlab_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tlsbench/tlsbench/bench/netlab"
)

// BenchmarkDial measures a connection through the lab: the lab's Dialer
// (sockets made in the generator namespace by the pool, connected from
// this goroutine) against net.Dialer run inside Namespace.Do, at zero RTT,
// where the difference is the per-connection cost of staying in the root
// namespace; and the link process's CPU per packet, at zero and at 10 ms
// RTT (where each packet waits on the link's timer).
func BenchmarkDial(b *testing.B) {
	for _, rtt := range []time.Duration{0, 10 * time.Millisecond} {
		l := startLab(b, netlab.Config{RTT: rtt})
		addr := netip.AddrPortFrom(l.ServerAddrs[0], 9000).String()
		ln, err := l.Server.Listen(context.Background(), "tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		serve(b, ln, func(c net.Conn) {})
		base := net.Dialer{Timeout: 5 * time.Second, KeepAlive: -1}
		lab := l.Generator.Dialer(base)
		b.Run(fmt.Sprintf("rtt=%v/lab-dialer", rtt), func(b *testing.B) {
			b.ReportAllocs()
			before, _ := l.Stats(context.Background())
			cpu0 := cpuTime(b, l.LinkPID())
			for b.Loop() {
				c, err := lab.DialContext(context.Background(), "tcp", addr)
				if err != nil {
					b.Fatal(err)
				}
				c.Close()
			}
			after, _ := l.Stats(context.Background())
			s := after.Sub(before)
			packets := s.ToServer.Packets + s.ToClient.Packets
			b.ReportMetric(float64(packets)/float64(b.N), "packets/op")
			b.ReportMetric(float64((cpuTime(b, l.LinkPID())-cpu0).Nanoseconds())/float64(packets), "link-cpu-ns/packet")
		})
		if rtt > 0 {
			continue
		}
		b.Run(fmt.Sprintf("rtt=%v/net-dialer-in-Do", rtt), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				err := l.Generator.Do(func() error {
					c, err := base.DialContext(context.Background(), "tcp", addr)
					if err == nil {
						c.Close()
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// cpuTime returns a process's user and system CPU time.
func cpuTime(b *testing.B, pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	f := strings.Fields(string(data)[strings.LastIndexByte(string(data), ')')+2:])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond // USER_HZ = 100
}

// BenchmarkLinkForwarding measures the link process's CPU per packet: a
// bulk TCP transfer through a link with a delay, its CPU time from /proc
// divided by the packets it forwarded both ways.
func BenchmarkLinkForwarding(b *testing.B) {
	l := startLab(b, netlab.Config{RTT: 2 * time.Millisecond})
	addr := netip.AddrPortFrom(l.ServerAddrs[0], 9000).String()
	ln, err := l.Server.Listen(context.Background(), "tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	serve(b, ln, func(c net.Conn) {
		for {
			if _, err := c.Write(chunk); err != nil {
				return
			}
		}
	})
	d := l.Generator.Dialer(net.Dialer{Timeout: 5 * time.Second, KeepAlive: -1})
	c, err := d.DialContext(context.Background(), "tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	before, err := l.Stats(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	cpu0 := cpuTime(b, l.LinkPID())
	b.ResetTimer()
	var n int64
	for b.Loop() {
		m, err := io.CopyN(io.Discard, c, 1<<20)
		if err != nil {
			b.Fatal(err)
		}
		n += m
	}
	b.StopTimer()
	after, err := l.Stats(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	cpu := cpuTime(b, l.LinkPID()) - cpu0
	s := after.Sub(before)
	packets := s.ToServer.Packets + s.ToClient.Packets
	b.SetBytes(1 << 20)
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(packets), "link-cpu-ns/packet")
	b.ReportMetric(float64(packets)/b.Elapsed().Seconds(), "packets/s")
	b.ReportMetric(float64(s.ToClient.Late.Quantile(0.5).Microseconds()), "late-p50-µs")
}
