package netlab

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Dialer makes TCP connections whose sockets belong to a lab namespace
// (Namespace.Dialer), while the calling goroutine stays where it is: the
// generator process and its workers run in the machine's own namespace
// and dial through this. It is a drop-in for net.Dialer's DialContext for
// numeric IPv4 addresses (the lab has no names and no IPv6) and returns a
// *net.TCPConn, on which SetLinger, CloseWrite and the rest work as usual.
//
// Per connection it costs a few system calls more than net.Dialer: the
// socket comes ready-made from a pool that one thread inside the
// namespace keeps filled, then is connected by the calling goroutine
// through the runtime poller and handed to net.FileConn (a dup and a
// close). No thread switch and no setns happen per connection.
//
// A Dialer is safe for concurrent use, and its fields must not change once
// it dials.
type Dialer struct {
	// Timeout bounds the connect, as net.Dialer.Timeout does. Zero: none
	// beyond ctx's (the kernel gives up on its own after its SYN
	// retries, about 2 minutes).
	Timeout time.Duration
	// Deadline is an absolute time after which dials fail, as
	// net.Dialer.Deadline. Zero: none.
	Deadline time.Time
	// LocalAddr is the address to dial from, one of the namespace's
	// (Lab.GeneratorAddrs); nil: the kernel picks (the first). Its port
	// is normally 0.
	LocalAddr net.Addr
	// KeepAlive is as net.Dialer.KeepAlive: negative turns TCP keep-alive
	// off, zero leaves Go's default (on, 15 s), positive sets the period.
	KeepAlive time.Duration

	ns *Namespace
}

// DialContext connects to address ("198.19.0.2:443") on network "tcp" or
// "tcp4". Errors are *net.OpError values wrapping what the kernel said
// (errors.Is(err, syscall.ECONNREFUSED)), os.ErrDeadlineExceeded on a
// timeout, or ctx's error when ctx ends first, as net.Dialer's are.
func (d *Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	opErr := func(src net.Addr, dst net.Addr, err error) error {
		return &net.OpError{Op: "dial", Net: network, Source: src, Addr: dst, Err: err}
	}
	if network != "tcp" && network != "tcp4" {
		return nil, opErr(nil, nil, fmt.Errorf("netlab: network %q not supported (tcp only)", network))
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !ap.Addr().Is4() {
		return nil, opErr(nil, nil, fmt.Errorf("netlab: want a numeric IPv4 host:port, got %q", address))
	}
	raddr := net.TCPAddrFromAddrPort(ap)
	if d.ns == nil {
		return nil, opErr(nil, raddr, errors.New("netlab: Dialer not made by Namespace.Dialer"))
	}
	pool, err := d.ns.sockets()
	if err != nil {
		return nil, opErr(nil, raddr, err)
	}
	fd, err := pool.get(ctx)
	if err != nil {
		return nil, opErr(nil, raddr, err)
	}
	if d.LocalAddr != nil {
		la, ok := d.LocalAddr.(*net.TCPAddr)
		var lap netip.AddrPort
		if ok {
			lap = la.AddrPort()
		}
		if !ok || !lap.Addr().Unmap().Is4() {
			unix.Close(fd)
			return nil, opErr(d.LocalAddr, raddr, fmt.Errorf("netlab: local address %v is not a TCP IPv4 address", d.LocalAddr))
		}
		sa := &unix.SockaddrInet4{Port: int(lap.Port()), Addr: lap.Addr().Unmap().As4()}
		if err := unix.Bind(fd, sa); err != nil {
			unix.Close(fd)
			return nil, opErr(d.LocalAddr, raddr, os.NewSyscallError("bind", err))
		}
	}
	err = unix.Connect(fd, &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()})
	if err != nil && err != unix.EINPROGRESS {
		unix.Close(fd)
		return nil, opErr(d.LocalAddr, raddr, os.NewSyscallError("connect", err))
	}
	// A non-blocking descriptor: os.NewFile registers it with the poller,
	// so waiting for the connect parks the goroutine, not the thread.
	f := os.NewFile(uintptr(fd), "netlab socket")
	defer f.Close() // FileConn keeps a dup
	if err == unix.EINPROGRESS {
		if err := d.wait(ctx, f); err != nil {
			return nil, opErr(d.LocalAddr, raddr, err)
		}
	}
	c, err := net.FileConn(f)
	if err != nil {
		return nil, opErr(d.LocalAddr, raddr, err)
	}
	tc := c.(*net.TCPConn)
	switch {
	case d.KeepAlive < 0:
		err = tc.SetKeepAlive(false)
	case d.KeepAlive > 0:
		err = tc.SetKeepAlivePeriod(d.KeepAlive)
	}
	if err != nil {
		tc.Close()
		return nil, opErr(d.LocalAddr, raddr, err)
	}
	return tc, nil
}

