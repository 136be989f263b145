//go:build !linux

package loadgen

import (
	"context"
	"net"
	"time"
)

// rawDial is the raw connection path, which only Linux has (see
// rawconn_linux.go); elsewhere net's dialer is used.
func rawDial(context.Context, *net.TCPAddr, *net.TCPAddr, time.Duration, **rawConn) (net.Conn, error) {
	return nil, errNoRawPath
}

// rawConn is the raw path's connection, which is never made here.
type rawConn struct{}

func (*rawConn) drop() {}

const haveRawPath = false
