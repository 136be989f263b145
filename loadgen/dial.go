package loadgen

import (
	"context"
	"errors"
	"net"
	"net/netip"
)

// errNoRawPath is rawDial's error where the raw path does not exist.
var errNoRawPath = errors.New("loadgen: no raw connection path on this system")

// dial makes the TCP connection to target node: through Config.Dial when
// it is set (the network lab's sockets live in its namespace, made by its
// dialer: the raw path is not used then), on the raw path (Linux, see
// rawconn_linux.go) when the node's address is an IP address and port,
// and with net's dialer otherwise.
func (w *worker) dial(ctx context.Context, node int) (net.Conn, error) {
	cfg := &w.g.cfg
	if d := cfg.Dial; d != nil {
		return d(ctx, &w.dialer, cfg.Targets[node])
	}
	if a := w.g.raddrs[node]; a != nil {
		var src *net.TCPAddr
		if w.dialer.LocalAddr != nil {
			src = w.dialer.LocalAddr.(*net.TCPAddr)
		}
		return rawDial(ctx, src, a, w.dialer.Timeout, &w.spare)
	}
	return w.dialer.DialContext(ctx, "tcp", cfg.Targets[node])
}

// dropSpare closes the worker's spare socket, if it has one (see
// rawSpare): at the end of a phase.
func (w *worker) dropSpare() {
	if w.spare != nil {
		w.spare.drop()
		w.spare = nil
	}
}

// rawAddrs returns, for each target, its address for the raw path, or nil
// where the raw path is not taken (a host name: net's dialer resolves it;
// no raw path on this system; Config.Dial set).
func rawAddrs(cfg *Config) []*net.TCPAddr {
	out := make([]*net.TCPAddr, len(cfg.Targets))
	if !haveRawPath || cfg.Dial != nil || cfg.NetDialer {
		return out
	}
	for i, t := range cfg.Targets {
		if ap, err := netip.ParseAddrPort(t); err == nil {
			out[i] = net.TCPAddrFromAddrPort(ap)
		}
	}
	return out
}