// wait waits until the connect of f's socket completes, fails, or the
// deadline or ctx passes.
func (d *Dialer) wait(ctx context.Context, f *os.File) error {
	deadline := d.Deadline
	if d.Timeout > 0 {
		if t := time.Now().Add(d.Timeout); deadline.IsZero() || t.Before(deadline) {
			deadline = t
		}
	}
	if t, ok := ctx.Deadline(); ok && (deadline.IsZero() || t.Before(deadline)) {
		deadline = t
	}
	if !deadline.IsZero() {
		if err := f.SetWriteDeadline(deadline); err != nil {
			return err
		}
	}
	stop := context.AfterFunc(ctx, func() { f.SetWriteDeadline(time.Unix(1, 0)) })
	defer stop()
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var cerr error
	err = rc.Write(func(fd uintptr) bool {
		// Called at once, then each time the socket is writable: the
		// connect is done when SO_ERROR is 0 and there is a peer.
		e, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_ERROR)
		if err != nil {
			cerr = os.NewSyscallError("getsockopt", err)
			return true
		}
		switch errno := unix.Errno(e); errno {
		case unix.EINPROGRESS, unix.EALREADY, unix.EINTR:
			return false
		case 0:
			if _, err := unix.Getpeername(int(fd)); err == unix.ENOTCONN {
				return false
			}
			return true
		default:
			cerr = os.NewSyscallError("connect", errno)
			return true
		}
	})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err // os.ErrDeadlineExceeded
	}
	return cerr
}

// socketPool keeps a few unconnected TCP sockets made in a namespace, made
// by one goroutine locked to a thread inside it. Sockets keep the
// namespace they were made in, so any goroutine can connect them.
type socketPool struct {
	ready chan int
	once  sync.Once
	done  chan struct{}
	ended chan struct{}
	err   error // why the maker stopped, set before ended closes
}

// poolSize is how many sockets wait ready: enough for a burst of dials
// without waiting for the maker thread.
const poolSize = 64

func newSocketPool(n *Namespace) *socketPool {
	p := &socketPool{ready: make(chan int, poolSize), done: make(chan struct{}), ended: make(chan struct{})}
	go p.make(n.handle, n.name)
	return p
}

// make fills the pool until close, on a thread inside the namespace
// (which returns to its own afterwards, see onThreadIn).
func (p *socketPool) make(h netns.NsHandle, name string) {
	defer close(p.ended)
	p.err = onThreadIn(h, name, func() error {
		for {
			fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
			if err != nil {
				return fmt.Errorf("netlab: socket in %s: %w", name, err)
			}
			select {
			case p.ready <- fd:
			case <-p.done:
				unix.Close(fd)
				return nil
			}
		}
	})
}

// get returns a fresh socket made in the namespace.
func (p *socketPool) get(ctx context.Context) (int, error) {
	select {
	case fd := <-p.ready:
		return fd, nil
	default:
	}
	select {
	case fd := <-p.ready:
		return fd, nil
	case <-p.ended:
		select {
		case fd := <-p.ready:
			return fd, nil
		default:
		}
		if p.err != nil {
			return -1, p.err
		}
		return -1, errors.New("netlab: the lab is stopped")
	case <-ctx.Done():
		return -1, ctx.Err()
	}
}

// close stops the maker and closes the sockets left in the pool.
func (p *socketPool) close() {
	p.once.Do(func() { close(p.done) })
	<-p.ended
	for {
		select {
		case fd := <-p.ready:
			unix.Close(fd)
		default:
			return
		}
	}
}
