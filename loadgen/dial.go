package loadgen

import (
	"context"
	"net"
)

// dial makes the TCP connection to address, through Config.Dial when set.
func (w *worker) dial(ctx context.Context, address string) (net.Conn, error) {
	if d := w.g.cfg.Dial; d != nil {
		return d(ctx, &w.dialer, address)
	}
	return w.dialer.DialContext(ctx, "tcp", address)
}
